import { deriveRelease } from './build.js';
import { release_7_2_1 } from './7.2.1.js';

/**
 * 7.2.1 plus the stable backport of 1fac00f70b32 "virtio-net: not enable vq
 * reset feature unconditionally" (qemu-stable 7.2.3: patch 44 of the v7.2.3
 * staging list on qemu-devel; as 302ac06ab9):
 * virtio-net no longer offers VIRTIO_F_RING_RESET where hw_compat_7_1's
 * queue_reset=false says not to (ringResetAlways in devices/virtio-net.ts).
 * No compat array changes. The 7.2.22 tree has the fix, so this release
 * models the real 7.2.22 binary (modelByVersion takes the newest 7.2.x).
 */
export const release_7_2_3 = deriveRelease(release_7_2_1, { name: '7.2.3' });
