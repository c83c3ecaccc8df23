/** pckbd: pre_save sends `pending`, not the generated pending_tmp; keep them equal. */
import type { DeviceGen } from '../../../src/gen/index.js';
import type { State } from '../../../src/vmstate/types.js';

export const pckbdGen: DeviceGen = {
  refine(s) {
    const k = s.kbd as State;
    k.pending = k.pending_tmp;
    return s;
  },
};
