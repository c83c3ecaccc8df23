import { deriveRelease } from './build.js';
import { release_8_0_0 } from './8.0.0.js';
import { hw_compat_7_2, hw_compat_8_0, pc_compat_8_0 } from './compat-arrays.js';

/** 8.0.0 plus the 8.1 machine types, the 8.0 arrays, and hw_compat_7_2's x-pcie-err-unc-mask entry. */
export const release_8_1_0 = deriveRelease(release_8_0_0, { name: '8.1.0', machine: '8.1', arrays: { hw_compat_7_2, hw_compat_8_0, pc_compat_8_0 } });
