import { deriveRelease } from './build.js';
import { release_7_2_0 } from './7.2.0.js';
import { hw_compat_7_1, hw_compat_7_2, pc_compat_7_2 } from './compat-arrays.js';

/** 7.2.0 plus the 8.0 machine types, the 7.2 arrays, and hw_compat_7_1's virtio-rng-pci fix (also in 7.2.1). */
export const release_8_0_0 = deriveRelease(release_7_2_0, { name: '8.0.0', machine: '8.0', arrays: { hw_compat_7_1, hw_compat_7_2, pc_compat_7_2 } });
