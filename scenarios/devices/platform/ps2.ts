/**
 * ps2kbd and ps2mouse (hw/input/ps2.c): each nests the `PS2 Common State`
 * (the 256-byte scancode ring and its pointers) as `parent_obj`.
 *
 * post_load (ps2_common_post_load) never rejects, it sanitises the ring:
 * rptr wraps into the buffer, count is held to the queue size (plus the
 * command replies that `cwptr` marks), and wptr and cwptr are recomputed
 * from them. Only the keyboard migrates `cwptr` (subsection
 * command_reply_queue, no version set, sent while it is not -1); without
 * it the destination's own value, -1 after reset, stands. The mouse has
 * no subsections at all.
 */
import { VMSTATE_BOOL, VMSTATE_BUFFER, VMSTATE_INT32, VMSTATE_INT32_V, VMSTATE_STRUCT, VMSTATE_UINT8 } from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

export const PS2_BUFFER_SIZE = 256;
export const PS2_QUEUE_SIZE = 16;
export const PS2_QUEUE_HEADROOM = 8;

export const vmstate_ps2_common: VMStateDescription = {
  name: 'PS2 Common State',
  version_id: 3,
  minimum_version_id: 2,
  fields: [
    VMSTATE_INT32('write_cmd'),
    VMSTATE_INT32('queue.rptr'),
    VMSTATE_INT32('queue.wptr'),
    VMSTATE_INT32('queue.count'),
    VMSTATE_BUFFER('queue.data', PS2_BUFFER_SIZE),
  ],
};

/** ps2_common_post_load on the nested common state (whose cwptr lives beside it in the device). */
export function ps2CommonPostLoad(dev: State): void {
  const q = dev.parent_obj as State;
  const cwptr = Number(dev['parent_obj.queue.cwptr']);
  const rptr0 = Number(q['queue.rptr']);
  let ccount = 0;
  if (cwptr !== -1) {
    ccount = (cwptr - rptr0) & (PS2_BUFFER_SIZE - 1);
    if (ccount > PS2_QUEUE_HEADROOM) ccount = PS2_QUEUE_HEADROOM;
  }
  let count = Number(q['queue.count']);
  if (count < ccount) count = ccount;
  else if (count > ccount + PS2_QUEUE_SIZE) count = ccount + PS2_QUEUE_SIZE;
  const rptr = rptr0 & (PS2_BUFFER_SIZE - 1);
  q['queue.count'] = count;
  q['queue.rptr'] = rptr;
  q['queue.wptr'] = (rptr + count) & (PS2_BUFFER_SIZE - 1);
  dev['parent_obj.queue.cwptr'] = ccount ? (rptr + ccount) & (PS2_BUFFER_SIZE - 1) : -1;
}

const vmstate_ps2_keyboard_cqueue: VMStateDescription = {
  name: 'ps2kbd/command_reply_queue',
  version_id: 0,
  needed: (s) => Number(s['parent_obj.queue.cwptr']) !== -1,
  fields: [VMSTATE_INT32('parent_obj.queue.cwptr')],
};

export const vmstate_ps2_keyboard: VMStateDescription = {
  name: 'ps2kbd',
  version_id: 3,
  minimum_version_id: 2,
  post_load(s, version) {
    if (version === 2) s.scancode_set = 2;
    ps2CommonPostLoad(s);
  },
  fields: [
    VMSTATE_STRUCT('parent_obj', 0, vmstate_ps2_common),
    VMSTATE_INT32('scan_enabled'),
    VMSTATE_INT32('translate'),
    VMSTATE_INT32_V('scancode_set', 3),
  ],
  subsections: [
    { name: 'ps2kbd/ledstate', version_id: 3, minimum_version_id: 2, needed: (s) => Number(s.ledstate) !== 0, fields: [VMSTATE_INT32('ledstate')] },
    { name: 'ps2kbd/need_high_bit', version_id: 1, minimum_version_id: 1, needed: (s) => s.need_high_bit === true, fields: [VMSTATE_BOOL('need_high_bit')] },
    vmstate_ps2_keyboard_cqueue,
  ],
};

export const vmstate_ps2_mouse: VMStateDescription = {
  name: 'ps2mouse',
  version_id: 2,
  minimum_version_id: 2,
  post_load(s) {
    ps2CommonPostLoad(s);
  },
  fields: [
    VMSTATE_STRUCT('parent_obj', 0, vmstate_ps2_common),
    VMSTATE_UINT8('mouse_status'),
    VMSTATE_UINT8('mouse_resolution'),
    VMSTATE_UINT8('mouse_sample_rate'),
    VMSTATE_UINT8('mouse_wrap'),
    VMSTATE_UINT8('mouse_type'),
    VMSTATE_UINT8('mouse_detect_state'),
    VMSTATE_INT32('mouse_dx'),
    VMSTATE_INT32('mouse_dy'),
    VMSTATE_INT32('mouse_dz'),
    VMSTATE_UINT8('mouse_buttons'),
  ],
};

const common = (): State => ({ write_cmd: -1, 'queue.rptr': 0, 'queue.wptr': 0, 'queue.count': 0, 'queue.data': new Uint8Array(PS2_BUFFER_SIZE) });

export function ps2kbd(): DeviceClass {
  return {
    name: 'ps2kbd',
    type: 'ps2-kbd',
    parents: ['ps2-device', 'sys-bus-device', 'device'],
    props: {},
    vmsd: vmstate_ps2_keyboard,
    idstr: 'ps2kbd',
    instanceId: 0,
    reset: () => ({ parent_obj: common(), 'parent_obj.queue.cwptr': -1, scan_enabled: 1, translate: 0, scancode_set: 2, ledstate: 0, need_high_bit: false }),
  };
}

export function ps2mouse(): DeviceClass {
  return {
    name: 'ps2mouse',
    type: 'ps2-mouse',
    parents: ['ps2-device', 'sys-bus-device', 'device'],
    props: {},
    vmsd: vmstate_ps2_mouse,
    idstr: 'ps2mouse',
    instanceId: 0,
    reset: () => ({
      parent_obj: common(),
      'parent_obj.queue.cwptr': -1,
      mouse_status: 0,
      mouse_resolution: 0,
      mouse_sample_rate: 0,
      mouse_wrap: 0,
      mouse_type: 0,
      mouse_detect_state: 0,
      mouse_dx: 0,
      mouse_dy: 0,
      mouse_dz: 0,
      mouse_buttons: 0,
    }),
  };
}
