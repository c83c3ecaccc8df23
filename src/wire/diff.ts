import type { DecodedStream, DeviceRecord, RamEntry } from './decode.js';
import { deviceLabel } from './decode.js';
import { isVmsdState, leafText, type FieldState, type Leaf, type Value, type VmsdState } from './tree.js';

/**
 * Two decoded streams compared as data, section by section and field by field,
 * each read with its own description: what a maintainer asks of two streams
 * ("what does 10.0 send that 7.2 does not, and which values changed?"). Nothing
 * is ignored here and nothing is called a loss: that is the verdict `qemu` draws
 * on top of a comparison like this one.
 */

export interface SectionRef {
  /** `serial (0)`, `configuration`. */
  section: string;
  /** Offset of the record's type byte. */
  offset: number;
  versionId: number | null;
  bytes: number;
}

export interface FieldDiff {
  section: string;
  /** `state.lsr`, `fw_cfg/dma.dma_addr`, `outmsg[3] (+2 more bytes)`, a subsection's name. */
  path: string;
  /** value: both have it; a-only / b-only: one side has the field, subsection or element; shape: the same name holds another type, size or VMSD. */
  kind: 'value' | 'a-only' | 'b-only' | 'shape';
  a: string;
  b: string;
  /** Absolute offsets in each stream (null on the side that does not have it). */
  aOffset: number | null;
  bOffset: number | null;
}

export interface PageDiff {
  block: string;
  addr: number;
  a: string;
  b: string;
  /** Offset in the page of the first byte that differs (null when one side has no page). */
  firstByte: number | null;
}

export interface RamDiff {
  /** Blocks whose used length differs, or that only one side has (length null). */
  blocks: { name: string; a: number | null; b: number | null }[];
  pagesCompared: number;
  pagesDiffer: number;
  pagesOnlyA: number;
  pagesOnlyB: number;
  /** The first differing pages, in stream order of A then B. */
  first: PageDiff[];
}

export interface StreamDiff {
  onlyA: SectionRef[];
  onlyB: SectionRef[];
  sectionsCompared: number;
  fields: FieldDiff[];
  fieldsCompared: number;
  ram: RamDiff;
  identical: boolean;
}

export const FIRST_PAGES = 8;

/** A section of a stream as diff sees it: device sections and the configuration record, by label. */
interface Section {
  ref: SectionRef;
  state: VmsdState;
  payloadOffset: number;
}

function sections(s: DecodedStream): Map<string, Section> {
  const out = new Map<string, Section>();
  s.records.forEach((r, i) => {
    if (r.type === 'CONFIGURATION') {
      const end = s.records[i + 1]?.offset ?? r.offset;
      out.set('configuration', { ref: { section: 'configuration', offset: r.offset, versionId: null, bytes: end - r.offset - 1 }, state: r.state, payloadOffset: r.offset + 1 });
    } else if (r.type === 'FULL') {
      const d = r as DeviceRecord;
      const label = deviceLabel(d.idstr, d.instanceId);
      out.set(label, { ref: { section: label, offset: d.offset, versionId: d.versionId, bytes: d.payloadLength }, state: d.state, payloadOffset: d.payloadOffset });
    }
  });
  return out;
}

export function diffStreams(a: DecodedStream, b: DecodedStream): StreamDiff {
  const sa = sections(a);
  const sb = sections(b);
  const out: StreamDiff = { onlyA: [], onlyB: [], sectionsCompared: 0, fields: [], fieldsCompared: 0, ram: diffRam(a, b), identical: false };
  for (const [label, x] of sa) {
    const y = sb.get(label);
    if (!y) {
      out.onlyA.push(x.ref);
      continue;
    }
    out.sectionsCompared++;
    if (x.ref.versionId !== y.ref.versionId) {
      out.fields.push({ section: label, path: '(section version)', kind: 'value', a: String(x.ref.versionId), b: String(y.ref.versionId), aOffset: x.ref.offset, bOffset: y.ref.offset });
    }
    const c = new Cmp(label, out);
    c.vmsd(x.state, y.state, '', offsets(x.state, x.payloadOffset), offsets(y.state, y.payloadOffset));
  }
  for (const [label, y] of sb) if (!sa.has(label)) out.onlyB.push(y.ref);
  const r = out.ram;
  out.identical = !out.onlyA.length && !out.onlyB.length && !out.fields.length && !r.blocks.length && !r.pagesDiffer && !r.pagesOnlyA && !r.pagesOnlyB;
  return out;
}

/** Where each element of each field, and each subsection's content, starts (absolute), as the description sizes them. */
interface Offsets {
  elements: Map<FieldState, number[]>;
  subsections: Map<VmsdState, number>;
}

function offsets(s: VmsdState, base: number): Offsets {
  const o: Offsets = { elements: new Map(), subsections: new Map() };
  layout(s, base, o);
  return o;
}

function layout(s: VmsdState, at: number, o: Offsets): number {
  for (const f of s.fields) {
    const starts: number[] = [];
    let i = 0;
    for (const part of f.parts) {
      for (let k = 0; k < part.count; k++, i++) {
        starts.push(at);
        const v = f.values[i];
        if (isVmsdState(v)) layout(v, at, o);
        at += part.size;
      }
    }
    o.elements.set(f, starts);
  }
  for (const sub of s.subsections) {
    at += 6 + sub.name.length;
    o.subsections.set(sub.state, at);
    at = layout(sub.state, at, o);
  }
  return at;
}

class Cmp {
  constructor(
    private readonly section: string,
    private readonly out: StreamDiff,
  ) {}

  private push(path: string, kind: FieldDiff['kind'], a: string, b: string, aOffset: number | null, bOffset: number | null): void {
    this.out.fields.push({ section: this.section, path, kind, a, b, aOffset, bOffset });
  }

  vmsd(x: VmsdState, y: VmsdState, prefix: string, ox: Offsets, oy: Offsets): void {
    const join = (n: string) => (prefix ? `${prefix}.${n}` : n);
    if (x.vmsd_name !== y.vmsd_name || x.version !== y.version) {
      const at = (s: VmsdState, o: Offsets) => o.subsections.get(s) ?? (s.fields[0] ? o.elements.get(s.fields[0])![0]! : null);
      this.push(prefix || '(vmsd)', 'shape', `${x.vmsd_name} version ${x.version}`, `${y.vmsd_name} version ${y.version}`, at(x, ox), at(y, oy));
    }
    const byName = new Map(y.fields.map((f) => [f.name, f]));
    const seen = new Set<string>();
    for (const f of x.fields) {
      seen.add(f.name);
      const g = byName.get(f.name);
      if (!g) {
        this.push(join(f.name), 'a-only', fieldSummary(f), 'not sent', ox.elements.get(f)![0] ?? null, null);
        continue;
      }
      this.field(f, g, join(f.name), ox, oy);
    }
    for (const g of y.fields) if (!seen.has(g.name)) this.push(join(g.name), 'b-only', 'not sent', fieldSummary(g), null, oy.elements.get(g)![0] ?? null);
    const subs = new Map(y.subsections.map((s) => [s.name, s]));
    for (const s of x.subsections) {
      const t = subs.get(s.name);
      if (!t) this.push(join(s.name), 'a-only', `subsection version ${s.version}`, 'not sent', (ox.subsections.get(s.state) ?? 0) - 6 - s.name.length, null);
      else this.vmsd(s.state, t.state, join(s.name), ox, oy);
    }
    for (const t of y.subsections) if (!x.subsections.some((s) => s.name === t.name)) this.push(join(t.name), 'b-only', 'not sent', `subsection version ${t.version}`, null, (oy.subsections.get(t.state) ?? 0) - 6 - t.name.length);
  }

  private field(f: FieldState, g: FieldState, path: string, ox: Offsets, oy: Offsets): void {
    const ex = ox.elements.get(f)!;
    const ey = oy.elements.get(g)!;
    const n = Math.min(f.values.length, g.values.length);
    const name = (i: number) => (f.array || g.array ? `${path}[${i}]` : path);
    for (let i = 0; i < n; i++) {
      const v = f.values[i]!;
      const w = g.values[i]!;
      const px = partAt(f, i);
      const py = partAt(g, i);
      if (isVmsdState(v) && isVmsdState(w)) {
        this.vmsd(v, w, name(i), ox, oy);
        continue;
      }
      this.out.fieldsCompared++;
      if (isVmsdState(v) || isVmsdState(w) || px.type !== py.type || px.size !== py.size) {
        const t = (p: typeof px, x: Value) => `${p.type} ${isVmsdState(x) || p.size > 8 ? `(${p.size} bytes)` : show(x, p.size)}`;
        this.push(name(i), 'shape', t(px, v), t(py, w), ex[i]!, ey[i]!);
        continue;
      }
      this.leaf(name(i), v, w, px.size, ex[i]!, ey[i]!);
    }
    if (f.values.length > n) this.push(`${path}[${n}..]`, 'a-only', `${f.values.length - n} more element(s) (${f.values.length} in all)`, `${g.values.length} element(s)`, ex[n]!, null);
    if (g.values.length > n) this.push(`${path}[${n}..]`, 'b-only', `${f.values.length} element(s)`, `${g.values.length - n} more element(s) (${g.values.length} in all)`, null, ey[n]!);
  }

  private leaf(path: string, v: Leaf, w: Leaf, size: number, ax: number, bx: number): void {
    if (same(v, w)) return;
    if (v instanceof Uint8Array && w instanceof Uint8Array && v.length === w.length) {
      // the first differing byte, not two long hex strings
      let at = 0;
      while (v[at] === w[at]) at++;
      let more = 0;
      for (let i = at + 1; i < v.length; i++) if (v[i] !== w[i]) more++;
      this.push(`${path}[${at}]${more ? ` (+${more} more byte${more === 1 ? '' : 's'})` : ''}`, 'value', byte(v[at]!), byte(w[at]!), ax + at, bx + at);
      return;
    }
    this.push(path, 'value', show(v, size), show(w, size), ax, bx);
  }
}

function partAt(f: FieldState, i: number): FieldState['parts'][number] {
  let k = 0;
  for (const p of f.parts) {
    if (i < k + p.count) return p;
    k += p.count;
  }
  return f.parts.at(-1)!;
}

function fieldSummary(f: FieldState): string {
  const p = f.parts[0]!;
  if (!f.array) return isVmsdState(f.values[0]) ? `${p.type} ${(f.values[0] as VmsdState).vmsd_name}` : show(f.values[0] as Leaf, p.size);
  return `${f.values.length} × ${p.type}`;
}

function same(a: Leaf, b: Leaf): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  if (typeof a === typeof b) return a === b;
  return (typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint') && BigInt(a) === BigInt(b);
}

function show(v: Value, size: number): string {
  if (isVmsdState(v)) return v.vmsd_name;
  if (v instanceof Uint8Array && v.length > 32) return `${v.length} bytes`;
  return String(leafText(v, size));
}

const byte = (b: number) => '0x' + b.toString(16).padStart(2, '0');

/* ---------- RAM ---------- */

type Page = Extract<RamEntry, { kind: 'zero' | 'page' }>;

function ramOf(s: DecodedStream): { lengths: Map<string, number>; pages: Map<string, Map<number, Page>> } {
  const lengths = new Map<string, number>();
  const pages = new Map<string, Map<number, Page>>();
  for (const r of s.records) {
    if (r.type !== 'START' && r.type !== 'PART' && r.type !== 'END') continue;
    for (const e of r.entries) {
      if (e.kind === 'mem-size') for (const b of e.blocks) lengths.set(b.name, b.length);
      if (e.kind !== 'zero' && e.kind !== 'page') continue;
      let m = pages.get(e.block);
      if (!m) pages.set(e.block, (m = new Map()));
      m.set(e.addr, e); // a page sent again replaces the earlier send, as on load
    }
  }
  return { lengths, pages };
}

function filled(data: Uint8Array, fill: number): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] !== fill) return false;
  return true;
}

function samePage(x: Page, y: Page): boolean {
  if (x.kind === 'zero') return y.kind === 'zero' ? x.fill === y.fill : filled(y.data, x.fill);
  return y.kind === 'zero' ? filled(x.data, y.fill) : Buffer.compare(x.data, y.data) === 0;
}

function pageText(p: Page | undefined): string {
  if (!p) return 'not sent';
  if (p.kind === 'zero') return `zero page (fill ${byte(p.fill)})`;
  let n = 0;
  for (const b of p.data) if (b) n++;
  return `data page (${n} non-zero bytes)`;
}

function firstByte(x: Page, y: Page): number {
  const at = (p: Page, i: number) => (p.kind === 'zero' ? p.fill : p.data[i]!);
  const n = x.kind === 'page' ? x.data.length : y.kind === 'page' ? y.data.length : 1;
  for (let i = 0; i < n; i++) if (at(x, i) !== at(y, i)) return i;
  return 0;
}

function diffRam(a: DecodedStream, b: DecodedStream): RamDiff {
  const ra = ramOf(a);
  const rb = ramOf(b);
  const out: RamDiff = { blocks: [], pagesCompared: 0, pagesDiffer: 0, pagesOnlyA: 0, pagesOnlyB: 0, first: [] };
  for (const [name, len] of ra.lengths) if (rb.lengths.get(name) !== len) out.blocks.push({ name, a: len, b: rb.lengths.get(name) ?? null });
  for (const [name, len] of rb.lengths) if (!ra.lengths.has(name)) out.blocks.push({ name, a: null, b: len });
  const note = (block: string, addr: number, x: Page | undefined, y: Page | undefined) => {
    if (out.first.length < FIRST_PAGES) out.first.push({ block, addr, a: pageText(x), b: pageText(y), firstByte: x && y ? firstByte(x, y) : null });
  };
  for (const [block, m] of ra.pages) {
    const other = rb.pages.get(block);
    for (const [addr, x] of m) {
      const y = other?.get(addr);
      if (!y) {
        out.pagesOnlyA++;
        note(block, addr, x, y);
        continue;
      }
      out.pagesCompared++;
      if (!samePage(x, y)) {
        out.pagesDiffer++;
        note(block, addr, x, y);
      }
    }
  }
  for (const [block, m] of rb.pages) {
    const other = ra.pages.get(block);
    for (const [addr, y] of m) {
      if (other?.has(addr)) continue;
      out.pagesOnlyB++;
      note(block, addr, undefined, y);
    }
  }
  return out;
}
