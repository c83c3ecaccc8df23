import { deriveRelease } from './build.js';
import { release_9_0_0 } from './9.0.0.js';
import { hw_compat_8_0, hw_compat_8_1, hw_compat_8_2_v901 } from './compat-arrays.js';

/**
 * 9.0.0 plus two stable fixes (the v9.0.1 announcement's changelog): "virtio-gpu:
 * fix v2 migration" (40a23ef643: scanout v1 with test-gated fb.*, and its
 * hw_compat_8_2 entry) and "hw/core/machine: move compatibility flags for
 * VirtIO-net USO to machine 8.1" (9710401276: the USO entries leave
 * hw_compat_8_0 for hw_compat_8_1).
 */
export const release_9_0_1 = deriveRelease(release_9_0_0, { name: '9.0.1', arrays: { hw_compat_8_0, hw_compat_8_1, hw_compat_8_2: hw_compat_8_2_v901 } });
