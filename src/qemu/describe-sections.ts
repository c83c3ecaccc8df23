import * as C from '../wire/constants.js';
import { decodeVmsd, deviceLabel } from '../wire/decode.js';
import { VmError, hex } from '../wire/errors.js';
import { eachFullSection } from '../wire/full-sections.js';
import { Reader } from '../wire/reader.js';
import { deviceKey, findVmdesc, type Vmdesc, type VmdescDevice } from '../wire/vmdesc.js';
import type { Release } from '../machine/types.js';
import type { TraceEntry } from '../vmstate/types.js';
import { modelDescription } from './model.js';

/**
 * A real stream's device sections, each with every description that fits it: the
 * release model's (when one of its classes loads the payload and saves the same
 * bytes back), the stream's own JSON description's, and another stream's (a stream
 * saved without a description, read beside one that has it). `diff --release`
 * picks per section which to decode with and says which it used.
 */

export interface DescribedSection {
  /** `idstr (instance)`, as the decoder names sections. */
  label: string;
  idstr: string;
  instanceId: number;
  versionId: number;
  offset: number;
  model: VmdescDevice | null;
  /** What the model read of it, at absolute offsets (empty when it does not describe it). */
  trace: TraceEntry[];
  /** Why the model does not describe it (null when it does). */
  modelWhy: string | null;
  own: VmdescDevice | null;
  other: VmdescDevice | null;
}

export interface DescribedStream {
  sections: DescribedSection[];
  /** The stream's own description, when it has one. */
  own: Vmdesc | null;
}

const PAGE_SIZE = 4096;

/**
 * Walks `buf`'s records; each FULL section's end is where the model reads it to
 * (checked against the stream's own description when there is one), else where
 * its own or `other`'s description does. A section no description fits is a
 * typed error naming it.
 */
export function describeSections(buf: Uint8Array, release: Release | null, machine: string | null, other: Vmdesc | null): DescribedStream {
  const own = findVmdesc(buf)?.desc ?? null;
  const index = (d: Vmdesc | null) => new Map((d?.devices ?? []).map((x) => [deviceKey(x.name, x.instance_id), x] as const));
  const owns = index(own);
  const others = index(other);
  const r = new Reader(buf);
  const sections: DescribedSection[] = [];
  eachFullSection(r, own?.page_size ?? other?.page_size ?? PAGE_SIZE, (h, offset) => {
    const key = deviceKey(h.idstr, h.instanceId);
    const o = owns.get(key) ?? null;
    const x = others.get(key) ?? null;
    const payloadOffset = r.offset;
    // the payload's length by the stream's own description, when it has one
    let ownEnd: number | null = null;
    if (o) {
      const rr = new Reader(buf, payloadOffset);
      decodeVmsd(rr, o, h.idstr);
      ownEnd = rr.offset;
    }
    let model: VmdescDevice | null = null;
    let trace: TraceEntry[] = [];
    let modelWhy: string | null = release ? null : 'no release model given';
    if (release && machine) {
      const d = modelDescription(release, machine, buf, { idstr: h.idstr, instanceId: h.instanceId, versionId: h.versionId, payloadOffset, payloadLength: ownEnd === null ? null : ownEnd - payloadOffset });
      if (d.ok) [model, trace] = [d.desc, d.trace];
      else modelWhy = d.why;
    }
    if (model) {
      const rr = new Reader(buf, payloadOffset);
      decodeVmsd(rr, model, h.idstr);
      // with no description to hold it to, the model's end must be where the footer is
      if (ownEnd === null && !(buf[rr.offset] === C.QEMU_VM_SECTION_FOOTER && new DataView(buf.buffer, buf.byteOffset).getUint32(rr.offset + 1) === h.sectionId)) {
        [model, trace, modelWhy] = [null, [], `${release!.name} ends it at ${hex(rr.offset)}, where no footer of section ${h.sectionId} is`];
      } else r.offset = rr.offset;
    }
    if (!model) {
      const by = o ?? x;
      if (!by) {
        throw new VmError({
          kind: 'unknown-section',
          message: `section '${h.idstr}' instance ${h.instanceId} at ${hex(offset)}: ${release ? `${release.name} does not describe it (${modelWhy})` : 'no release model given'}, and ${own ? "the stream's description does not list it" : 'the stream has no description'}${other ? ", nor does the other stream's" : ', nor does the other stream'}`,
          offset,
        });
      }
      if (ownEnd !== null) r.offset = ownEnd;
      else decodeVmsd(r, by, h.idstr);
    }
    sections.push({ label: deviceLabel(h.idstr, h.instanceId), idstr: h.idstr, instanceId: h.instanceId, versionId: h.versionId, offset, model, trace, modelWhy, own: o, other: x });
  });
  return { sections, own };
}

/** A description of the whole stream from one choice per section. */
export function descriptionOf(s: DescribedStream, pick: (sec: DescribedSection) => VmdescDevice, pageSize = PAGE_SIZE): Vmdesc {
  const out: Vmdesc = { page_size: s.own?.page_size ?? pageSize, devices: s.sections.map(pick) };
  if (s.own?.configuration) out.configuration = s.own.configuration;
  return out;
}
