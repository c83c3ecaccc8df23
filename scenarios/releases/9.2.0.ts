import { deriveRelease } from './build.js';
import { release_9_1_0 } from './9.1.0.js';
import { hw_compat_9_1, pc_compat_9_1 } from './compat-arrays.js';

/** 9.1.0 plus the 9.2 machine types and the 9.1 arrays; PCIDevice gains x-pcie-ext-tag (hw_compat_9_1 sets it). */
export const release_9_2_0 = deriveRelease(release_9_1_0, {
  name: '9.2.0',
  machine: '9.2',
  arrays: { hw_compat_9_1, pc_compat_9_1 },
  typeProps: { 'pci-device': ['x-pcie-ext-tag'] },
});
