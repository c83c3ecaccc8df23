/**
 * ps2kbd/ps2mouse: generate rings ps2_common_post_load leaves alone (it
 * sanitises, never rejects). The mouse does not migrate cwptr, so a mouse
 * state has no command replies queued (the destination would count them
 * as data).
 */
import type { DeviceGen } from '../../../src/gen/index.js';
import type { State } from '../../../src/vmstate/types.js';
import { PS2_BUFFER_SIZE, PS2_QUEUE_HEADROOM, PS2_QUEUE_SIZE, ps2CommonPostLoad } from './ps2.js';

export const ps2Gen: DeviceGen = {
  refine(s) {
    const q = s.parent_obj as State;
    if (!('scan_enabled' in s)) s['parent_obj.queue.cwptr'] = -1;
    const cw = Number(s['parent_obj.queue.cwptr']);
    if (cw !== -1) s['parent_obj.queue.cwptr'] = (Number(q['queue.rptr']) + 1 + (Math.abs(cw) % PS2_QUEUE_HEADROOM)) & (PS2_BUFFER_SIZE - 1);
    q['queue.count'] = Math.abs(Number(q['queue.count'])) % (PS2_QUEUE_SIZE + 1);
    ps2CommonPostLoad(s);
    return s;
  },
};
