/**
 * VMSTATE_* field constructors named after QEMU's macros, so that a device
 * table reads line by line like its C VMSD. The field name is the C member
 * path QEMU stringifies; the state key is the same string.
 */
import * as F from './flags.js';
import * as I from './info.js';
import type { FieldExists, VMStateDescription, VMStateField, VMStateInfo } from './types.js';

type Opt = Partial<Omit<VMStateField, 'name'>>;

export function field(name: string, o: Opt): VMStateField {
  return { name, member: name, flags: F.VMS_SINGLE, version_id: 0, ...o };
}

function scalar(info: VMStateInfo) {
  const plain = (name: string) => field(name, { info });
  const v = (name: string, version: number) => field(name, { info, version_id: version });
  const test = (name: string, t: FieldExists) => field(name, { info, field_exists: t });
  const array = (name: string, num: number, version = 0) =>
    field(name, { info, flags: F.VMS_ARRAY, num, version_id: version });
  return { plain, v, test, array };
}

const u8 = scalar(I.vmstate_info_uint8);
const u16 = scalar(I.vmstate_info_uint16);
const u32 = scalar(I.vmstate_info_uint32);
const u64 = scalar(I.vmstate_info_uint64);
const i8 = scalar(I.vmstate_info_int8);
const i16 = scalar(I.vmstate_info_int16);
const i32 = scalar(I.vmstate_info_int32);
const i64 = scalar(I.vmstate_info_int64);
const bool = scalar(I.vmstate_info_bool);

export const VMSTATE_BOOL = bool.plain;
export const VMSTATE_BOOL_V = bool.v;
export const VMSTATE_BOOL_TEST = bool.test;
export const VMSTATE_BOOL_ARRAY = bool.array;
export const VMSTATE_UINT8 = u8.plain;
export const VMSTATE_UINT8_V = u8.v;
export const VMSTATE_UINT8_TEST = u8.test;
export const VMSTATE_UINT8_ARRAY = u8.array;
export const VMSTATE_UINT16 = u16.plain;
export const VMSTATE_UINT16_V = u16.v;
export const VMSTATE_UINT16_TEST = u16.test;
export const VMSTATE_UINT16_ARRAY = u16.array;
export const VMSTATE_UINT32 = u32.plain;
export const VMSTATE_UINT32_V = u32.v;
export const VMSTATE_UINT32_TEST = u32.test;
export const VMSTATE_UINT32_ARRAY = u32.array;
export const VMSTATE_UINT64 = u64.plain;
export const VMSTATE_UINT64_V = u64.v;
export const VMSTATE_UINT64_TEST = u64.test;
export const VMSTATE_UINT64_ARRAY = u64.array;
export const VMSTATE_INT8 = i8.plain;
export const VMSTATE_INT8_V = i8.v;
export const VMSTATE_INT16 = i16.plain;
export const VMSTATE_INT16_V = i16.v;
export const VMSTATE_INT16_ARRAY = i16.array;
export const VMSTATE_INT32 = i32.plain;
export const VMSTATE_INT32_V = i32.v;
export const VMSTATE_INT32_TEST = i32.test;
export const VMSTATE_INT32_ARRAY = i32.array;
export const VMSTATE_INT64 = i64.plain;
export const VMSTATE_INT64_V = i64.v;
export const VMSTATE_INT64_TEST = i64.test;
export const VMSTATE_INT64_ARRAY = i64.array;

export const VMSTATE_UINT8_EQUAL = (name: string, hint?: string) =>
  field(name, { info: I.vmstate_info_uint8_equal, err_hint: hint });
export const VMSTATE_UINT16_EQUAL = (name: string, hint?: string) =>
  field(name, { info: I.vmstate_info_uint16_equal, err_hint: hint });
export const VMSTATE_UINT32_EQUAL = (name: string, hint?: string) =>
  field(name, { info: I.vmstate_info_uint32_equal, err_hint: hint });
export const VMSTATE_INT32_EQUAL = (name: string, hint?: string) =>
  field(name, { info: I.vmstate_info_int32_equal, err_hint: hint });
export const VMSTATE_UINT64_EQUAL = (name: string, hint?: string) =>
  field(name, { info: I.vmstate_info_uint64_equal, err_hint: hint });
export const VMSTATE_INT32_POSITIVE_LE = (name: string) => field(name, { info: I.vmstate_info_int32_le });

export const VMSTATE_TIMER_PTR = (name: string) =>
  field(name, { info: I.vmstate_info_timer, flags: F.VMS_SINGLE | F.VMS_POINTER });
export const VMSTATE_TIMER = (name: string) => field(name, { info: I.vmstate_info_timer });

export const VMSTATE_BUFFER = (name: string, size: number, version = 0) =>
  field(name, { info: I.vmstate_info_buffer, flags: F.VMS_BUFFER, size, version_id: version });
export const VMSTATE_BUFFER_TEST = (name: string, size: number, t: FieldExists) =>
  field(name, { info: I.vmstate_info_buffer, flags: F.VMS_BUFFER, size, field_exists: t });
/** A buffer whose length is another member (VMSTATE_VBUFFER_UINT32 and friends). */
export const VMSTATE_VBUFFER_UINT32 = (name: string, version: number, t: FieldExists | undefined, sizeMember: string) =>
  field(name, {
    info: I.vmstate_info_buffer,
    flags: F.VMS_VBUFFER | F.VMS_POINTER,
    size_member: sizeMember,
    version_id: version,
    field_exists: t,
  });
export const VMSTATE_VBUFFER_ALLOC_UINT32 = (name: string, version: number, t: FieldExists | undefined, sizeMember: string) =>
  field(name, {
    info: I.vmstate_info_buffer,
    flags: F.VMS_VBUFFER | F.VMS_POINTER | F.VMS_ALLOC,
    size_member: sizeMember,
    version_id: version,
    field_exists: t,
  });

/** Placeholder bytes; QEMU names every such field `unused`. */
export const VMSTATE_UNUSED = (size: number) =>
  ({ name: 'unused', member: null, info: I.vmstate_info_unused_buffer, flags: F.VMS_BUFFER, size, version_id: 0 }) as VMStateField;
export const VMSTATE_UNUSED_V = (version: number, size: number) => ({ ...VMSTATE_UNUSED(size), version_id: version });
export const VMSTATE_UNUSED_TEST = (t: FieldExists, size: number) => ({ ...VMSTATE_UNUSED(size), field_exists: t });

/** Variable arrays of scalars whose count is another member. */
function varray(flag: number) {
  return (name: string, numMember: string, version: number, info: VMStateInfo) =>
    field(name, { info, flags: flag | F.VMS_POINTER, num_member: numMember, version_id: version });
}
export const VMSTATE_VARRAY_UINT8 = varray(F.VMS_VARRAY_UINT8);
export const VMSTATE_VARRAY_UINT16 = varray(F.VMS_VARRAY_UINT16);
export const VMSTATE_VARRAY_UINT32 = varray(F.VMS_VARRAY_UINT32);
export const VMSTATE_VARRAY_INT32 = varray(F.VMS_VARRAY_INT32);

export const VMSTATE_STRUCT = (name: string, version: number, vmsd: VMStateDescription) =>
  field(name, { vmsd, flags: F.VMS_STRUCT, version_id: version });
export const VMSTATE_STRUCT_TEST = (name: string, t: FieldExists, version: number, vmsd: VMStateDescription) =>
  field(name, { vmsd, flags: F.VMS_STRUCT, version_id: version, field_exists: t });
export const VMSTATE_STRUCT_POINTER = (name: string, vmsd: VMStateDescription) =>
  field(name, { vmsd, flags: F.VMS_STRUCT | F.VMS_POINTER });
export const VMSTATE_STRUCT_ARRAY = (name: string, num: number, version: number, vmsd: VMStateDescription) =>
  field(name, { vmsd, flags: F.VMS_STRUCT | F.VMS_ARRAY, num, version_id: version });
/** VMSTATE_ARRAY_OF_POINTER(field, state, num, version, info, type): a null element travels as the 0x30 marker. */
export const VMSTATE_ARRAY_OF_POINTER = (name: string, num: number, version: number, info: VMStateInfo) =>
  field(name, { info, flags: F.VMS_ARRAY | F.VMS_ARRAY_OF_POINTER, num, version_id: version });
/** VMSTATE_TIMER_PTR_ARRAY(field, state, num): an array of timer pointers. */
export const VMSTATE_TIMER_PTR_ARRAY = (name: string, num: number) => VMSTATE_ARRAY_OF_POINTER(name, num, 0, I.vmstate_info_timer);
/** An array of pointers to structs; a null element travels as the 0x30 marker. */
export const VMSTATE_ARRAY_OF_POINTER_TO_STRUCT = (name: string, num: number, version: number, vmsd: VMStateDescription) =>
  field(name, { vmsd, flags: F.VMS_ARRAY | F.VMS_STRUCT | F.VMS_ARRAY_OF_POINTER, num, version_id: version });
function structVarray(flag: number) {
  return (name: string, numMember: string, version: number, vmsd: VMStateDescription) =>
    field(name, { vmsd, flags: F.VMS_STRUCT | flag, num_member: numMember, version_id: version });
}
export const VMSTATE_STRUCT_VARRAY_UINT8 = structVarray(F.VMS_VARRAY_UINT8);
export const VMSTATE_STRUCT_VARRAY_UINT16 = structVarray(F.VMS_VARRAY_UINT16);
export const VMSTATE_STRUCT_VARRAY_UINT32 = structVarray(F.VMS_VARRAY_UINT32);
export const VMSTATE_STRUCT_VARRAY_INT32 = structVarray(F.VMS_VARRAY_INT32);

/** VMS_VSTRUCT: the nested VMSD is saved and loaded at `structVersion`, never at its own version. */
export const VMSTATE_VSTRUCT_TEST = (
  name: string,
  t: FieldExists | undefined,
  version: number,
  vmsd: VMStateDescription,
  structVersion: number,
) => field(name, { vmsd, flags: F.VMS_VSTRUCT, version_id: version, field_exists: t, struct_version_id: structVersion });
export const VMSTATE_VSTRUCT_V = (name: string, version: number, vmsd: VMStateDescription, structVersion: number) =>
  VMSTATE_VSTRUCT_TEST(name, undefined, version, vmsd, structVersion);

/** A field with a custom codec (QEMU's hand-written get/put). */
export const VMSTATE_SINGLE = (name: string, info: VMStateInfo, version = 0, member: string | null = name) =>
  ({ ...field(name, { info, version_id: version }), member }) as VMStateField;
export const VMSTATE_SINGLE_TEST = (name: string, info: VMStateInfo, t: FieldExists, member: string | null = name) =>
  ({ ...field(name, { info, field_exists: t }), member }) as VMStateField;

/** A load-time assertion: zero bytes, fails the load when `t` is false. */
export const VMSTATE_VALIDATE = (name: string, t: FieldExists) =>
  ({ name, member: null, flags: F.VMS_ARRAY | F.VMS_MUST_EXIST, num: 0, version_id: 0, field_exists: t }) as VMStateField;

/** QEMU's MigrationPriority (include/migration/vmstate.h), for VMStateDescription.priority. */
export const MIG_PRI_DEFAULT = 0;
export const MIG_PRI_IOMMU = 1;
export const MIG_PRI_PCI_BUS = 2;
export const MIG_PRI_VIRTIO_MEM = 3;
export const MIG_PRI_GICV3_ITS = 4;
export const MIG_PRI_GICV3 = 5;
export const MIG_PRI_MAX = 6;
