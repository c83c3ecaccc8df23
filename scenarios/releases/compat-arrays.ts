/**
 * QEMU's compat arrays as facts (hw/core/machine.c `hw_compat_X_Y`,
 * hw/i386/pc.c `pc_compat_X_Y`), keyed by their C names, for the machine
 * versions the release models offer (7.0 and newer). A release's tree
 * holds the arrays of every machine version older than its newest one.
 *
 * The content is what QEMU 10.0.2's `query-machines` (compat-props) shows,
 * split into the generic and the PC array by where each entry lives in the
 * tree, plus the entries an older tree lacked or held elsewhere:
 * hw_compat_8_2's virtio-gpu line, which 9.0.0 did not have (added by the
 * 9.0.1 stable fix), hw_compat_7_1's virtio-rng-pci lines, which 7.2.0 did
 * not have, hw_compat_7_2's x-pcie-err-unc-mask (8.0.1 and 8.1.0 on), and
 * the USO lines 8.2.0 and 9.0.0 had in hw_compat_8_0 instead of hw_compat_8_1.
 * test/catalogue/compat-facts.ts holds the same facts with their sources.
 */
import type { CompatEntry } from '../../src/machine/types.js';

const e = (driver: string, property: string, value: string): CompatEntry => ({ driver, property, value });

export const hw_compat_7_0: CompatEntry[] = [e('arm-gicv3-common', 'force-8-bit-prio', 'on'), e('nvme-ns', 'eui64-default', 'on')];
export const pc_compat_7_0: CompatEntry[] = [];

/**
 * hw_compat_7_1 as released in 7.2.0: 7.2 raised virtio-rng-pci's `vectors`
 * default to 2 (MSI-X) without keeping 0 for older machine types. The fix
 * ("virtio-rng-pci: fix migration compat for vectors" and "…fix
 * transitional migration compat for vectors") came after 7.2.0, in 7.2.1
 * and 8.0.0 (Debian's 7.2 packages pick both from upstream master).
 */
export const hw_compat_7_1_v720: CompatEntry[] = [e('virtio-device', 'queue_reset', 'false')];
export const hw_compat_7_1: CompatEntry[] = [
  ...hw_compat_7_1_v720,
  e('virtio-rng-pci', 'vectors', '0'),
  e('virtio-rng-pci-transitional', 'vectors', '0'),
  e('virtio-rng-pci-non-transitional', 'vectors', '0'),
];
export const pc_compat_7_1: CompatEntry[] = [];

/**
 * hw_compat_7_2 as released in 8.0.0: 8.0 made AER's uncorrectable-error
 * mask register writable for every machine type, so a PCIe device with AER
 * (e1000e) at pc-*-7.2 rejects 7.2's config space and 7.2 rejects 8.0's.
 */
export const hw_compat_7_2_v800: CompatEntry[] = [
  e('e1000e', 'migrate-timadj', 'off'),
  e('virtio-mem', 'x-early-migration', 'false'),
  e('migration', 'x-preempt-pre-7-2', 'true'),
];
/** hw_compat_7_2 from 8.1.0: "hw/pci: Disable PCI_ERR_UNCOR_MASK register for machine type < 8.0" (also in 8.0's later stable releases). */
export const hw_compat_7_2: CompatEntry[] = [...hw_compat_7_2_v800, e('pci-device', 'x-pcie-err-unc-mask', 'off')];
export const pc_compat_7_2: CompatEntry[] = [e('ICH9-LPC', 'noreboot', 'true')];

export const hw_compat_8_0: CompatEntry[] = [
  e('migration', 'multifd-flush-after-each-section', 'on'),
  e('pci-device', 'x-pcie-ari-nextfn-1', 'on'),
];
export const pc_compat_8_0: CompatEntry[] = [e('virtio-mem', 'unplugged-inaccessible', 'auto')];

/** virtio-net's USO properties (53da8b5a99, 8.2) and their compat entries, set off for older machine types. */
const uso_off: CompatEntry[] = [
  e('virtio-net-device', 'host_uso', 'off'),
  e('virtio-net-device', 'guest_uso4', 'off'),
  e('virtio-net-device', 'guest_uso6', 'off'),
];
/**
 * hw_compat_8_0 and hw_compat_8_1 as 8.2.0 and 9.0.0 released them: the USO
 * entries landed in hw_compat_8_0, so at pc-*-8.1 an 8.2/9.0 virtio-net
 * offers USO that 8.1 lacks (with a tap peer). 9710401276a0 "hw/core/machine:
 * move compatibility flags for VirtIO-net USO to machine 8.1" (master, 9.1
 * cycle; stable 8.2.5 and 9.0.1, per the v9.0.1 announcement) moved them.
 */
export const hw_compat_8_0_v820: CompatEntry[] = [...hw_compat_8_0, ...uso_off];
export const hw_compat_8_1_v820: CompatEntry[] = [
  e('base-pci-bridge', 'x-pci-express-writeable-slt-bug', 'true'),
  e('ramfb', 'x-migrate', 'off'),
  e('vfio-pci-nohotplug', 'x-ramfb-migrate', 'off'),
  e('igb', 'x-pcie-flr-init', 'off'),
];
/** hw_compat_8_1 from 9.0.1 (and 8.2.5, not modelled) on: with the USO entries. */
export const hw_compat_8_1: CompatEntry[] = [...hw_compat_8_1_v820, ...uso_off];
export const pc_compat_8_1: CompatEntry[] = [];

/** hw_compat_8_2 as released in 9.0.0. */
export const hw_compat_8_2_v900: CompatEntry[] = [
  e('migration', 'zero-page-detection', 'legacy'),
  e('virtio-iommu-pci', 'granule', '4k'),
  e('virtio-iommu-pci', 'aw-bits', '64'),
];
/** hw_compat_8_2 from 9.0.1 (stable backport of "virtio-gpu: fix v2 migration") and 9.1. */
export const hw_compat_8_2_v901: CompatEntry[] = [...hw_compat_8_2_v900, e('virtio-gpu-device', 'x-scanout-vmstate-version', '1')];
export const hw_compat_8_2 = hw_compat_8_2_v901;
export const pc_compat_8_2: CompatEntry[] = [];

export const hw_compat_9_0: CompatEntry[] = [
  e('arm-cpu', 'backcompat-cntfrq', 'true'),
  e('scsi-hd', 'migrate-emulated-scsi-request', 'false'),
  e('scsi-cd', 'migrate-emulated-scsi-request', 'false'),
  e('vfio-pci', 'skip-vsc-check', 'false'),
  e('virtio-pci', 'x-pcie-pm-no-soft-reset', 'off'),
  e('sd-card', 'spec_version', '2'),
];
export const pc_compat_9_0: CompatEntry[] = [
  e('x86_64-cpu', 'x-amd-topoext-features-only', 'false'),
  e('x86_64-cpu', 'x-l1-cache-per-thread', 'false'),
  e('x86_64-cpu', 'guest-phys-bits', '0'),
  e('sev-guest', 'legacy-vm-type', 'on'),
  e('x86_64-cpu', 'legacy-multi-node', 'on'),
];

export const hw_compat_9_1: CompatEntry[] = [e('pci-device', 'x-pcie-ext-tag', 'false')];
export const pc_compat_9_1: CompatEntry[] = [
  e('ICH9-LPC', 'x-smi-swsmi-timer', 'off'),
  e('ICH9-LPC', 'x-smi-periodic-timer', 'off'),
  e('intel-iommu', 'stale-tm', 'on'),
  e('intel-iommu', 'aw-bits', '39'),
];

export const hw_compat_9_2: CompatEntry[] = [
  e('arm-cpu', 'backcompat-pauth-default-use-qarma5', 'true'),
  e('virtio-balloon-pci', 'vectors', '0'),
  e('virtio-balloon-pci-transitional', 'vectors', '0'),
  e('virtio-balloon-pci-non-transitional', 'vectors', '0'),
  e('virtio-mem-pci', 'vectors', '0'),
  e('migration', 'multifd-clean-tls-termination', 'false'),
  e('migration', 'send-switchover-start', 'off'),
  e('vfio-pci', 'x-migration-multifd-transfer', 'off'),
];
export const pc_compat_9_2: CompatEntry[] = [];

/** q35's own board default (9.0+), applied before every version array. */
export const q35_defaults_9_0: CompatEntry[] = [e('virtio-iommu-pci', 'aw-bits', '39')];
