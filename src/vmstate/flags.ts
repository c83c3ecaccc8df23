/** VMStateFlags as QEMU 8.2/9.0 number them (spec §3.3). They never reach the wire. */
export const VMS_SINGLE = 0x001;
export const VMS_POINTER = 0x002;
export const VMS_ARRAY = 0x004;
export const VMS_STRUCT = 0x008;
export const VMS_VARRAY_INT32 = 0x010;
export const VMS_BUFFER = 0x020;
export const VMS_ARRAY_OF_POINTER = 0x040;
export const VMS_VARRAY_UINT16 = 0x080;
export const VMS_VBUFFER = 0x100;
export const VMS_MULTIPLY = 0x200;
export const VMS_VARRAY_UINT8 = 0x400;
export const VMS_VARRAY_UINT32 = 0x800;
export const VMS_MUST_EXIST = 0x1000;
export const VMS_ALLOC = 0x2000;
export const VMS_MULTIPLY_ELEMENTS = 0x4000;
export const VMS_VSTRUCT = 0x8000;

export const VMS_VARRAY_ANY = VMS_VARRAY_INT32 | VMS_VARRAY_UINT16 | VMS_VARRAY_UINT8 | VMS_VARRAY_UINT32;
