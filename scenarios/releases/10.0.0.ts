import { deriveRelease } from './build.js';
import { release_9_2_0 } from './9.2.0.js';
import { hw_compat_9_2, pc_compat_9_2 } from './compat-arrays.js';

/**
 * 9.2.0 plus the 10.0 machine types, the 9.2 arrays, hpet's num_timers_save,
 * and the JSON writer that describes arrays run by run (35049eb0d2fc) and
 * a null pointer as a `nullptr` field (9867c3a7ced1).
 */
export const release_10_0_0 = deriveRelease(release_9_2_0, {
  name: '10.0.0',
  machine: '10.0',
  arrays: { hw_compat_9_2, pc_compat_9_2 },
  vmdescArrays: 'runs',
  vmdescNullptr: 'nullptr',
});
