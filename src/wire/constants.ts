/** Stream constants, as QEMU's migration/savevm.c defines them (spec §0). */
export const QEMU_VM_FILE_MAGIC = 0x5145564d; // "QEVM"
export const QEMU_VM_FILE_VERSION = 0x00000003;
export const QEMU_VM_FILE_VERSION_COMPAT = 0x00000002;

export const QEMU_VM_EOF = 0x00;
export const QEMU_VM_SECTION_START = 0x01;
export const QEMU_VM_SECTION_PART = 0x02;
export const QEMU_VM_SECTION_END = 0x03;
export const QEMU_VM_SECTION_FULL = 0x04;
export const QEMU_VM_SUBSECTION = 0x05;
export const QEMU_VM_VMDESCRIPTION = 0x06;
export const QEMU_VM_CONFIGURATION = 0x07;
export const QEMU_VM_COMMAND = 0x08;
export const QEMU_VM_SECTION_FOOTER = 0x7e;

export const VMS_NULLPTR_MARKER = 0x30;

export const SECTION_TYPE_NAMES: Record<number, string> = {
  0x00: 'EOF',
  0x01: 'START',
  0x02: 'PART',
  0x03: 'END',
  0x04: 'FULL',
  0x05: 'SUBSECTION',
  0x06: 'VMDESCRIPTION',
  0x07: 'CONFIGURATION',
  0x08: 'COMMAND',
  0x7e: 'FOOTER',
};
