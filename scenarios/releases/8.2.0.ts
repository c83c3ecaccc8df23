import { deriveRelease } from './build.js';
import { release_8_1_0 } from './8.1.0.js';
import { hw_compat_8_0_v820, hw_compat_8_1_v820, pc_compat_8_1 } from './compat-arrays.js';

/**
 * 8.1.0 plus the 8.2 machine types and the 8.1 arrays, with virtio-net's
 * USO entries in hw_compat_8_0 rather than hw_compat_8_1 (as 8.2.0 and 9.0.0
 * shipped them: compat-arrays.ts hw_compat_8_0_v820); virtio-gpu gains its
 * blob subsection and post_load; the JSON description gains the
 * configuration section's entry (2aae1eb8da65).
 */
export const release_8_2_0 = deriveRelease(release_8_1_0, {
  name: '8.2.0',
  machine: '8.2',
  arrays: { hw_compat_8_0: hw_compat_8_0_v820, hw_compat_8_1: hw_compat_8_1_v820, pc_compat_8_1 },
  vmdescConfiguration: true,
});
