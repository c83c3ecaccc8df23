import { VmError, hex } from './errors.js';
import type { Vmdesc, VmdescDevice, VmdescField, VmdescVmsd } from './vmdesc.js';

/**
 * The trailing JSON description is untrusted: it comes with the stream (a bug report,
 * another vendor's build, a half-written file) and QEMU never reads it back, so nothing
 * in QEMU keeps it honest. It is checked here, once, before any size or count in it
 * drives a read, a loop or an allocation.
 */

/**
 * Deepest nesting of vmsds (structs, vstruct/tmp fields, subsections) accepted. QEMU's
 * own descriptions nest 4 deep in the 7.2 and 10.0 streams of every device the tests
 * run (a virtio device's subsection's struct's field); 32 is far beyond what a real
 * VMSD table builds and keeps every recursive walk of a description shallow.
 */
export const MAX_VMDESC_DEPTH = 32;

/** QEMU targets use pages of 1 KiB (TARGET_PAGE_BITS_MIN 10 on Arm) to 64 KiB; accept 512 B to 1 MiB. */
export const MIN_PAGE_SIZE = 512;
export const MAX_PAGE_SIZE = 1 << 20;

/**
 * Elements a description may make the decoder visit, per byte of stream it describes,
 * plus a constant: an element of size 0 consumes no byte, so without this bound
 * `size: 0, array_len: 1e9` would spin without reading anything.
 */
export const STEPS_PER_BYTE = 4;
export const STEP_SLACK = 1 << 16;
/**
 * Elements of size 0 (with what they contain) one vmsd may name. QEMU writes one for
 * a variable-size buffer that is empty, once per buffer; a count beyond this is not
 * something a VMSD table produces.
 */
export const MAX_EMPTY_ELEMENTS = 1 << 16;

export interface CheckedVmdesc {
  desc: Vmdesc;
  /** Wire bytes of each vmsd node's content (fields, then subsections with headers). */
  bytes: WeakMap<VmdescVmsd, number>;
  /** Bytes of each vmsd node's own fields (no subsections), for skipping. */
  fieldBytes: WeakMap<VmdescVmsd, number>;
  /** Elements the decoder visits for each vmsd node, nested ones included. */
  steps: WeakMap<VmdescVmsd, number>;
}

/** Throws 'bad-vmdesc' unless `ps` is a page size a QEMU target uses. */
export function checkPageSize(ps: number, at: number | null = null): void {
  if (!Number.isSafeInteger(ps) || ps < MIN_PAGE_SIZE || ps > MAX_PAGE_SIZE || (ps & (ps - 1)) !== 0) {
    throw new VmError({
      kind: 'bad-vmdesc',
      message: `${at === null ? 'VM description' : `VM description at ${hex(at)}`}: page_size: ${showJson(ps)} is not a page size (expected a power of two from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE})`,
      offset: at,
      path: 'page_size',
    });
  }
}

interface Ctx {
  /** Offset of the JSON text, for messages (null: a description the caller passed). */
  at: number | null;
  /** No device may describe more payload than this many bytes. */
  limit: number;
  bytes: WeakMap<VmdescVmsd, number>;
  fieldBytes: WeakMap<VmdescVmsd, number>;
  steps: WeakMap<VmdescVmsd, number>;
  /** Of those, the ones inside elements of size 0 (they consume no byte). */
  empty: WeakMap<VmdescVmsd, number>;
}

/** A short, complete rendering of a JSON value for a message. */
export function showJson(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function bad(ctx: Ctx, path: string, what: string): VmError {
  const where = ctx.at === null ? 'VM description' : `VM description at ${hex(ctx.at)}`;
  return new VmError({ kind: 'bad-vmdesc', message: `${where}: ${path}: ${what}`, offset: ctx.at, path });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(ctx: Ctx, o: Record<string, unknown>, key: string, path: string, required: boolean): void {
  const v = o[key];
  if (v === undefined && !required) return;
  if (typeof v !== 'string') throw bad(ctx, `${path}.${key}`, `${showJson(v)} is not a string`);
}

/** A non-negative integer no larger than `max`. */
function count(ctx: Ctx, o: Record<string, unknown>, key: string, path: string, required: boolean, what: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(ctx, `${path}.${key}`, `${showJson(v)} is not ${what} (expected a non-negative integer)`);
  if (v > max) throw bad(ctx, `${path}.${key}`, `${v} is out of range for ${what} (at most ${max})`);
  return v;
}

function list(ctx: Ctx, o: Record<string, unknown>, key: string, path: string): unknown[] {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw bad(ctx, `${path}.${key}`, `${showJson(v)} is not a list`);
  return v;
}

const U32_MAX = 0xffff_ffff;

/** Bytes of one subsection header on the wire; the name must fit QEMU's u8 length. */
function subsectionHeader(ctx: Ctx, name: string, path: string): number {
  const n = new TextEncoder().encode(name).length;
  if (n > 255) throw bad(ctx, `${path}.vmsd_name`, `a subsection name of ${n} bytes cannot be on the wire (its length is one byte)`);
  return 1 + 1 + n + 4;
}

/**
 * Checks one vmsd node (a device, a struct, an inline vstruct/tmp field, a subsection)
 * and returns its wire bytes; recursion is bounded by MAX_VMDESC_DEPTH.
 */
function vmsd(ctx: Ctx, v: unknown, path: string, depth: number, kind: 'device' | 'struct' | 'inline' | 'subsection'): number {
  if (!isObject(v)) throw bad(ctx, path, `${showJson(v)} is not an object`);
  if (depth > MAX_VMDESC_DEPTH) throw bad(ctx, path, `nested more than ${MAX_VMDESC_DEPTH} vmsds deep (QEMU's own descriptions nest 4 deep)`);
  str(ctx, v, 'vmsd_name', path, kind === 'subsection');
  count(ctx, v, 'version', path, kind === 'subsection', 'a version', U32_MAX);
  const fields = list(ctx, v, 'fields', path);
  const subs = list(ctx, v, 'subsections', path);
  let own = 0;
  let steps = 0;
  let empty = 0;
  const over = (p: string, n: number): VmError => bad(ctx, p, `describes ${n} bytes, more than the ${ctx.limit} bytes of stream before the description`);
  for (let i = 0; i < fields.length; i++) {
    const fp = `${path}.fields[${i}]`;
    const f = fields[i];
    if (!isObject(f)) throw bad(ctx, fp, `${showJson(f)} is not an object`);
    str(ctx, f, 'name', fp, true);
    str(ctx, f, 'type', fp, true);
    const size = count(ctx, f, 'size', fp, true, 'a size')!;
    const n = count(ctx, f, 'array_len', fp, false, 'an element count') ?? 1;
    count(ctx, f, 'index', fp, false, 'an index');
    let nested = 0;
    let nestedEmpty = 0;
    if (f.struct !== undefined) {
      vmsd(ctx, f.struct, `${fp}.struct`, depth + 1, 'struct');
      nested = ctx.steps.get(f.struct as VmdescVmsd)!;
      nestedEmpty = ctx.empty.get(f.struct as VmdescVmsd)!;
    }
    if (f.fields !== undefined || f.subsections !== undefined) {
      // vstruct / tmp: the nested vmsd's keys sit in the field object itself
      vmsd(ctx, f, fp, depth + 1, 'inline');
      nested = Math.max(nested, ctx.steps.get(f as unknown as VmdescVmsd)!);
      nestedEmpty = Math.max(nestedEmpty, ctx.empty.get(f as unknown as VmdescVmsd)!);
    }
    const b = size * n;
    if (b > ctx.limit) throw over(fp, b);
    own += b;
    if (own > ctx.limit) throw over(path, own);
    steps += n * (1 + nested);
    empty += size === 0 ? n * (1 + nested) : n * nestedEmpty;
    if (empty > MAX_EMPTY_ELEMENTS) {
      throw bad(ctx, fp, `${n} element(s) of ${size} byte(s) make ${empty} elements that consume no byte (at most ${MAX_EMPTY_ELEMENTS}; QEMU writes size 0 only for an empty buffer)`);
    }
    if (steps > ctx.limit * STEPS_PER_BYTE + STEP_SLACK) {
      throw bad(ctx, fp, `${n} element(s) of ${size} byte(s) make the description name more elements than the ${ctx.limit} bytes of stream can hold`);
    }
  }
  let total = own;
  for (let i = 0; i < subs.length; i++) {
    const sp = `${path}.subsections[${i}]`;
    const s = subs[i];
    const inner = vmsd(ctx, s, sp, depth + 1, 'subsection');
    total += subsectionHeader(ctx, (s as VmdescVmsd).vmsd_name, sp) + inner;
    if (total > ctx.limit) throw over(path, total);
    steps += 1 + ctx.steps.get(s as VmdescVmsd)!;
    empty += ctx.empty.get(s as VmdescVmsd)!;
    if (empty > MAX_EMPTY_ELEMENTS || steps > ctx.limit * STEPS_PER_BYTE + STEP_SLACK) {
      throw bad(ctx, sp, `its subsections make the description name more elements than the ${ctx.limit} bytes of stream can hold`);
    }
  }
  ctx.bytes.set(v as unknown as VmdescVmsd, total);
  ctx.fieldBytes.set(v as unknown as VmdescVmsd, own);
  ctx.steps.set(v as unknown as VmdescVmsd, steps);
  ctx.empty.set(v as unknown as VmdescVmsd, empty);
  return total;
}

/**
 * Checks a parsed description: types, non-negative integer sizes and counts, nesting
 * depth, and every device's payload no larger than `limit` (the bytes of stream in
 * front of it). `at` is the JSON text's offset, named in every message. Throws a
 * VmError 'bad-vmdesc' naming the JSON path (`devices[3].fields[7].size: -4096 is not
 * a size …`).
 */
export function checkVmdesc(raw: unknown, limit: number, at: number | null = null): CheckedVmdesc {
  const ctx: Ctx = { at, limit, bytes: new WeakMap(), fieldBytes: new WeakMap(), steps: new WeakMap(), empty: new WeakMap() };
  if (!isObject(raw)) throw bad(ctx, '(top)', `${showJson(raw)} is not an object with "page_size" and "devices"`);
  if (!Array.isArray(raw.devices) || raw.page_size === undefined) {
    throw bad(ctx, '(top)', `expected an object with "page_size" and "devices", found keys ${Object.keys(raw).join(', ') || '(none)'}`);
  }
  checkPageSize(raw.page_size as number, at);
  if (raw.configuration !== undefined) vmsd(ctx, raw.configuration, 'configuration', 1, 'device');
  const devices = raw.devices as unknown[];
  for (let i = 0; i < devices.length; i++) {
    const p = `devices[${i}]`;
    const d = devices[i];
    if (!isObject(d)) throw bad(ctx, p, `${showJson(d)} is not an object`);
    str(ctx, d, 'name', p, true);
    count(ctx, d, 'instance_id', p, true, 'an instance id', U32_MAX);
    count(ctx, d, 'size', p, false, 'a size', limit);
    vmsd(ctx, d, p, 1, 'device');
  }
  return { desc: raw as unknown as Vmdesc, bytes: ctx.bytes, fieldBytes: ctx.fieldBytes, steps: ctx.steps };
}

/** For descriptions the code builds itself (already trusted), the same tables without a limit. */
export function measureVmdesc(desc: Vmdesc): CheckedVmdesc {
  return checkVmdesc(desc, Number.MAX_SAFE_INTEGER);
}

export type { VmdescDevice, VmdescField };
