import { virtioGpu } from '../devices/virtio-gpu.js';
import { hw_compat_8_2_v901 } from './compat-arrays.js';
import { release9_0 } from './9.0.0.js';

/** 9.0.0 plus the stable fix "virtio-gpu: fix v2 migration": scanout v1 with test-gated fb.*, and its hw_compat_8_2 entry. */
export const release_9_0_1 = release9_0('9.0.1', hw_compat_8_2_v901, virtioGpu('9.0.1'));
