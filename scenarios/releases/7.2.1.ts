import { deriveRelease } from './build.js';
import { release_7_2_0 } from './7.2.0.js';
import { hw_compat_7_1 } from './compat-arrays.js';

/**
 * 7.2.0 plus the stable fix "virtio-rng-pci: fix migration compat for
 * vectors" and its transitional follow-up: hw_compat_7_1 gains the three
 * virtio-rng-pci* vectors=0 lines (Debian's v7.2.1.diff over the 7.2.0
 * tarball; hw/core/machine.c of 7.2.22 has them). The real 7.2.22 binary is
 * modelled by this release (modelByVersion takes the newest 7.2.x model).
 */
export const release_7_2_1 = deriveRelease(release_7_2_0, { name: '7.2.1', arrays: { hw_compat_7_1 } });
