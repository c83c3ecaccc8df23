import { classifyLoadError } from '../check/classify.js';
import type { Failure } from '../check/failure.js';
import type { DeviceInstance, SectionLayout } from '../machine/engine.js';
import type { Release } from '../machine/types.js';
import type { DecodedStream, DeviceRecord } from '../wire/decode.js';
import { VmError } from '../wire/errors.js';
import { modelRead, senderModel, type Global, type ModelRead } from './model.js';

/**
 * A destination binary rejected a stream; QEMU names the section and its first failing
 * check (usually the footer), not where the two layouts part. Reading the section with
 * both binaries' release models says that, as model mode does: the VMSD, the field path
 * and the offset, with both traces for the annotated hex dump.
 */

export interface SidesModels {
  sender: Release | null;
  receiver: Release | null;
  /** The machine type each side runs. */
  senderMachine: string;
  receiverMachine: string;
  /** `-global` settings each binary runs with (its own and the case's). */
  senderGlobals: Global[];
  receiverGlobals: Global[];
}

function layout(read: ModelRead, rec: DeviceRecord): SectionLayout {
  const instance: DeviceInstance = { cls: read.cls, props: {}, idstr: rec.idstr, instanceId: rec.instanceId, sectionId: rec.sectionId, key: read.cls.name, aliasId: -1, compat: null };
  return { instance, headerOffset: rec.offset, payloadOffset: read.payloadOffset, payloadEnd: read.end, versionId: rec.versionId, trace: read.trace };
}

/** `f` refined with where the layouts part, or `f` with a note on why the models cannot say. */
export function explainRejection(f: Failure, stream: DecodedStream | null, bytes: Uint8Array, section: string | null, m: SidesModels): Failure {
  const note = (why: string): Failure => ({ ...f, message: `${f.message} (no field-level diagnosis: ${why})` });
  if (!stream || !section) return f;
  const rec = stream.records.find((r): r is DeviceRecord => r.type === 'FULL' && r.idstr === section);
  if (!rec) return f;
  if (!m.sender || !m.receiver) return note(`no release model stands for ${m.sender ? f.loader : f.saver}`);
  const sent = senderModel(m.sender, m.senderMachine, m.senderGlobals, bytes, rec);
  if (!sent.ok) return note(sent.why);
  const read = modelRead(m.receiver, m.receiverMachine, m.receiverGlobals, bytes, rec);
  if (!read) return note(`release model ${m.receiver.name} has no device for '${section}' at ${m.receiverMachine}`);
  // QEMU's own verdict, as the error the model-mode classifier refines
  const error = new VmError({ kind: f.kind, message: f.qemu[0] ?? f.message, qemu: f.qemu, offset: f.offset ?? undefined });
  const c = classifyLoadError(error, f.stage, f.saver, f.loader, [layout(sent.read, rec)], [layout(read, rec)], bytes);
  const models = `release models ${m.sender.name} and ${m.receiver.name}`;
  if (!c.origin && c.path === error.path) {
    return {
      ...f,
      sentTrace: sent.read.trace,
      readTrace: read.trace,
      message: `${f.message}; the ${models} read '${section}' alike${read.error ? ` and ${m.receiver.name}'s model fails too: ${read.error.message}` : ''}`,
    };
  }
  return {
    ...f,
    kind: c.kind,
    path: c.path,
    vmsd: c.vmsd,
    offset: c.offset,
    origin: c.origin,
    sentTrace: sent.read.trace,
    readTrace: read.trace,
    message: `${c.message} [${models}; QEMU: ${f.qemu.join(' / ') || f.message}]`,
  };
}
