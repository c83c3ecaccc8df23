/**
 * Where vmcompat's engine used to differ from QEMU's migration/vmstate.c,
 * each pinned by a test built from what QEMU does.
 */
import { describe, expect, test } from 'vitest';
import {
  VMSTATE_STRUCT,
  VMSTATE_UINT32,
  VMSTATE_UINT64_EQUAL,
  VmError,
  vmstate_load_state,
  vmstate_save_state,
  type VMStateDescription,
} from '../src/index.js';

describe('64-bit _EQUAL', () => {
  const vmsd: VMStateDescription = { name: 'eq64', version_id: 1, fields: [VMSTATE_UINT64_EQUAL('magic')] };
  test('a number in the destination equals the same value read from the wire as a bigint', () => {
    const wire = vmstate_save_state(vmsd, { magic: 5n });
    expect(() => vmstate_load_state(wire, vmsd, { magic: 5 }, 1)).not.toThrow();
  });
  test('a different value is still refused, with QEMU\'s line', () => {
    const wire = vmstate_save_state(vmsd, { magic: 6n });
    expect(() => vmstate_load_state(wire, vmsd, { magic: 5 }, 1)).toThrow(expect.objectContaining({ kind: 'equal-mismatch', qemu: expect.arrayContaining(['5 != 6']) }));
  });
  test('values above 2^53 compare exactly', () => {
    const big = (1n << 63n) + 1n;
    const wire = vmstate_save_state(vmsd, { magic: big });
    expect(() => vmstate_load_state(wire, vmsd, { magic: big }, 1)).not.toThrow();
    expect(() => vmstate_load_state(wire, vmsd, { magic: big - 1n }, 1)).toThrow(VmError);
  });
});

describe('nested structs', () => {
  test('a nested struct is loaded at the destination\'s own version of it, never one from the wire', () => {
    const inner1: VMStateDescription = { name: 'inner', version_id: 1, fields: [VMSTATE_UINT32('a')] };
    const inner2: VMStateDescription = { name: 'inner', version_id: 2, fields: [VMSTATE_UINT32('a'), { ...VMSTATE_UINT32('b'), version_id: 2 }] };
    const outer = (inner: VMStateDescription): VMStateDescription => ({ name: 'outer', version_id: 1, fields: [VMSTATE_STRUCT('s', 0, inner), VMSTATE_UINT32('z')] });
    const wire = vmstate_save_state(outer(inner1), { s: { a: 1 }, z: 2 });
    // the receiver's inner is version 2: it reads b where the sender put z, and then runs out of bytes
    expect(() => vmstate_load_state(wire, outer(inner2), { s: {} }, 1)).toThrow(expect.objectContaining({ kind: 'short-read' }));
  });
});
