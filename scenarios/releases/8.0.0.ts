import { deriveRelease } from './build.js';
import { hw_compat_7_2_v800, pc_compat_7_2 } from './compat-arrays.js';
import { release_7_2_1 } from './7.2.1.js';

/**
 * 7.2.1 (hw_compat_7_1's virtio-rng-pci fix, which 8.0.0 has too) plus the
 * 8.0 machine types and the 7.2 arrays as 8.0.0 released them: without
 * x-pcie-err-unc-mask, which 8.1.0 added.
 */
export const release_8_0_0 = deriveRelease(release_7_2_1, { name: '8.0.0', machine: '8.0', arrays: { hw_compat_7_2: hw_compat_7_2_v800, pc_compat_7_2 } });
