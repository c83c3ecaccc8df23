import { VmError } from '../wire/errors.js';
import * as F from './flags.js';
import type { State, VMStateDescription, VMStateField, VmCtx } from './types.js';

/** The pieces of QEMU's field walk that save and load share. */

export function fieldExists(f: VMStateField, state: State, version: number, ctx: VmCtx): boolean {
  // A test replaces the version rule entirely.
  return f.field_exists ? f.field_exists(state, version, ctx) : f.version_id <= version;
}

function member(state: State, name: string, vmsd: VMStateDescription, f: VMStateField, what: string): number {
  const v = state[name];
  if (typeof v !== 'number' && typeof v !== 'bigint') {
    throw new VmError({
      kind: 'bad-state',
      message: `${vmsd.name}:${f.name}: its ${what} member '${name}' is ${v === undefined ? 'missing' : `not a number (${typeof v})`}`,
    });
  }
  return Number(v);
}

/** Element count: fixed, or read from another member of the same struct (the destination's, on load). */
export function elementCount(f: VMStateField, state: State, vmsd: VMStateDescription): number {
  let n: number;
  if (f.flags & F.VMS_ARRAY) n = f.num ?? 0;
  else if (f.flags & F.VMS_VARRAY_ANY) {
    const raw = member(state, f.num_member!, vmsd, f, 'count');
    if (f.flags & F.VMS_VARRAY_INT32) n = raw | 0;
    else if (f.flags & F.VMS_VARRAY_UINT8) n = raw & 0xff;
    else if (f.flags & F.VMS_VARRAY_UINT16) n = raw & 0xffff;
    else n = raw >>> 0;
    if (f.flags & F.VMS_MULTIPLY_ELEMENTS) n *= f.num ?? 1;
  } else n = 1;
  return Math.max(0, n);
}

/** Element size in bytes for buffers: fixed, or (VBUFFER) read from a member as a signed 32-bit value. */
export function elementSize(f: VMStateField, state: State, vmsd: VMStateDescription): number {
  if (f.flags & F.VMS_VBUFFER) {
    let size = member(state, f.size_member!, vmsd, f, 'size') | 0;
    if (f.flags & F.VMS_MULTIPLY) size *= f.size ?? 1;
    return Math.max(0, size);
  }
  return f.size ?? 0;
}

export function isArrayField(f: VMStateField): boolean {
  return (f.flags & (F.VMS_ARRAY | F.VMS_VARRAY_ANY)) !== 0;
}

export function isStruct(f: VMStateField): boolean {
  return (f.flags & (F.VMS_STRUCT | F.VMS_VSTRUCT)) !== 0;
}

/**
 * An array of primitive values (a plain codec, no structs, no null
 * pointers): save and load walk it with one shared element context and
 * record it as one leaf.
 */
export function isPlainArray(f: VMStateField): boolean {
  return isArrayField(f) && f.info?.plain === true && !isStruct(f) && !(f.flags & F.VMS_ARRAY_OF_POINTER);
}

/** The version a nested VMSD is processed at: its own local version, or the VSTRUCT field's constant. */
export function nestedVersion(f: VMStateField): number {
  return f.flags & F.VMS_VSTRUCT ? f.struct_version_id! : f.vmsd!.version_id;
}
