import { deriveRelease } from './build.js';
import { release_8_2_0 } from './8.2.0.js';
import { hw_compat_8_2_v900, pc_compat_8_2, q35_defaults_9_0 } from './compat-arrays.js';

/**
 * 8.2.0 plus: the 9.0 machine types, hw_compat_8_2 (without the virtio-gpu
 * line 9.0.1 adds), q35's aw-bits board default, virtio-gpu's scanout v2,
 * globalstate's suspended flag.
 */
export const release_9_0_0 = deriveRelease(release_8_2_0, {
  name: '9.0.0',
  machine: '9.0',
  arrays: { hw_compat_8_2: hw_compat_8_2_v900, pc_compat_8_2 },
  q35Defaults: q35_defaults_9_0,
});
