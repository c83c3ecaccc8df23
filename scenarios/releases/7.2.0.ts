import { deriveRelease } from './build.js';
import { hw_compat_7_0, hw_compat_7_1_v720, pc_compat_7_0, pc_compat_7_1 } from './compat-arrays.js';

/**
 * QEMU 7.2.0: machine types 7.0–7.2 (of those the models offer), arrays for
 * 7.0 and 7.1 — hw_compat_7_1 without the virtio-rng-pci lines 7.2.1 added.
 */
const first = deriveRelease(null, { name: '7.0-7.1', machine: '7.0' });
const mid = deriveRelease(first, { name: '7.1-7.2', machine: '7.1' });

export const release_7_2_0 = deriveRelease(mid, {
  name: '7.2.0',
  machine: '7.2',
  arrays: { hw_compat_7_0, pc_compat_7_0, hw_compat_7_1: hw_compat_7_1_v720, pc_compat_7_1 },
});
