/**
 * A VARRAY's count comes from the state, which on load is what the wire
 * said: elements that take no bytes (a struct whose fields all lie beyond
 * the version) with a count of 2^32-1 would loop that often over nothing.
 * The interpreter stops once more such elements were read than there are
 * bytes left, with a typed error naming the VMSD, field, count and offset.
 */
import { describe, expect, it } from 'vitest';
import { VmError } from '../wire/errors.js';
import { VMSTATE_STRUCT_VARRAY_UINT32, VMSTATE_UINT32, VMSTATE_UINT32_V, VMSTATE_UINT8, VMSTATE_VARRAY_UINT32 } from './dsl.js';
import { vmstate_info_uint8 } from './info.js';
import { vmstate_load_state } from './standalone.js';
import type { State, VMStateDescription } from './types.js';

/** An element whose only field is of version 2: at version 1 it takes no bytes. */
const empty: VMStateDescription = { name: 'empty-elem', version_id: 1, fields: [VMSTATE_UINT32_V('later', 2)] };
const zeroElems: VMStateDescription = { name: 'zero-elems', version_id: 1, fields: [VMSTATE_UINT32('count'), VMSTATE_STRUCT_VARRAY_UINT32('elems', 'count', 0, empty)] };
const byteElems: VMStateDescription = {
  name: 'byte-elems',
  version_id: 1,
  fields: [VMSTATE_UINT32('count'), VMSTATE_STRUCT_VARRAY_UINT32('elems', 'count', 0, { name: 'one-byte', version_id: 1, fields: [VMSTATE_UINT8('b')] })],
};
const scalars: VMStateDescription = { name: 'scalars', version_id: 1, fields: [VMSTATE_UINT32('count'), VMSTATE_VARRAY_UINT32('bytes', 'count', 0, vmstate_info_uint8)] };

const be32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function loadError(bytes: number[], vmsd: VMStateDescription): VmError {
  try {
    vmstate_load_state(Uint8Array.from(bytes), vmsd, {} as State, 1);
  } catch (e) {
    if (e instanceof VmError) return e;
    throw e;
  }
  throw new Error('the load succeeded');
}

describe('VARRAY of elements that take no bytes', () => {
  it('a count of 2^32-1 from the wire stops with a typed error naming VMSD, field, count and offset', () => {
    const e = loadError([...be32(0xffffffff), 1, 2, 3], zeroElems);
    expect(e.kind).toBe('bad-input');
    expect(e.vmsd).toBe('zero-elems');
    expect(e.path).toBe('elems');
    expect(e.offset).toBe(4);
    expect(e.message).toBe(
      "zero-elems/elems: a count of 4294967295 (from 'count') at 0x4, with 3 bytes left in the input, and element 3 took no bytes: stopped after 4 elements rather than loop 4294967291 more times over nothing",
    );
    // QEMU's own line for the field it was loading, as for any failure inside a field
    expect(e.qemu).toEqual(['Failed to load zero-elems:elems']);
  });

  it('a count the bytes present can back loads, as QEMU does', () => {
    const state: State = {};
    expect(vmstate_load_state(Uint8Array.from([...be32(3), 9, 9, 9]), zeroElems, state, 1)).toBe(4);
    expect(state.elems).toEqual([{}, {}, {}]);
  });

  it('elements that take bytes still run into the end of the input: a short read, as in QEMU', () => {
    const e = loadError([...be32(0xffffffff), 1, 2, 3], byteElems);
    expect(e.kind).toBe('short-read');
    const s = loadError([...be32(1000), 1, 2], scalars);
    expect(s.kind).toBe('short-read');
  });
});
