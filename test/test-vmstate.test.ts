/**
 * The 23 cases of QEMU's own unit test of its VMState engine
 * (tests/unit/test-vmstate.c), written again from its facts — the VMSDs,
 * the states and the expected bytes — through vmcompat's public surface
 * only, so that what a user's model can say is what QEMU's engine does.
 */
import { describe, expect, test } from 'vitest';
import {
  VMSTATE_ARRAY_OF_POINTER,
  VMSTATE_ARRAY_OF_POINTER_TO_STRUCT,
  VMSTATE_BOOL,
  VMSTATE_GTREE_DIRECT_KEY_V,
  VMSTATE_GTREE_V,
  VMSTATE_INT16,
  VMSTATE_INT32,
  VMSTATE_INT64,
  VMSTATE_INT8,
  VMSTATE_QLIST_V,
  VMSTATE_QTAILQ_V,
  VMSTATE_STRUCT_POINTER,
  VMSTATE_UINT16,
  VMSTATE_UINT16_ARRAY,
  VMSTATE_UINT32,
  VMSTATE_UINT32_TEST,
  VMSTATE_UINT32_V,
  VMSTATE_UINT64,
  VMSTATE_UINT64_V,
  VMSTATE_UINT8,
  VMSTATE_WITH_TMP,
  VmError,
  vmstate_info_int32,
  vmstate_load_state,
  vmstate_save_state,
  type GTreeEntry,
  type State,
  type VMStateDescription,
} from '../src/index.js';

const QEMU_VM_EOF = 0x00;
const VMS_NULLPTR_MARKER = 0x30;
const bytes = (...b: number[]) => Uint8Array.from(b);
const be64 = (v: number) => [0, 0, 0, 0, (v / 2 ** 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** QEMU's save test: what the save writes, followed by the EOF byte the test appends. */
function saved(vmsd: VMStateDescription, state: State): Uint8Array {
  const out = vmstate_save_state(vmsd, state);
  return Uint8Array.from([...out, QEMU_VM_EOF]);
}

/**
 * QEMU's load_vmstate: the load fails on an empty input, on all but the
 * last 2 bytes, on the first half and on the second half, and succeeds on
 * the whole wire, leaving the EOF byte unread.
 */
function loadsOnlyWhole(vmsd: VMStateDescription, fresh: () => State, version: number, wire: Uint8Array): State {
  const tries = [wire.subarray(0, 0)];
  if (wire.length > 3) {
    const half = Math.floor(wire.length / 2);
    tries.push(wire.subarray(0, wire.length - 2), wire.subarray(0, half), wire.subarray(half, half * 2));
  }
  for (const part of tries) expect(() => vmstate_load_state(part, vmsd, fresh(), version), `load of ${part.length} bytes`).toThrow(VmError);
  const state = fresh();
  expect(vmstate_load_state(wire, vmsd, state, version)).toBe(wire.length - 1);
  return state;
}

describe('simple', () => {
  const vmstate_simple_primitive: VMStateDescription = {
    name: 'simple/primitive',
    version_id: 1,
    minimum_version_id: 1,
    fields: [
      VMSTATE_BOOL('b_1'),
      VMSTATE_BOOL('b_2'),
      VMSTATE_UINT8('u8_1'),
      VMSTATE_UINT16('u16_1'),
      VMSTATE_UINT32('u32_1'),
      VMSTATE_UINT64('u64_1'),
      VMSTATE_INT8('i8_1'),
      VMSTATE_INT8('i8_2'),
      VMSTATE_INT16('i16_1'),
      VMSTATE_INT16('i16_2'),
      VMSTATE_INT32('i32_1'),
      VMSTATE_INT32('i32_2'),
      VMSTATE_INT64('i64_1'),
      VMSTATE_INT64('i64_2'),
    ],
  };
  const obj_simple: State = {
    b_1: true, b_2: false, u8_1: 130, u16_1: 512, u32_1: 70000, u64_1: 12121212n,
    i8_1: 65, i8_2: -65, i16_1: 512, i16_2: -512, i32_1: 70000, i32_2: -70000, i64_1: 12121212n, i64_2: -12121212n,
  };
  const wire_simple_primitive = bytes(
    0x01, 0x00, 0x82, 0x02, 0x00, 0x00, 0x01, 0x11, 0x70,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xb8, 0xf4, 0x7c,
    0x41, 0xbf, 0x02, 0x00, 0xfe, 0x00,
    0x00, 0x01, 0x11, 0x70, 0xff, 0xfe, 0xee, 0x90,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xb8, 0xf4, 0x7c,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x47, 0x0b, 0x84,
    QEMU_VM_EOF,
  );
  test('/vmstate/simple/primitive', () => {
    expect(saved(vmstate_simple_primitive, obj_simple)).toEqual(wire_simple_primitive);
    const got = loadsOnlyWhole(vmstate_simple_primitive, () => ({}), 1, wire_simple_primitive);
    expect(got).toEqual(obj_simple);
  });

  const vmstate_simple_arr: VMStateDescription = {
    name: 'simple/array',
    version_id: 1,
    minimum_version_id: 1,
    fields: [VMSTATE_UINT16_ARRAY('u16_1', 3)],
  };
  const wire_simple_arr = bytes(0x00, 0x42, 0x00, 0x43, 0x00, 0x44, QEMU_VM_EOF);
  test('/vmstate/simple/array', () => {
    expect(saved(vmstate_simple_arr, { u16_1: [0x42, 0x43, 0x44] })).toEqual(wire_simple_arr);
    expect(loadsOnlyWhole(vmstate_simple_arr, () => ({ u16_1: [0, 0, 0] }), 1, wire_simple_arr)).toEqual({ u16_1: [0x42, 0x43, 0x44] });
  });
});

describe('versioned', () => {
  const vmstate_versioned: VMStateDescription = {
    name: 'test/versioned',
    version_id: 2,
    minimum_version_id: 1,
    fields: [
      VMSTATE_UINT32('a'),
      VMSTATE_UINT32_V('b', 2),
      VMSTATE_UINT32('c'),
      VMSTATE_UINT64('d'),
      VMSTATE_UINT32_V('e', 2),
      VMSTATE_UINT64_V('f', 2),
    ],
  };
  test('/vmstate/versioned/load/v1', () => {
    const buf = bytes(0, 0, 0, 10, 0, 0, 0, 30, ...be64(40), QEMU_VM_EOF);
    const obj: State = { b: 200, e: 500, f: 600n };
    expect(vmstate_load_state(buf, vmstate_versioned, obj, 1)).toBe(buf.length - 1);
    expect(obj).toEqual({ a: 10, b: 200, c: 30, d: 40n, e: 500, f: 600n });
  });
  test('/vmstate/versioned/load/v2', () => {
    const buf = bytes(0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, ...be64(40), 0, 0, 0, 50, ...be64(60), QEMU_VM_EOF);
    const obj: State = {};
    vmstate_load_state(buf, vmstate_versioned, obj, 2);
    expect(obj).toEqual({ a: 10, b: 20, c: 30, d: 40n, e: 50, f: 60n });
  });
});

describe('field_exists', () => {
  const test_skip = (s: State) => !s.skip_c_e;
  const vmstate_skipping: VMStateDescription = {
    name: 'test/skip',
    version_id: 2,
    minimum_version_id: 1,
    fields: [
      VMSTATE_UINT32('a'),
      VMSTATE_UINT32('b'),
      VMSTATE_UINT32_TEST('c', test_skip),
      VMSTATE_UINT64('d'),
      VMSTATE_UINT32_TEST('e', test_skip),
      VMSTATE_UINT64_V('f', 2),
    ],
  };
  const obj = (skip: boolean): State => ({ a: 1, b: 2, c: 3, d: 4n, e: 5, f: 6n, skip_c_e: skip });
  test('/vmstate/field_exists/save/noskip', () => {
    expect(vmstate_save_state(vmstate_skipping, obj(false))).toEqual(bytes(0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, ...be64(4), 0, 0, 0, 5, ...be64(6)));
  });
  test('/vmstate/field_exists/save/skip', () => {
    expect(vmstate_save_state(vmstate_skipping, obj(true))).toEqual(bytes(0, 0, 0, 1, 0, 0, 0, 2, ...be64(4), ...be64(6)));
  });
  test('/vmstate/field_exists/load/noskip', () => {
    const buf = bytes(0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, ...be64(40), 0, 0, 0, 50, ...be64(60), QEMU_VM_EOF);
    const o: State = { skip_c_e: false };
    vmstate_load_state(buf, vmstate_skipping, o, 2);
    expect(o).toEqual({ skip_c_e: false, a: 10, b: 20, c: 30, d: 40n, e: 50, f: 60n });
  });
  test('/vmstate/field_exists/load/skip', () => {
    const buf = bytes(0, 0, 0, 10, 0, 0, 0, 20, ...be64(40), ...be64(60), QEMU_VM_EOF);
    const o: State = { skip_c_e: true, c: 300, e: 500 };
    vmstate_load_state(buf, vmstate_skipping, o, 2);
    expect(o).toEqual({ skip_c_e: true, a: 10, b: 20, c: 300, d: 40n, e: 500, f: 60n });
  });
});

describe('array of pointers', () => {
  const vmsd_tst: VMStateDescription = { name: 'test/tst', version_id: 1, minimum_version_id: 1, fields: [VMSTATE_INT32('i')] };
  const vmsd_arps: VMStateDescription = {
    name: 'test/arps',
    version_id: 1,
    minimum_version_id: 1,
    fields: [VMSTATE_ARRAY_OF_POINTER_TO_STRUCT('ar', 4, 0, vmsd_tst)],
  };
  const wire_arr_ptr_no0 = bytes(0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, QEMU_VM_EOF);
  const wire_arr_ptr_0 = bytes(0, 0, 0, 0, VMS_NULLPTR_MARKER, 0, 0, 0, 2, 0, 0, 0, 3, QEMU_VM_EOF);
  const structs = (...i: (number | null)[]) => ({ ar: i.map((v) => (v === null ? null : { i: v })) });

  test('/vmstate/array/ptr/str/no0/save', () => {
    expect(saved(vmsd_arps, structs(0, 1, 2, 3))).toEqual(wire_arr_ptr_no0);
  });
  test('/vmstate/array/ptr/str/no0/load', () => {
    const obj = structs(0, 0, 0, 0);
    vmstate_load_state(wire_arr_ptr_no0, vmsd_arps, obj, 1);
    expect(obj).toEqual(structs(0, 1, 2, 3));
  });
  test('/vmstate/array/ptr/str/0/save', () => {
    expect(saved(vmsd_arps, structs(0, null, 2, 3))).toEqual(wire_arr_ptr_0);
  });
  test('/vmstate/array/ptr/str/0/load', () => {
    const obj = structs(0, null, 0, 0);
    vmstate_load_state(wire_arr_ptr_0, vmsd_arps, obj, 1);
    expect(obj).toEqual(structs(0, null, 2, 3));
  });

  const vmsd_arpp: VMStateDescription = {
    name: 'test/arps',
    version_id: 1,
    minimum_version_id: 1,
    fields: [VMSTATE_ARRAY_OF_POINTER('ar', 4, 0, vmstate_info_int32)],
  };
  test('/vmstate/array/ptr/prim/0/save', () => {
    expect(saved(vmsd_arpp, { ar: [0, null, 2, 3] })).toEqual(wire_arr_ptr_0);
  });
  test('/vmstate/array/ptr/prim/0/load', () => {
    // the destination's null slot takes the marker; its pointee (42 in QEMU's test) is never reached
    const obj: State = { ar: [3, null, 1, 0] };
    vmstate_load_state(wire_arr_ptr_0, vmsd_arpp, obj, 1);
    expect(obj).toEqual({ ar: [0, null, 2, 3] });
  });
  test('a non-null destination slot refuses the marker', () => {
    expect(() => vmstate_load_state(wire_arr_ptr_0, vmsd_arpp, { ar: [0, 1, 2, 3] }, 1)).toThrow(VmError);
  });
});

describe('qtailq', () => {
  const vmstate_q_element: VMStateDescription = {
    name: 'test/queue-element',
    version_id: 1,
    minimum_version_id: 1,
    fields: [VMSTATE_BOOL('b'), VMSTATE_UINT8('u8')],
  };
  const vmstate_q: VMStateDescription = {
    name: 'test/queue',
    version_id: 1,
    minimum_version_id: 1,
    fields: [VMSTATE_INT16('i16'), VMSTATE_QTAILQ_V('q', 1, vmstate_q_element), VMSTATE_INT32('i32')],
  };
  const wire_q = bytes(0xfe, 0x00, 0x01, 0x01, 0x82, 0x01, 0x00, 0x41, 0x00, 0x00, 0x01, 0x11, 0x70, QEMU_VM_EOF);
  const obj_q: State = { i16: -512, q: [{ b: true, u8: 130 }, { b: false, u8: 65 }], i32: 70000 };
  test('/vmstate/qtailq/save/saveq', () => {
    expect(saved(vmstate_q, obj_q)).toEqual(wire_q);
  });
  test('/vmstate/qtailq/load/loadq', () => {
    const tgt: State = { q: [] };
    expect(vmstate_load_state(wire_q, vmstate_q, tgt, 1)).toBe(wire_q.length - 1);
    expect(tgt).toEqual(obj_q);
  });
  test('elements load at the field version, not their own', () => {
    const v2: VMStateDescription = { ...vmstate_q_element, version_id: 2, fields: [...vmstate_q_element.fields, VMSTATE_UINT8_V2()] };
    const q2: VMStateDescription = { ...vmstate_q, fields: [VMSTATE_INT16('i16'), VMSTATE_QTAILQ_V('q', 1, v2), VMSTATE_INT32('i32')] };
    const wire = vmstate_save_state(q2, { i16: 1, q: [{ b: true, u8: 1, extra: 7 }], i32: 2 });
    // saved at the element's version 2 (3 bytes), loaded at the field's version 1 (2 bytes): the stream desyncs
    expect(() => vmstate_load_state(wire, q2, { q: [] }, 1)).toThrow(VmError);
    // a field version above the element VMSD's own: the load refuses the elements as too new
    const tooNew: VMStateDescription = { ...vmstate_q, version_id: 3, fields: [VMSTATE_INT16('i16'), VMSTATE_QTAILQ_V('q', 3, vmstate_q_element), VMSTATE_INT32('i32')] };
    expect(() => vmstate_load_state(wire_q, tooNew, { q: [] }, 3)).toThrow(expect.objectContaining({ kind: 'version-too-new', qemu: expect.arrayContaining(['test/queue-element too new']) }));
  });
});

function VMSTATE_UINT8_V2() {
  return { ...VMSTATE_UINT8('extra'), version_id: 2 };
}

describe('gtree', () => {
  type Interval = { low: bigint; high: bigint };
  const interval_cmp = (a: GTreeEntry['key'], b: GTreeEntry['key']) => {
    const x = a as unknown as Interval;
    const y = b as unknown as Interval;
    return x.high < y.low ? -1 : y.high < x.low ? 1 : 0;
  };
  const int_cmp = (a: GTreeEntry['key'], b: GTreeEntry['key']) => Number(BigInt(a as bigint) - BigInt(b as bigint));
  const VMSTATE_INTERVAL: VMStateDescription = { name: 'interval', version_id: 1, minimum_version_id: 1, fields: [VMSTATE_UINT64('low'), VMSTATE_UINT64('high')] };
  const VMSTATE_MAPPING: VMStateDescription = { name: 'mapping', version_id: 1, minimum_version_id: 1, fields: [VMSTATE_UINT64('phys_addr'), VMSTATE_UINT32('flags')] };
  const vmstate_interval_mapping = [VMSTATE_MAPPING, VMSTATE_INTERVAL] as const;
  const vmstate_domain: VMStateDescription = {
    name: 'domain',
    version_id: 1,
    minimum_version_id: 1,
    fields: [VMSTATE_INT32('id'), VMSTATE_GTREE_V('mappings', 1, vmstate_interval_mapping, { compare: interval_cmp })],
  };
  const vmstate_iommu: VMStateDescription = {
    name: 'iommu',
    version_id: 1,
    minimum_version_id: 1,
    fields: [VMSTATE_INT32('id'), VMSTATE_GTREE_DIRECT_KEY_V('domains', 1, vmstate_domain, { compare: int_cmp })],
  };
  const first_domain = (): State => ({
    id: 6,
    // inserted out of order: the tree visits them by interval
    mappings: [
      { key: { low: 0x4000n, high: 0x4fffn }, value: { phys_addr: 0xe0000n, flags: 2 } },
      { key: { low: 0x1000n, high: 0x1fffn }, value: { phys_addr: 0xa000n, flags: 1 } },
    ],
  });
  const first_domain_dump = [
    0, 0, 0, 6, 0, 0, 0, 2,
    0x1, ...be64(0x1000), ...be64(0x1fff), ...be64(0xa000), 0, 0, 0, 1,
    0x1, ...be64(0x4000), ...be64(0x4fff), ...be64(0xe0000), 0, 0, 0, 2,
    0x0,
  ];
  const sorted = (d: State) => ({ ...d, mappings: [...(d.mappings as GTreeEntry[])].sort((a, b) => interval_cmp(a.key, b.key)) });

  test('/vmstate/gtree/save/savedomain', () => {
    expect(saved(vmstate_domain, first_domain())).toEqual(bytes(...first_domain_dump, QEMU_VM_EOF));
  });
  test('/vmstate/gtree/load/loaddomain', () => {
    const dest: State = { mappings: [] };
    const wire = bytes(...first_domain_dump, QEMU_VM_EOF);
    expect(vmstate_load_state(wire, vmstate_domain, dest, 1)).toBe(wire.length - 1);
    expect(dest).toEqual(sorted(first_domain()));
  });

  const iommu = (): State => ({
    id: 7,
    domains: [
      { key: 6n, value: first_domain() },
      { key: 5n, value: { id: 5, mappings: [{ key: { low: 0x1000000n, high: 0x1ffffffn }, value: { phys_addr: 0xf000000n, flags: 3 } }] } },
    ],
  });
  const iommu_dump = bytes(
    0, 0, 0, 7, 0, 0, 0, 2,
    0x1, ...be64(5), 0, 0, 0, 5, 0, 0, 0, 1,
    0x1, ...be64(0x1000000), ...be64(0x1ffffff), ...be64(0xf000000), 0, 0, 0, 3,
    0x0,
    0x1, ...be64(6), ...first_domain_dump,
    0x0,
    QEMU_VM_EOF,
  );
  test('/vmstate/gtree/save/saveiommu', () => {
    expect(saved(vmstate_iommu, iommu())).toEqual(iommu_dump);
  });
  test('/vmstate/gtree/load/loadiommu', () => {
    const dest: State = { domains: [] };
    vmstate_load_state(iommu_dump, vmstate_iommu, dest, 1);
    const want = iommu();
    want.domains = (want.domains as GTreeEntry[]).map((e) => ({ key: e.key, value: sorted(e.value) })).sort((a, b) => int_cmp(a.key, b.key));
    expect(dest).toEqual(want);
  });
  test('a node count that does not match the nodes is refused', () => {
    const lying = bytes(...first_domain_dump);
    lying[7] = 3; // announces 3 nodes, carries 2
    expect(() => vmstate_load_state(lying, vmstate_domain, { mappings: [] }, 1)).toThrow(/inconsistent stream|announces 3/);
    lying[7] = 1; // announces 1, carries 2
    expect(() => vmstate_load_state(lying, vmstate_domain, { mappings: [] }, 1)).toThrow(VmError);
  });
});

describe('qlist', () => {
  const vmstate_qlist_element: VMStateDescription = { name: 'test/queue list', version_id: 1, minimum_version_id: 1, fields: [VMSTATE_UINT32('id')] };
  const vmstate_container: VMStateDescription = {
    name: 'test/container/qlist',
    version_id: 1,
    minimum_version_id: 1,
    fields: [VMSTATE_UINT32('id'), VMSTATE_QLIST_V('list', 1, vmstate_qlist_element)],
  };
  const qlist_dump = bytes(0, 0, 0, 1, 0x1, 0, 0, 0, 0x0a, 0x1, 0, 0, 0x0b, 0, 0x1, 0, 0x0c, 0, 0, 0x1, 0x0d, 0, 0, 0, 0x0, QEMU_VM_EOF);
  const container = (): State => ({ id: 1, list: [{ id: 0x0a }, { id: 0x0b00 }, { id: 0xc0000 }, { id: 0xd000000 }] });
  test('/vmstate/qlist/save/saveqlist', () => {
    expect(saved(vmstate_container, container())).toEqual(qlist_dump);
  });
  test('/vmstate/qlist/load/loadqlist', () => {
    const dest: State = { list: [] };
    expect(vmstate_load_state(qlist_dump, vmstate_container, dest, 1)).toBe(qlist_dump.length - 1);
    // QEMU's test checks the list order survives insertions on both sides; here the order is the array's
    expect(dest).toEqual(container());
  });
});

describe('tmp', () => {
  const vmstate_tmp_back_to_parent: VMStateDescription = { name: 'test/tmp_child_parent', version_id: 0, fields: [VMSTATE_UINT64('f')] };
  const parentOf = (tmp: State) => tmp.parent as State;
  const vmstate_tmp_child: VMStateDescription = {
    name: 'test/tmp_child',
    version_id: 0,
    pre_save: (tmp) => {
      tmp.diff = BigInt(Number(parentOf(tmp).b) - Number(parentOf(tmp).a));
    },
    post_load: (tmp) => {
      parentOf(tmp).b = Number(parentOf(tmp).a) + Number(tmp.diff);
    },
    fields: [VMSTATE_INT64('diff'), VMSTATE_STRUCT_POINTER('parent', vmstate_tmp_back_to_parent)],
  };
  const vmstate_with_tmp: VMStateDescription = {
    name: 'test/with_tmp',
    version_id: 1,
    fields: [VMSTATE_UINT32('a'), VMSTATE_UINT64('d'), VMSTATE_WITH_TMP(vmstate_tmp_child)],
  };
  const wire_with_tmp = bytes(0, 0, 0, 2, ...be64(1), ...be64(2), ...be64(8), QEMU_VM_EOF);
  test('/vmstate/tmp_struct', () => {
    expect(saved(vmstate_with_tmp, { a: 2, b: 4, d: 1n, f: 8n })).toEqual(wire_with_tmp);
    const got = loadsOnlyWhole(vmstate_with_tmp, () => ({}), 1, wire_with_tmp);
    expect(got).toEqual({ a: 2, b: 4, d: 1n, f: 8n });
  });
  test('a tmp VMSD is loaded at version 0: a versioned field in it is saved and never loaded', () => {
    const child: VMStateDescription = {
      name: 'test/tmp_v',
      version_id: 1,
      pre_save: (tmp) => {
        tmp.x = parentOf(tmp).x;
      },
      fields: [VMSTATE_UINT32_V('x', 1)],
    };
    const top: VMStateDescription = { name: 'test/with_tmp_v', version_id: 1, fields: [VMSTATE_WITH_TMP(child), VMSTATE_UINT32('a')] };
    const wire = vmstate_save_state(top, { a: 5, x: 9 });
    expect(wire.length).toBe(8); // x then a
    const dest: State = {};
    // the load skips x (version 1 > 0) and reads x's bytes as a: QEMU's desync
    expect(vmstate_load_state(wire, top, dest, 1)).toBe(4);
    expect(dest.a).toBe(9);
  });
});

describe('hooks that fail', () => {
  const refuse = () => ({ errno: -22, message: 'refused' });
  test('pre_save failing aborts the save as "pre-save failed"', () => {
    const vmsd: VMStateDescription = { name: 'test/pre_save', version_id: 1, pre_save: refuse, fields: [VMSTATE_UINT32('a')] };
    expect(() => vmstate_save_state(vmsd, { a: 1 })).toThrow(expect.objectContaining({ kind: 'pre-save-failed', qemu: ['pre-save failed: test/pre_save'] }));
  });
  test('pre_load failing aborts the load before any field is read', () => {
    const vmsd: VMStateDescription = { name: 'test/pre_load', version_id: 1, pre_load: refuse, fields: [VMSTATE_UINT32('a')] };
    const dest: State = { a: 0 };
    expect(() => vmstate_load_state(bytes(0, 0, 0, 1), vmsd, dest, 1)).toThrow(expect.objectContaining({ kind: 'pre-load-failed', offset: 0 }));
    expect(dest.a).toBe(0);
  });
  test('post_save runs after a failed field too, and its own failure counts only when the save succeeded', () => {
    let ran = 0;
    const post_save = () => {
      ran++;
      return { errno: -5, message: 'post' };
    };
    const ok: VMStateDescription = { name: 'test/post_save', version_id: 1, post_save, fields: [VMSTATE_UINT32('a')] };
    expect(() => vmstate_save_state(ok, { a: 1 })).toThrow(expect.objectContaining({ kind: 'post-save-failed' }));
    const inner: VMStateDescription = { name: 'test/inner', version_id: 1, pre_save: refuse, fields: [] };
    const bad: VMStateDescription = { name: 'test/post_save2', version_id: 1, post_save, fields: [VMSTATE_STRUCT_POINTER('s', inner)] };
    expect(() => vmstate_save_state(bad, { s: {} })).toThrow(expect.objectContaining({ kind: 'pre-save-failed' }));
    expect(ran).toBe(2);
  });
});
