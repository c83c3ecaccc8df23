import { deviceLabel, type DecodedStream, type DeviceRecord, type RamEntry } from '../wire/decode.js';
import { isVmsdState, leafText, type Leaf, type VmsdState } from '../wire/tree.js';

/**
 * Compares what a source wrote with what a destination wrote after loading it, device
 * by device and field by field. Fields are matched by path, then (for renames such as
 * hpet's `num_timers` → `num_timers_save`) by byte offset and size. Known
 * non-determinism is ignored and reported as ignored, never silently.
 */

export interface FieldDifference {
  /** `serial (0)`, or `ram` for guest memory. */
  device: string;
  path: string;
  /** value: both sent it, with different values; lost: the source sent it, the destination did not. */
  kind: 'value' | 'lost';
  src: string;
  dst: string;
  /** Absolute offsets in each stream, when there is one. */
  srcOffset: number | null;
  dstOffset: number | null;
  /**
   * The field holds a VMSD's version (ESP's `esp.mig_version_id`, set from
   * `vmstate_esp.version_id` by pre_save): it differs on every cross-version re-save,
   * so it is shown after the real losses and never headlines a failure.
   */
  encodesVersion?: true;
}

export interface IgnoredDifference {
  device: string;
  path: string;
  why: string;
}

export interface StreamComparison {
  differences: FieldDifference[];
  /** Differences that were there and were ignored, with the reason. */
  ignored: IgnoredDifference[];
  /** Fields matched by offset because their names differ between the two releases. */
  renamed: { device: string; src: string; dst: string }[];
  /**
   * Byte ranges one side sends as VMSTATE_UNUSED and the other as fields (e1000e's
   * interrupt-pending flags, unused bytes in 10.0): compared byte for byte, as the
   * loader that skips them sees them.
   */
  unused: { device: string; src: string; dst: string; bytes: number }[];
  /** Devices or fields only the destination sent (its own additions; not a loss). */
  addedByDst: string[];
  devices: number;
  fieldsCompared: number;
  ramPagesCompared: number;
}

/** The non-determinism rules, as printed in reports. */
export const IGNORE_RULES = {
  fifo: "Fifo8 data past the FIFO's count (head..head+num): stale memory that differs from run to run (spec corrections: serial recv_fifo)",
  globalstate:
    "globalstate past the runstate name: 7.2's 100-byte runstate is 10.0's runstate[32] + has_vm_was_suspended + vm_was_suspended + unused, and 10.0 writes 01 at byte 32 (spec corrections); the run state name is compared",
  runstateTail:
    "globalstate runstate bytes after the name's NUL: QEMU only reads the name; 7.2 keeps whatever a 10.0 sender put there (its vm_was_suspended byte) and sends it on",
} as const;

interface FlatLeaf {
  path: string;
  type: string;
  size: number;
  value: Leaf;
  offset: number;
  /** The vmsd the leaf belongs to (for the FIFO rule). */
  parent: VmsdState;
  field: string;
}

function flatten(s: VmsdState, prefix: string, out: FlatLeaf[], offset: number): number {
  for (const f of s.fields) {
    let i = 0;
    for (const part of f.parts) {
      for (let k = 0; k < part.count; k++, i++) {
        const path = (prefix ? prefix + '.' : '') + (f.array ? `${f.name}[${i}]` : f.name);
        const v = f.values[i]!;
        if (isVmsdState(v)) flatten(v, path, out, offset);
        else out.push({ path, type: part.type, size: part.size, value: v, offset, parent: s, field: f.name });
        offset += part.size;
      }
    }
  }
  for (const sub of s.subsections) offset = flatten(sub.state, (prefix ? prefix + '.' : '') + sub.name, out, offset + 6 + sub.name.length);
  return offset;
}

function same(a: Leaf, b: Leaf): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && Buffer.compare(a, b) === 0;
  }
  return typeof a === typeof b ? a === b : BigInt(a as number) === BigInt(b as number);
}

function show(v: Leaf, size: number): string {
  if (v instanceof Uint8Array && v.length > 32) return `${v.length} bytes`;
  return String(leafText(v, size));
}

function fieldValue(s: VmsdState, name: string): unknown {
  return s.fields.find((f) => f.name === name)?.values[0];
}

/** The bytes of a Fifo8's ring that hold data; the rest is stale. */
function fifoUsed(l: FlatLeaf): Uint8Array | null {
  if (l.parent.vmsd_name !== 'Fifo8' || l.field !== 'data' || !(l.value instanceof Uint8Array)) return null;
  const head = Number(fieldValue(l.parent, 'head') ?? 0);
  const num = Number(fieldValue(l.parent, 'num') ?? 0);
  const data = l.value;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < Math.min(num, data.length); i++) {
    const at = (head + i) % data.length;
    out[at] = data[at]!;
  }
  return out;
}

function runstateName(s: VmsdState): string | null {
  const b = fieldValue(s, 'runstate');
  if (!(b instanceof Uint8Array)) return null;
  const nul = b.indexOf(0);
  return Buffer.from(b.subarray(0, nul < 0 ? b.length : nul)).toString('latin1');
}

/** The shape of a vmsd as described: field names, types, sizes, counts, nested shapes, subsections. */
function layoutKey(s: VmsdState): string {
  const nested = (f: VmsdState['fields'][number]) => f.values.filter(isVmsdState).map(layoutKey).join('|');
  return (
    s.fields.map((f) => `${f.name}:${f.parts.map((p) => `${p.type}/${p.size}x${p.count}`).join(',')}${f.parts.some((p) => p.type === 'struct' || p.type === 'vstruct' || p.type === 'tmp') ? `{${nested(f)}}` : ''}`).join(';') +
    s.subsections.map((x) => `/${x.name}@${x.version}{${layoutKey(x.state)}}`).join('')
  );
}

function countLeaves(s: VmsdState): number {
  let n = 0;
  for (const f of s.fields) for (const v of f.values) n += isVmsdState(v) ? countLeaves(v) : 1;
  for (const sub of s.subsections) n += countLeaves(sub.state);
  return n;
}

export function compareStreams(src: DecodedStream, dst: DecodedStream): StreamComparison {
  const out: StreamComparison = { differences: [], ignored: [], renamed: [], unused: [], addedByDst: [], devices: 0, fieldsCompared: 0, ramPagesCompared: 0 };
  const devs = (s: DecodedStream) => {
    const m = new Map<string, DeviceRecord>();
    for (const r of s.records) if (r.type === 'FULL') m.set(deviceLabel(r.idstr, r.instanceId), r);
    return m;
  };
  const a = devs(src);
  const b = devs(dst);
  for (const [label, ra] of a) {
    const rb = b.get(label);
    if (!rb) {
      out.differences.push({ device: label, path: '(section)', kind: 'lost', src: `${ra.payloadLength} bytes`, dst: 'not sent', srcOffset: ra.offset, dstOffset: null });
      continue;
    }
    out.devices++;
    compareDevice(label, ra, rb, out);
  }
  for (const label of b.keys()) if (!a.has(label)) out.addedByDst.push(label);
  compareRam(src, dst, out);
  // The first real loss headlines; fields that only say which version wrote them come last.
  out.differences = [...out.differences.filter((d) => !d.encodesVersion), ...out.differences.filter((d) => d.encodesVersion)];
  return out;
}

function compareDevice(label: string, ra: DeviceRecord, rb: DeviceRecord, out: StreamComparison): void {
  if (ra.state.vmsd_name === 'globalstate' && layoutKey(ra.state) !== layoutKey(rb.state)) {
    const na = runstateName(ra.state);
    const nb = runstateName(rb.state);
    out.fieldsCompared++;
    if (na !== nb) {
      out.differences.push({ device: label, path: 'runstate', kind: 'value', src: String(na), dst: String(nb), srcOffset: ra.payloadOffset, dstOffset: rb.payloadOffset });
    }
    out.ignored.push({ device: label, path: 'runstate[32..]', why: IGNORE_RULES.globalstate });
    return;
  }
  // Same bytes under the same description: nothing can differ (most devices, e1000's
  // 33k mac_reg elements among them), so count the leaves instead of pairing them.
  if (ra.raw && rb.raw && Buffer.compare(ra.raw, rb.raw) === 0 && layoutKey(ra.state) === layoutKey(rb.state)) {
    out.fieldsCompared += countLeaves(ra.state);
    return;
  }
  const la: FlatLeaf[] = [];
  const lb: FlatLeaf[] = [];
  flatten(ra.state, '', la, 0);
  flatten(rb.state, '', lb, 0);
  const byPath = new Map(lb.map((l) => [l.path, l]));
  const byOffset = new Map(lb.map((l) => [`${l.offset}/${l.size}`, l]));
  const matched = new Set<FlatLeaf>();
  const unmatched: FlatLeaf[] = [];
  for (const x of la) {
    const y = byPath.get(x.path);
    if (y && y.size === x.size) {
      matched.add(y);
      compareLeaf(label, x, y, ra, rb, out);
    } else unmatched.push(x);
  }
  const asUnused = matchUnused(label, unmatched, lb.filter((y) => !matched.has(y)), ra, rb, out);
  for (const y of asUnused) matched.add(y);
  for (const x of unmatched) {
    if (asUnused.has(x)) continue;
    const y = byOffset.get(`${x.offset}/${x.size}`);
    if (y && !matched.has(y) && !la.some((l) => l.path === y.path)) {
      matched.add(y);
      out.renamed.push({ device: label, src: x.path, dst: y.path });
      compareLeaf(label, x, y, ra, rb, out);
      continue;
    }
    out.differences.push({
      device: label,
      path: x.path,
      kind: 'lost',
      src: show(x.value, x.size),
      dst: 'not sent',
      srcOffset: ra.payloadOffset + x.offset,
      dstOffset: null,
    });
  }
  for (const y of lb) if (!matched.has(y)) out.addedByDst.push(`${label} ${y.path}`);
}

const UNUSED = 'unused_buffer';

/**
 * Pairs each VMSTATE_UNUSED range of one side with the leaves that exactly tile the
 * same payload bytes on the other side and compares those bytes: a loader skips
 * unused bytes, so only the bytes can say whether anything was lost. Returns the
 * leaves (of both sides) it accounted for.
 */
function matchUnused(label: string, xs: FlatLeaf[], ys: FlatLeaf[], ra: DeviceRecord, rb: DeviceRecord, out: StreamComparison): Set<FlatLeaf> {
  const done = new Set<FlatLeaf>();
  if (!ra.raw || !rb.raw) return done;
  const tile = (u: FlatLeaf, others: FlatLeaf[]): FlatLeaf[] | null => {
    const inside = others.filter((l) => !done.has(l) && l.offset >= u.offset && l.offset + l.size <= u.offset + u.size).sort((p, q) => p.offset - q.offset);
    let at = u.offset;
    for (const l of inside) {
      if (l.offset !== at) return null;
      at += l.size;
    }
    return inside.length && at === u.offset + u.size ? inside : null;
  };
  const pairs: [FlatLeaf[], FlatLeaf[]][] = [];
  for (const u of ys) if (u.type === UNUSED && !done.has(u)) {
    const t = tile(u, xs);
    if (t) pairs.push([t, [u]]), [...t, u].forEach((l) => done.add(l));
  }
  for (const u of xs) if (u.type === UNUSED && !done.has(u)) {
    const t = tile(u, ys);
    if (t) pairs.push([[u], t]), [u, ...t].forEach((l) => done.add(l));
  }
  for (const [sx, sy] of pairs) {
    const start = sx[0]!.offset;
    const size = sx.reduce((n, l) => n + l.size, 0);
    const bx = ra.raw.subarray(start, start + size);
    const by = rb.raw.subarray(start, start + size);
    const names = (ls: FlatLeaf[]) => (ls.length === 1 ? ls[0]!.path : `${ls[0]!.path} … ${ls.at(-1)!.path}`);
    out.fieldsCompared += sx.length;
    out.unused.push({ device: label, src: names(sx), dst: names(sy), bytes: size });
    if (Buffer.compare(bx, by) === 0) continue;
    let at = 0;
    while (bx[at] === by[at]) at++;
    const owner = sx.find((l) => l.offset + l.size > start + at)!;
    out.differences.push({
      device: label,
      path: `${owner.path} (as ${names(sy)})`,
      kind: 'value',
      src: hexByte(bx[at]!),
      dst: hexByte(by[at]!),
      srcOffset: ra.payloadOffset + start + at,
      dstOffset: rb.payloadOffset + start + at,
    });
  }
  return done;
}

/** Each VMSD's version in a section, by name (the section's own, nested structs, subsections). */
function vmsdVersions(s: VmsdState, out = new Map<string, number>()): Map<string, number> {
  out.set(s.vmsd_name, s.version);
  for (const f of s.fields) for (const v of f.values) if (isVmsdState(v)) vmsdVersions(v, out);
  for (const sub of s.subsections) vmsdVersions(sub.state, out);
  return out;
}

const versionsOf = new WeakMap<VmsdState, Map<string, number>>();

/**
 * An integer that each side sets to the version of one VMSD of the section, and that
 * VMSD's version differs between the two: ESP's `esp.mig_version_id` (a field of the
 * PCI wrapper) is vmstate_esp's version, 7 in 10.0 and 6 in 7.2.
 */
function holdsAVersion(x: FlatLeaf, y: FlatLeaf, ra: DeviceRecord, rb: DeviceRecord): boolean {
  if (typeof x.value !== 'number' || typeof y.value !== 'number' || x.value === y.value) return false;
  const get = (s: VmsdState) => versionsOf.get(s) ?? versionsOf.set(s, vmsdVersions(s)).get(s)!;
  const va = get(ra.state);
  const vb = get(rb.state);
  for (const [name, v] of va) if (v === x.value && vb.get(name) === y.value) return true;
  return false;
}

function compareLeaf(label: string, x: FlatLeaf, y: FlatLeaf, ra: DeviceRecord, rb: DeviceRecord, out: StreamComparison): void {
  out.fieldsCompared++;
  if (same(x.value, y.value)) return;
  const fx = fifoUsed(x);
  const fy = fifoUsed(y);
  if (fx && fy && same(fx, fy)) {
    out.ignored.push({ device: label, path: x.path, why: IGNORE_RULES.fifo });
    return;
  }
  if (ra.state.vmsd_name === 'globalstate' && x.path === 'runstate' && runstateName(ra.state) === runstateName(rb.state)) {
    out.ignored.push({ device: label, path: 'runstate (after its NUL)', why: IGNORE_RULES.runstateTail });
    return;
  }
  let path = x.path;
  let src = show(x.value, x.size);
  let dst = show(y.value, y.size);
  let at = 0;
  if (x.value instanceof Uint8Array && y.value instanceof Uint8Array && x.value.length === y.value.length) {
    // name the first differing byte rather than two long hex strings
    while (x.value[at] === y.value[at]) at++;
    let n = 0;
    for (let i = at; i < x.value.length; i++) if (x.value[i] !== y.value[i]) n++;
    path = `${x.path}[${at}]${n > 1 ? ` (+${n - 1} more bytes)` : ''}`;
    src = hexByte(x.value[at]!);
    dst = hexByte(y.value[at]!);
  }
  out.differences.push({
    device: label,
    path,
    kind: 'value',
    src,
    dst,
    srcOffset: ra.payloadOffset + x.offset + at,
    dstOffset: rb.payloadOffset + y.offset + at,
    ...(holdsAVersion(x, y, ra, rb) ? { encodesVersion: true as const } : {}),
  });
}

function hexByte(b: number): string {
  return '0x' + b.toString(16).padStart(2, '0');
}

/** Guest memory, page by page (a zero page equals a page of that fill byte; the last send of a page counts). */
function compareRam(src: DecodedStream, dst: DecodedStream, out: StreamComparison): void {
  type Page = Extract<RamEntry, { kind: 'zero' | 'page' }>;
  const pages = (s: DecodedStream) => {
    const blocks = new Map<string, Map<number, Page>>();
    for (const r of s.records) {
      if (r.type !== 'START' && r.type !== 'PART' && r.type !== 'END') continue;
      for (const e of r.entries) {
        if (e.kind !== 'zero' && e.kind !== 'page') continue;
        let m = blocks.get(e.block);
        if (!m) blocks.set(e.block, (m = new Map()));
        m.set(e.addr, e);
      }
    }
    return blocks;
  };
  const filled = (data: Uint8Array, fill: number) => {
    for (let i = 0; i < data.length; i++) if (data[i] !== fill) return false;
    return true;
  };
  const equal = (x: Page, y: Page | undefined): boolean => {
    if (!y) return false;
    if (x.kind === 'zero') return y.kind === 'zero' ? x.fill === y.fill : filled(y.data, x.fill);
    return y.kind === 'zero' ? filled(x.data, y.fill) : Buffer.compare(x.data, y.data) === 0;
  };
  const describe = (x: Page | undefined) => (!x ? 'not sent' : x.kind === 'zero' ? `zero page (fill ${x.fill})` : 'data page');
  const b = pages(dst);
  let reported = 0;
  for (const [block, m] of pages(src)) {
    const other = b.get(block);
    for (const [addr, e] of m) {
      out.ramPagesCompared++;
      const f = other?.get(addr);
      if (equal(e, f) || reported++ >= 8) continue;
      out.differences.push({ device: 'ram', path: `${block} @0x${addr.toString(16)}`, kind: f ? 'value' : 'lost', src: describe(e), dst: describe(f), srcOffset: null, dstOffset: null });
    }
  }
}
