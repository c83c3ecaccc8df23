import * as F from './flags.js';
import type { VMStateDescription, VMStateField } from './types.js';

/**
 * A VMSD table that did not come from vmcompat itself (a `--releases` module) is
 * checked once before an engine runs it, so that a mistake in it is a message naming
 * the VMSD and the field, not a TypeError in the middle of a save. Only what would
 * make save or load misbehave is refused; QEMU's own tables pass (the built-in models
 * are checked in the tests).
 */

export interface VmsdProblem {
  /** The VMSD the field belongs to. */
  vmsd: string;
  /** QEMU's field name, or null for a problem of the VMSD itself. */
  field: string | null;
  message: string;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string '${v}'`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function isVmsd(v: unknown): v is VMStateDescription {
  const d = v as VMStateDescription;
  return typeof d === 'object' && d !== null && typeof d.name === 'string' && Array.isArray(d.fields);
}

/** Whether a field carries no bytes and needs no codec (VMSTATE_VALIDATE: a test over zero elements). */
export function codecless(f: VMStateField): boolean {
  return (f.flags & F.VMS_MUST_EXIST) !== 0 && (f.flags & F.VMS_ARRAY) !== 0 && f.num === 0;
}

/** The codec or nested VMSD a field is saved with, to tell a true duplicate from a reuse of the name. */
function codecOf(f: VMStateField): unknown {
  return f.flags & (F.VMS_STRUCT | F.VMS_VSTRUCT) ? f.vmsd : f.info;
}

/**
 * Every problem of `root` and the VMSDs it reaches (nested structs, subsections, the
 * VMSDs custom codecs save inline), each VMSD once; iterative, so a table that nests
 * deeply (or refers to itself) is no stack risk.
 */
export function vmsdProblems(root: unknown): VmsdProblem[] {
  const out: VmsdProblem[] = [];
  const seen = new Set<unknown>();
  const stack: { v: unknown; from: string }[] = [{ v: root, from: 'the device' }];
  while (stack.length) {
    const { v, from } = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    if (!isVmsd(v)) {
      out.push({ vmsd: from, field: null, message: `${from} refers to a VMSD that is ${describe(v)} (expected an object with a name and fields)` });
      continue;
    }
    const name = v.name;
    if (!isInt(v.version_id)) out.push({ vmsd: name, field: null, message: `version_id is ${describe(v.version_id)} (expected a non-negative integer)` });
    if (v.minimum_version_id !== undefined && (!isInt(v.minimum_version_id) || (isInt(v.version_id) && v.minimum_version_id > v.version_id))) {
      out.push({ vmsd: name, field: null, message: `minimum_version_id ${describe(v.minimum_version_id)} is not an integer from 0 to version_id ${describe(v.version_id)}` });
    }
    const firstOf = new Map<string, { f: VMStateField; i: number }>();
    v.fields.forEach((f: VMStateField, i) => {
      const at = `fields[${i}]`;
      if (typeof f !== 'object' || f === null) {
        out.push({ vmsd: name, field: at, message: `${at} is ${describe(f)} (expected a field made with the VMSTATE_* helpers)` });
        return;
      }
      const fname = typeof f.name === 'string' && f.name ? f.name : at;
      const problem = (message: string) => out.push({ vmsd: name, field: fname, message });
      if (typeof f.name !== 'string' || !f.name) problem(`${at} has name ${describe(f.name)} (expected QEMU's field name)`);
      if (!isInt(f.flags)) problem(`flags is ${describe(f.flags)} (expected VMS_* flags)`);
      if (!isInt(f.version_id)) problem(`version_id is ${describe(f.version_id)} (expected a non-negative integer)`);
      const flags = isInt(f.flags) ? f.flags : 0;
      if (flags & (F.VMS_STRUCT | F.VMS_VSTRUCT)) {
        if (!isVmsd(f.vmsd)) problem(`is a struct field but its nested VMSD is ${describe(f.vmsd)} (a VMSD the module refers to before defining it, or a misspelt name?)`);
        else stack.push({ v: f.vmsd, from: `${name}:${fname}` });
        if (flags & F.VMS_VSTRUCT && !isInt(f.struct_version_id)) problem(`is a VSTRUCT field but struct_version_id is ${describe(f.struct_version_id)}`);
      } else if (!codecless(f)) {
        const info = f.info as unknown as Record<string, unknown> | undefined;
        if (typeof info !== 'object' || info === null || typeof info.name !== 'string' || typeof info.put !== 'function' || typeof info.get !== 'function') {
          problem(`has an unknown codec: info is ${describe(info)} (expected a VMStateInfo with name, put and get, such as vmstate_info_uint32)`);
        } else for (const n of (info.nested as unknown[] | undefined) ?? []) stack.push({ v: n, from: `${name}:${fname} (codec ${info.name as string})` });
      }
      if (flags & (F.VMS_ARRAY | F.VMS_MULTIPLY_ELEMENTS) && !codecless(f) && (!isInt(f.num) || f.num > 0xffff_ffff)) problem(`is an array but num is ${describe(f.num)}`);
      if (flags & F.VMS_VARRAY_ANY && typeof f.num_member !== 'string') problem(`is a variable array but num_member is ${describe(f.num_member)}`);
      if (flags & F.VMS_VBUFFER && typeof f.size_member !== 'string') problem(`is a variable buffer but size_member is ${describe(f.size_member)}`);
      if (flags & F.VMS_BUFFER && !(flags & F.VMS_VBUFFER) && !isInt(f.size)) problem(`is a buffer but size is ${describe(f.size)}`);
      // QEMU reuses a name for versions of a field, tests and different codecs over one member
      // (VMSTATE_PCI_DEVICE and VMSTATE_MSIX both on parent_obj); the same member, codec and
      // version with no test is the same field written twice.
      const first = firstOf.get(fname);
      if (first && f.member !== null && first.f.member === f.member && codecOf(first.f) === codecOf(f) && first.f.version_id === f.version_id && !first.f.field_exists && !f.field_exists) {
        problem(`is declared twice (fields[${first.i}] and ${at}) with the same member, codec and version and no test: QEMU would save it twice`);
      }
      if (!first) firstOf.set(fname, { f, i });
    });
    const subs = v.subsections ?? [];
    if (!Array.isArray(subs)) {
      out.push({ vmsd: name, field: null, message: `subsections is ${describe(subs)} (expected a list of VMSDs)` });
      continue;
    }
    const subNames = new Set<string>();
    subs.forEach((s, i) => {
      if (isVmsd(s)) {
        if (subNames.has(s.name)) out.push({ vmsd: name, field: null, message: `subsection '${s.name}' is listed twice (QEMU finds subsections by name)` });
        subNames.add(s.name);
      }
      stack.push({ v: s, from: `${name} subsections[${i}]` });
    });
  }
  return out;
}
