/**
 * QEMU's compat arrays as facts (hw/core/machine.c, hw/i386/pc.c), keyed by
 * their C names. A release's tree holds the arrays of every machine version
 * older than its newest; see each release file for which ones.
 */
import type { CompatEntry } from '../../src/machine/types.js';

const e = (driver: string, property: string, value: string): CompatEntry => ({ driver, property, value });

export const hw_compat_8_0: CompatEntry[] = [
  e('migration', 'multifd-flush-after-each-section', 'on'),
  e('pci-device', 'x-pcie-ari-nextfn-1', 'on'),
];

export const hw_compat_8_1: CompatEntry[] = [
  e('base-pci-bridge', 'x-pci-express-writeable-slt-bug', 'true'),
  e('ramfb', 'x-migrate', 'off'),
  e('vfio-pci-nohotplug', 'x-ramfb-migrate', 'off'),
  e('igb', 'x-pcie-flr-init', 'off'),
  e('virtio-net-device', 'host_uso', 'off'),
  e('virtio-net-device', 'guest_uso4', 'off'),
  e('virtio-net-device', 'guest_uso6', 'off'),
];

/** hw_compat_8_2 as released in 9.0.0. */
export const hw_compat_8_2_v900: CompatEntry[] = [
  e('migration', 'zero-page-detection', 'legacy'),
  e('virtio-iommu-pci', 'granule', '4k'),
  e('virtio-iommu-pci', 'aw-bits', '64'),
];

/** hw_compat_8_2 from 9.0.1 (stable backport of "virtio-gpu: fix v2 migration") and 9.1. */
export const hw_compat_8_2_v901: CompatEntry[] = [...hw_compat_8_2_v900, e('virtio-gpu-device', 'x-scanout-vmstate-version', '1')];

export const pc_compat_8_0: CompatEntry[] = [e('virtio-mem', 'unplugged-inaccessible', 'auto')];
export const pc_compat_8_1: CompatEntry[] = [];
export const pc_compat_8_2: CompatEntry[] = [];

/** q35's own board default (9.0+), applied before every version array. */
export const q35_defaults_9_0: CompatEntry[] = [e('virtio-iommu-pci', 'aw-bits', '39')];
