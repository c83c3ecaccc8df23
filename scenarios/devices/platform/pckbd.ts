/**
 * pckbd, the i8042 keyboard controller (hw/input/pckbd.c): the ISA wrapper
 * VMSD `pckbd` nests the controller's own VMSD, also named `pckbd`, whose
 * subsections follow its four bytes: `pckbd_outport` (the output port
 * when it differs from its default) and `pckbd/extended_state` (no version
 * set, so 0; sent when the `extended-state` property is on — hw_compat_6_0
 * turns it off).
 *
 * pre_save copies the pending-IRQ bits into pending_tmp (folded into the
 * old compat bits without extended state); post_load takes them back,
 * keeps only the four defined bits, puts the output port back to its
 * default (which follows the status register's OBF bits) when the stream
 * did not carry it, and derives obsrc from the status register when the
 * extended state did not come. The extended state's pre_save reduces
 * migration_flags to "the throttle timer is pending".
 */
import { VMSTATE_STRUCT, VMSTATE_UINT32, VMSTATE_UINT8 } from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

const KBD_OUT_RESET = 0x01;
const KBD_OUT_A20 = 0x02;
const KBD_OUT_OBF = 0x10;
const KBD_OUT_MOUSE_OBF = 0x20;
const KBD_OUT_ONES = 0xcc;
const KBD_STAT_OBF = 0x01;
const KBD_STAT_MOUSE_OBF = 0x20;
const KBD_PENDING_KBD_COMPAT = 0x01;
const KBD_PENDING_AUX_COMPAT = 0x02;
const KBD_PENDING_KBD = 0x01;
const KBD_PENDING_AUX = 0x02;
/** The bits post_load keeps: KBD, AUX, CTRL_KBD, CTRL_AUX. */
export const KBD_PENDING_MASK = 0x0f;
const KBD_MIGR_TIMER_PENDING = 0x1;
const KBD_OBSRC_KBD = 0x01;
const KBD_OBSRC_MOUSE = 0x02;

/** kbd_outport_default: not in reset, A20 on, the always-one bits, and the status register's output-buffer-full bits. */
export function kbdOutportDefault(s: State): number {
  const status = Number(s.status);
  return KBD_OUT_RESET | KBD_OUT_A20 | KBD_OUT_ONES | (status & KBD_STAT_OBF ? KBD_OUT_OBF : 0) | (status & KBD_STAT_MOUSE_OBF ? KBD_OUT_MOUSE_OBF : 0);
}

export const vmstate_kbd: VMStateDescription = {
  name: 'pckbd',
  version_id: 3,
  minimum_version_id: 3,
  pre_save(s, ctx) {
    const pending = Number(s.pending);
    if (ctx.props['extended-state'] === true) s.pending_tmp = pending;
    else s.pending_tmp = (pending & KBD_PENDING_KBD ? KBD_PENDING_KBD_COMPAT : 0) | (pending & KBD_PENDING_AUX ? KBD_PENDING_AUX_COMPAT : 0);
  },
  pre_load(s) {
    s.outport_present = false;
    s.extended_state_loaded = false;
  },
  post_load(s) {
    if (!s.outport_present) s.outport = kbdOutportDefault(s);
    let pending = Number(s.pending_tmp);
    if (!s.extended_state_loaded) {
      const status = Number(s.status);
      s.obsrc = status & KBD_STAT_OBF ? (status & KBD_STAT_MOUSE_OBF ? KBD_OBSRC_MOUSE : KBD_OBSRC_KBD) : 0;
      if (pending & KBD_PENDING_KBD_COMPAT) pending |= KBD_PENDING_KBD;
      if (pending & KBD_PENDING_AUX_COMPAT) pending |= KBD_PENDING_AUX;
    }
    s.pending = pending & KBD_PENDING_MASK;
  },
  fields: [VMSTATE_UINT8('write_cmd'), VMSTATE_UINT8('status'), VMSTATE_UINT8('mode'), VMSTATE_UINT8('pending_tmp')],
  subsections: [
    {
      name: 'pckbd_outport',
      version_id: 1,
      minimum_version_id: 1,
      needed: (s) => Number(s.outport) !== kbdOutportDefault(s),
      post_load(s) {
        s.outport_present = true;
      },
      fields: [VMSTATE_UINT8('outport')],
    },
    {
      name: 'pckbd/extended_state',
      version_id: 0,
      needed: (_s, ctx) => ctx.props['extended-state'] === true,
      pre_save(s) {
        s.migration_flags = Number(s.migration_flags) & KBD_MIGR_TIMER_PENDING;
      },
      post_load(s) {
        s.extended_state_loaded = true;
      },
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
    status: 0x18, // KBD_STAT_CMD | KBD_STAT_UNLOCKED
    mode: 0x03,
    pending: 0,
    pending_tmp: 0,
    outport: KBD_OUT_RESET | KBD_OUT_A20 | KBD_OUT_ONES,
    outport_present: false,
    extended_state_loaded: false,
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
