import { deriveRelease } from './build.js';
import { release_9_0_1 } from './9.0.1.js';
import { hw_compat_9_0, pc_compat_9_0 } from './compat-arrays.js';

/** 9.0.1 plus the 9.1 machine types and the 9.0 arrays; virtio-pci gains x-pcie-pm-no-soft-reset (hw_compat_9_0 sets it). */
export const release_9_1_0 = deriveRelease(release_9_0_1, {
  name: '9.1.0',
  machine: '9.1',
  arrays: { hw_compat_9_0, pc_compat_9_0 },
  typeProps: { 'virtio-pci': ['x-pcie-pm-no-soft-reset'] },
});
