/**
 * globalstate: a run-state name QEMU knows (anything else fails post_load),
 * picked by the generated buffer's first byte. A 9.0+ sender's
 * vm_was_suspended is set only with the run state `suspended` (where
 * post_load would set it anyway): releases before 9.0 cannot carry it
 * otherwise (the flag is lost on a round trip through them, which
 * test/catalogue shows), and the matrix checks what every release keeps.
 */
import type { DeviceGen } from '../../../src/gen/index.js';
import { RUN_STATES, runstateBytes } from './globalstate.js';

export const globalstateGen: DeviceGen = {
  refine(s) {
    const key = 'runstate32' in s ? 'runstate32' : 'runstate';
    const buf = s[key] as Uint8Array;
    const name = RUN_STATES[buf[0]! % RUN_STATES.length]!;
    s[key] = runstateBytes(name, buf.length);
    s.size = name.length + 1;
    if ('vm_was_suspended' in s) {
      s.has_vm_was_suspended = 1;
      s.vm_was_suspended = name === 'suspended' ? 1 : 0;
      s.unused = new Uint8Array(66);
    }
    return s;
  },
};
