/**
 * i8259 PIC (hw/intc/i8259_common.c): two instances of `isa-i8259`
 * (master, then slave) register the plain idstr `i8259`, so they are
 * instances 0 and 1, with their I/O bases 0x20 and 0xa0 as alias ids
 * (qdev_set_legacy_instance_id). Sixteen uint8 registers and the `i8259/ltim`
 * subsection (level-triggered mode via ICW1), sent only when set.
 * pre_save/post_load only matter for the KVM variant.
 */
import { VMSTATE_UINT8 } from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

const REGS = [
  'last_irr',
  'irr',
  'imr',
  'isr',
  'priority_add',
  'irq_base',
  'read_reg_select',
  'poll',
  'special_mask',
  'init_state',
  'auto_eoi',
  'rotate_on_auto_eoi',
  'special_fully_nested_mode',
  'init4',
  'single_mode',
  'elcr',
] as const;

/**
 * 7.2's i8259 has no subsection (hw/intc/i8259_common.c of 7.2.0 and
 * 7.2.22; the real 7.2 -dump-vmstate agrees); 8.0.0 and later have
 * i8259/ltim: ecb0e98b4f24 "hw/intc/i8259: Implement legacy LTIM
 * Edge/Level Bank Select" came in the pull tags/mips-misc-20230308, which
 * PMM applied on 2023-03-09 asking for ChangeLog/8.0 (qemu-devel "Re:
 * [PULL 00/20] MIPS patches for 2023-03-07"), before 8.0's rc0.
 */
export function i8259HasLtim(release: string): boolean {
  const [a, b] = release.split('.').map(Number) as [number, number];
  return a * 100 + b >= 800;
}

export const vmstate_pic_common: VMStateDescription = {
  name: 'i8259',
  version_id: 1,
  minimum_version_id: 1,
  fields: REGS.map((r) => VMSTATE_UINT8(r)),
  subsections: [
    {
      name: 'i8259/ltim',
      version_id: 1,
      minimum_version_id: 1,
      needed: (s) => Number(s.ltim) !== 0,
      fields: [VMSTATE_UINT8('ltim')],
    },
  ],
};

export function picReset(): State {
  const s: State = Object.fromEntries(REGS.map((r) => [r, 0]));
  s.ltim = 0;
  return s;
}

const { subsections: _ltim, ...vmstate_pic_common_7_2 } = vmstate_pic_common;

export function i8259(ltim = true): DeviceClass {
  return {
    name: 'i8259',
    type: 'isa-i8259',
    parents: ['pic-common', 'isa-device', 'device'],
    props: {
      iobase: { type: 'uint32', default: 0x20 },
      elcr_addr: { type: 'uint32', default: 0x4d0 },
      elcr_mask: { type: 'uint8', default: 0xf8 },
      master: { type: 'bool', default: true },
    },
    vmsd: ltim ? vmstate_pic_common : vmstate_pic_common_7_2,
    idstr: 'i8259',
    instanceId: 0,
    // pic_common_realize: qdev_set_legacy_instance_id(dev, s->iobase, 1), so a stream from before qdev numbers each PIC by its I/O base
    aliasIdOf: (p) => Number(p.iobase),
    // i8259_init_chip (hw/intc/i8259_common.c), master then slave
    instanceProps: [
      { iobase: 0x20, elcr_addr: 0x4d0, elcr_mask: 0xf8, master: true },
      { iobase: 0xa0, elcr_addr: 0x4d1, elcr_mask: 0xde, master: false },
    ],
    reset: picReset,
  };
}
