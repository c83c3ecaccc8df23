import type { DecodedStream, DeviceRecord } from '../wire/decode.js';
import { deviceLabel } from '../wire/decode.js';
import type { FieldDiff, StreamDiff } from '../wire/diff.js';
import { leaves, type LeafRef } from '../wire/tree.js';
import { pathOf } from '../vmstate/path.js';
import type { TraceEntry } from '../vmstate/types.js';

/**
 * A stream's JSON description only sizes what a custom codec writes (a virtio
 * device's whole core is one `virtio` blob), so a field diff of two streams
 * names a byte of the blob. Where a release model read the section in both
 * streams, the blob's differences are named by the model's fields instead:
 * `virtio-rng:virtio.isr 0x00 → 0x01`, with the offset in each stream.
 */

export interface ModelSide {
  stream: DecodedStream;
  bytes: Uint8Array;
  /** Per section label, what the model read of it (absolute offsets). */
  traces: ReadonlyMap<string, readonly TraceEntry[]>;
}

/** Custom codecs the description only sizes: bytes that are neither a typed buffer nor unused. */
function opaque(l: LeafRef): boolean {
  return l.value instanceof Uint8Array && l.size > 0 && l.type !== 'buffer' && l.type !== 'unused_buffer' && l.type !== 'pci config';
}

export function blobs(s: DecodedStream, label: string): { start: number; end: number }[] {
  const rec = s.records.find((r): r is DeviceRecord => r.type === 'FULL' && deviceLabel(r.idstr, r.instanceId) === label);
  if (!rec) return [];
  return leaves(rec.state)
    .filter(opaque)
    .map((l) => ({ start: rec.payloadOffset + l.offset, end: rec.payloadOffset + l.offset + l.size }));
}

const inside = (at: number | null, rs: { start: number; end: number }[]) => at !== null && rs.some((r) => at >= r.start && at < r.end);

function show(b: Uint8Array): string {
  if (b.length <= 8) return '0x' + [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${b.length} bytes`;
}

/** The model's leaves inside the blobs, keyed `vmsd:path` (a repeated key gets `#n`). */
export function blobLeaves(trace: readonly TraceEntry[], rs: { start: number; end: number }[]): Map<string, TraceEntry> {
  const out = new Map<string, TraceEntry>();
  for (const e of trace) {
    if (e.what !== 'field' || e.size === 0 || !rs.some((r) => e.offset >= r.start && e.offset + e.size <= r.end)) continue;
    const base = `${e.vmsd}:${pathOf(e.keys)}`;
    let key = base;
    for (let n = 2; out.has(key); n++) key = `${base}#${n}`;
    out.set(key, e);
  }
  return out;
}

/** Rewrites `d` in place: blob byte differences of sections the model read in both streams become model field differences. Returns the sections refined. */
export function refineBlobDiffs(d: StreamDiff, a: ModelSide, b: ModelSide): string[] {
  const refined: string[] = [];
  for (const [label, ta] of a.traces) {
    const tb = b.traces.get(label);
    if (!ta.length || !tb?.length) continue;
    const ra = blobs(a.stream, label);
    const rb = blobs(b.stream, label);
    const old = d.fields.filter((f) => f.section === label && (inside(f.aOffset, ra) || inside(f.bOffset, rb)));
    if (!old.length) continue;
    const la = blobLeaves(ta, ra);
    const lb = blobLeaves(tb, rb);
    const found: FieldDiff[] = [];
    for (const [key, x] of la) {
      const y = lb.get(key);
      const bx = a.bytes.subarray(x.offset, x.offset + x.size);
      if (!y) {
        found.push({ section: label, path: key, kind: 'a-only', a: show(bx), b: 'not sent', aOffset: x.offset, bOffset: null });
        continue;
      }
      d.fieldsCompared++;
      const by = b.bytes.subarray(y.offset, y.offset + y.size);
      if (x.size !== y.size) found.push({ section: label, path: key, kind: 'shape', a: `${x.size} bytes`, b: `${y.size} bytes`, aOffset: x.offset, bOffset: y.offset });
      else if (Buffer.compare(bx, by) !== 0) found.push({ section: label, path: key, kind: 'value', a: show(bx), b: show(by), aOffset: x.offset, bOffset: y.offset });
    }
    for (const [key, y] of lb) if (!la.has(key)) found.push({ section: label, path: key, kind: 'b-only', a: 'not sent', b: show(b.bytes.subarray(y.offset, y.offset + y.size)), aOffset: null, bOffset: y.offset });
    // bytes no model field holds (framing inside the codec) keep their blob difference
    if (!found.length) continue;
    const at = d.fields.indexOf(old[0]!);
    d.fields = d.fields.filter((f) => !old.includes(f));
    d.fields.splice(at, 0, ...found);
    refined.push(label);
  }
  return refined;
}
