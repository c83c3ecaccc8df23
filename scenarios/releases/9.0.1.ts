import { deriveRelease } from './build.js';
import { release_9_0_0 } from './9.0.0.js';
import { hw_compat_8_2_v901 } from './compat-arrays.js';

/** 9.0.0 plus the stable fix "virtio-gpu: fix v2 migration": scanout v1 with test-gated fb.*, and its hw_compat_8_2 entry. */
export const release_9_0_1 = deriveRelease(release_9_0_0, { name: '9.0.1', arrays: { hw_compat_8_2: hw_compat_8_2_v901 } });
