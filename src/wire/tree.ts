import type { VmdescField } from './vmdesc.js';

/**
 * A device section decoded with the help of the stream's own JSON description: every
 * field keeps the description objects it came from (type and per-element size), so
 * the same tree encodes back to the same bytes. Values are plain: numbers for integers
 * up to 32 bits, bigints for 64-bit integers and timers, booleans, strings (capability
 * names), Uint8Array for buffers and for anything the description only sizes (custom
 * codecs such as `virtio`, `pci config`), nested VmsdState for structs.
 */
export type Leaf = number | bigint | boolean | string | Uint8Array;
export type Value = Leaf | VmsdState;

export interface VmsdState {
  vmsd_name: string;
  version: number;
  fields: FieldState[];
  subsections: SubsectionState[];
}

/** One description object: a single element, a compressed run (`array_len`) or one indexed element. */
export interface FieldPart {
  type: string;
  /** Bytes of one element. */
  size: number;
  /** Elements this object stands for (array_len, else 1). */
  count: number;
  desc: VmdescField;
}

/**
 * A field: consecutive description objects with the same name (10.0 leaves `index` off
 * the last element of an array and splits arrays of pointers at null entries, so the
 * name, not `index`, groups them).
 */
export interface FieldState {
  name: string;
  parts: FieldPart[];
  /** False for a single element described once without array_len or index. */
  array: boolean;
  /** One per element, in wire order. */
  values: Value[];
}

export interface SubsectionState {
  /** As on the wire (equal to the description's vmsd_name). */
  name: string;
  version: number;
  state: VmsdState;
}

export function isVmsdState(v: unknown): v is VmsdState {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && 'fields' in v && 'subsections' in v;
}

/** Integer codecs by JSON type name: width in bytes and signedness (spec §3.6). */
export const INT_TYPES: Readonly<Record<string, { bytes: 1 | 2 | 4 | 8; signed: boolean }>> = {
  int8: { bytes: 1, signed: true },
  int16: { bytes: 2, signed: true },
  int32: { bytes: 4, signed: true },
  int64: { bytes: 8, signed: true },
  uint8: { bytes: 1, signed: false },
  uint16: { bytes: 2, signed: false },
  uint32: { bytes: 4, signed: false },
  uint64: { bytes: 8, signed: false },
  'uint8 equal': { bytes: 1, signed: false },
  'uint16 equal': { bytes: 2, signed: false },
  'int32 equal': { bytes: 4, signed: true },
  'uint32 equal': { bytes: 4, signed: false },
  // QEMU's uint64 `_EQUAL` codec is named "int64 equal".
  'int64 equal': { bytes: 8, signed: false },
  'int32 le': { bytes: 4, signed: true },
  // be64 expiry in ns, -1 when not armed.
  timer: { bytes: 8, signed: true },
};

/** Types whose element is a nested vmsd described inline in the field object (no `struct` wrapper). */
export const INLINE_VMSD_TYPES = new Set(['vstruct', 'tmp']);

/** One leaf of a decoded tree, with the path people read and a setter for mutation. */
export interface LeafRef {
  /** `state.divider`, `channels[1].count`, `fw_cfg/dma.dma_addr`. */
  path: string;
  type: string;
  size: number;
  value: Leaf;
  /** Byte offset inside the vmsd's encoding (the section payload for a device). */
  offset: number;
  set(v: Leaf): void;
}

/** Every leaf in wire order, subsections after the fields of their parent. */
export function leaves(s: VmsdState, prefix = ''): LeafRef[] {
  const out: LeafRef[] = [];
  walkLeaves(s, prefix, out);
  return out;
}

/** Returns the offset after the vmsd (sizes as the description gives them). */
function walkLeaves(s: VmsdState, prefix: string, out: LeafRef[], offset = 0): number {
  for (const f of s.fields) {
    let i = 0;
    for (const part of f.parts) {
      for (let k = 0; k < part.count; k++, i++) {
        const at = i;
        const path = join(prefix, f.array ? `${f.name}[${at}]` : f.name);
        const v = f.values[at]!;
        if (isVmsdState(v)) walkLeaves(v, path, out, offset);
        else out.push({ path, type: part.type, size: part.size, value: v, offset, set: (nv) => (f.values[at] = nv) });
        offset += part.size;
      }
    }
  }
  for (const sub of s.subsections) {
    offset += 6 + sub.name.length;
    offset = walkLeaves(sub.state, join(prefix, sub.name), out, offset);
  }
  return offset;
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/** Deep copy (buffers copied too), for mutating a decoded stream without touching the original. */
export function cloneState(s: VmsdState): VmsdState {
  return {
    vmsd_name: s.vmsd_name,
    version: s.version,
    fields: s.fields.map((f) => ({ ...f, values: f.values.map(cloneValue) })),
    subsections: s.subsections.map((x) => ({ ...x, state: cloneState(x.state) })),
  };
}

function cloneValue(v: Value): Value {
  if (v instanceof Uint8Array) return v.slice();
  if (isVmsdState(v)) return cloneState(v);
  return v;
}

/* ---------- printing ---------- */

function hexWidth(n: bigint, bytes: number): string {
  return '0x' + n.toString(16).padStart(bytes * 2, '0');
}

/**
 * A leaf as QEMU's analyze-migration.py prints it: integers as zero-padded hex (with
 * the signed value in parentheses when negative), booleans as such, buffers as
 * space-separated hex bytes.
 */
export function leafText(v: Leaf, size: number): string | boolean {
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof Uint8Array) return hexBytes(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && size <= 6 && v < 2 ** (size * 8) && v >= -(2 ** (size * 8 - 1))) {
    // the common case without a BigInt: every integer of up to 6 bytes is exact as a number
    if (v >= 0 && v < 256) return smallHex(size)[v]!;
    if (v >= 0) return '0x' + v.toString(16).padStart(size * 2, '0');
    return `${'0x' + (v + 2 ** (size * 8)).toString(16).padStart(size * 2, '0')} (${v})`;
  }
  const n = BigInt(v);
  if (n < 0n) return `${hexWidth(BigInt.asUintN(size * 8, n), size)} (${n})`;
  return hexWidth(n, size);
}

/** '0x00…00' to '0x00…ff' at each width: most integers in device state are small, and these are shared, not allocated per leaf. */
const SMALL_HEX: string[][] = [];
function smallHex(size: number): string[] {
  return (SMALL_HEX[size] ??= Array.from({ length: 256 }, (_, i) => '0x' + i.toString(16).padStart(size * 2, '0')));
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hexBytes(b: Uint8Array): string {
  if (b.length === 0) return '';
  // one ASCII buffer, one string: no string per byte
  const out = Buffer.allocUnsafe(b.length * 3 - 1);
  for (let i = 0, o = 0; i < b.length; i++, o += 3) {
    const p = HEX_PAIRS[b[i]!]!;
    out[o] = p.charCodeAt(0);
    out[o + 1] = p.charCodeAt(1);
    if (o + 2 < out.length) out[o + 2] = 0x20;
  }
  return out.toString('latin1');
}

/** The analyze-migration.py `-d state` shape of one vmsd: fields by name, arrays as lists, subsections by name. */
export function stateToJson(s: VmsdState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of s.fields) {
    const items: unknown[] = [];
    let i = 0;
    for (const part of f.parts) {
      for (let k = 0; k < part.count; k++, i++) {
        const v = f.values[i]!;
        items.push(isVmsdState(v) ? stateToJson(v) : leafText(v, part.size));
      }
    }
    out[f.name] = f.array ? items : items[0];
  }
  for (const sub of s.subsections) out[sub.name] = stateToJson(sub.state);
  return out;
}
