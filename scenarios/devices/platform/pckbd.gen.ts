/**
 * pckbd: pre_save sends `pending` (not a generated pending_tmp) and only
 * the timer-pending bit of migration_flags; post_load keeps four pending
 * bits. Generate what survives that.
 */
import type { DeviceGen } from '../../../src/gen/index.js';
import type { State } from '../../../src/vmstate/types.js';
import { KBD_PENDING_MASK } from './pckbd.js';

export const pckbdGen: DeviceGen = {
  refine(s) {
    const k = s.kbd as State;
    k.pending_tmp = Number(k.pending_tmp) & KBD_PENDING_MASK;
    k.pending = k.pending_tmp;
    k.migration_flags = Number(k.migration_flags) & 1;
    return s;
  },
};
