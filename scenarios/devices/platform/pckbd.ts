/**
 * pckbd, the i8042 keyboard controller (hw/input/pckbd.c): the ISA wrapper
 * VMSD `pckbd` nests the controller's own VMSD, also named `pckbd`, whose
 * subsections follow its four bytes: `pckbd_outport` (the output port
 * when it differs from its default) and `pckbd/extended_state` (no version
 * set, so 0; sent when the `extended-state` property is on — hw_compat_6_0
 * turns it off).
 *
 * pre_save copies the pending-IRQ bits into pending_tmp; post_load takes
 * them back and puts the output port back to its default when the stream
 * did not carry it.
 */
import { VMSTATE_STRUCT, VMSTATE_UINT32, VMSTATE_UINT8 } from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

/** kbd_outport_default: A20 enabled and the CPU not held in reset. */
export const KBD_OUTPORT_DEFAULT = 0x03;

export const vmstate_kbd: VMStateDescription = {
  name: 'pckbd',
  version_id: 3,
  minimum_version_id: 3,
  pre_save(s) {
    s.pending_tmp = s.pending;
  },
  pre_load(s) {
    s.outport_present = false;
  },
  post_load(s) {
    if (!s.outport_present) s.outport = KBD_OUTPORT_DEFAULT;
    s.outport_present = false;
    s.pending = s.pending_tmp;
  },
  fields: [VMSTATE_UINT8('write_cmd'), VMSTATE_UINT8('status'), VMSTATE_UINT8('mode'), VMSTATE_UINT8('pending_tmp')],
  subsections: [
    {
      name: 'pckbd_outport',
      version_id: 1,
      minimum_version_id: 1,
      needed: (s) => Number(s.outport) !== KBD_OUTPORT_DEFAULT,
      post_load(s) {
        s.outport_present = true;
      },
      fields: [VMSTATE_UINT8('outport')],
    },
    {
      name: 'pckbd/extended_state',
      version_id: 0,
      needed: (_s, ctx) => ctx.props['extended-state'] === true,
      fields: [VMSTATE_UINT32('migration_flags'), VMSTATE_UINT32('obsrc'), VMSTATE_UINT8('obdata'), VMSTATE_UINT8('cbdata')],
    },
  ],
};

export const vmstate_kbd_isa: VMStateDescription = {
  name: 'pckbd',
  version_id: 3,
  minimum_version_id: 3,
  fields: [VMSTATE_STRUCT('kbd', 0, vmstate_kbd)],
};

export function kbdReset(): State {
  return {
    write_cmd: 0,
    status: 0x18,
    mode: 0x03,
    pending: 0,
    pending_tmp: 0,
    outport: KBD_OUTPORT_DEFAULT,
    outport_present: false,
    migration_flags: 0,
    obsrc: 0,
    obdata: 0,
    cbdata: 0,
  };
}

export function pckbd(): DeviceClass {
  return {
    name: 'pckbd',
    type: 'i8042',
    parents: ['isa-device', 'device'],
    props: {
      'extended-state': { type: 'bool', default: true },
      'kbd-throttle': { type: 'bool', default: false },
    },
    vmsd: vmstate_kbd_isa,
    idstr: 'pckbd',
    instanceId: 0,
    reset: () => ({ kbd: kbdReset() }),
  };
}
