/**
 * A device model against one real FULL record: load the record's payload
 * into the model's reset state at the record's version, save it again at
 * the model's own version, and compare the bytes.
 */
import { VmError } from '../../src/wire/errors.js';
import { Reader } from '../../src/wire/reader.js';
import { Writer } from '../../src/wire/writer.js';
import { walkStream, type StreamRecord } from '../../src/wire/walk.js';
import { loadVmsd } from '../../src/vmstate/load.js';
import { saveVmsd } from '../../src/vmstate/save.js';
import type { Props, State, VmCtx } from '../../src/vmstate/types.js';
import type { DeviceClass } from '../../src/machine/types.js';
import { vmsdCtx } from '../../src/vmstate/test-engines.js';

export function modelCtx(props: Props, device: State, vmdescArrays: VmCtx['vmdescArrays'] = 'whole'): VmCtx {
  return vmsdCtx(props, device, vmdescArrays);
}

export interface PayloadRoundTrip {
  /** The bytes the real binary wrote for the section's payload. */
  real: Uint8Array;
  /** What the model saved after loading them; null when the load failed. */
  model: Uint8Array | null;
  state: State | null;
  error: VmError | null;
  /** Bytes the model's load left unread (0 when it consumed the payload exactly). */
  leftover: number;
}

/** The FULL record of `idstr` in a real stream. */
export function fullRecord(stream: Uint8Array, idstr: string): StreamRecord {
  const rec = walkStream(stream).records.find((r) => r.type === 'FULL' && r.idstr === idstr);
  if (!rec) throw new Error(`the stream has no FULL record '${idstr}'`);
  return rec;
}

export function roundTripPayload(cls: DeviceClass, props: Props, stream: Uint8Array, idstr = cls.idstr): PayloadRoundTrip {
  const rec = fullRecord(stream, idstr);
  const real = stream.slice(rec.payloadOffset, rec.payloadOffset + rec.payloadLength);
  const state = cls.reset(props);
  const r = new Reader(real);
  try {
    loadVmsd(r, cls.vmsd, state, rec.versionId!, modelCtx(props, state), []);
  } catch (e) {
    if (e instanceof VmError) return { real, model: null, state: null, error: e, leftover: real.length - r.offset };
    throw e;
  }
  const w = new Writer();
  saveVmsd(w, cls.vmsd, state, cls.vmsd.version_id, modelCtx(props, state), [], null);
  return { real, model: w.finish(), state, error: null, leftover: real.length - r.offset };
}

/** The first offset where two byte strings differ, or -1. */
export function firstByteDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
