/**
 * Compat entries as facts, each with where it comes from. An entry is in
 * array A of every release whose tree has A (the release after A's
 * version, and later), from `since` on if a later release added it.
 *
 * Sources:
 *   Q10  QEMU 10.0.2 `query-machines` with compat-props (pc-*-X minus
 *        pc-*-X+1); the split between hw_compat_X and pc_compat_X follows
 *        the order QEMU applies them (generic array first)
 *   S901 the 9.0.1 stable backport of 40a23ef6 "virtio-gpu: fix v2 migration"
 *   R721 "virtio-rng-pci: fix migration compat for vectors" and "…fix
 *        transitional migration compat for vectors", upstream master after
 *        7.2.0, in 7.2.1 and 8.0.0 (Debian's 7.2+dfsg-5 changelog lists both
 *        as picked from master; Debian's v7.2.1.diff over the 7.2.0 tarball
 *        adds the three lines)
 *   U810 5ed3dabe57dd "hw/pci: Disable PCI_ERR_UNCOR_MASK register for
 *        machine type < 8.0" (master, mst's PULL 19/40 of 2023-05-19, 8.1
 *        cycle), in 8.1.0; backported to 8.0.1 as adc49750d2 (the v8.0.2
 *        announcement's changelog, which carries 8.0.1's), so first in
 *        8.0.1 of the modelled releases; QEMU's 7.2 stable series never
 *        took it (none of Debian's v7.2.N.diff adds it)
 *   U901 53da8b5a99 "virtio-net: Add support for USO features" (8.2 cycle)
 *        put the three USO entries in hw_compat_8_0 (qemu-devel: the
 *        patch and the report that 8.2/9.0 -> 8.1 at pc-*-8.1 fails with
 *        'Features ... unsupported'); 9710401276a0 "hw/core/machine: move
 *        compatibility flags for VirtIO-net USO to machine 8.1" (master,
 *        9.1 cycle) moved them to hw_compat_8_1, backported to 8.2.5 and
 *        9.0.1 (the v9.0.1 announcement's changelog: 41558f42b3)
 *   P910 pc_compat_9_0 in hw/i386/pc.c at 9d38d9dca2a8 (qemu/qemu, July
 *        2024, 9.1 cycle, no pc_compat_9_1 yet): the same five entries as
 *        10.0.2's, so 9.1.0 shipped them
 */
export interface CompatFact {
  array: string;
  driver: string;
  property: string;
  value: string;
  source: string;
  /** First release whose tree has the entry, when later than the array's first. */
  since?: string;
  /** First release whose tree no longer has the entry there (it moved or went). */
  before?: string;
}

const f = (array: string, driver: string, property: string, value: string, source = 'Q10', since?: string, before?: string): CompatFact => ({
  array, driver, property, value, source, since, ...(before ? { before } : {}),
});

export const COMPAT_FACTS: CompatFact[] = [
  f('hw_compat_7_0', 'arm-gicv3-common', 'force-8-bit-prio', 'on'),
  f('hw_compat_7_0', 'nvme-ns', 'eui64-default', 'on'),
  f('hw_compat_7_1', 'virtio-device', 'queue_reset', 'false'),
  f('hw_compat_7_1', 'virtio-rng-pci', 'vectors', '0', 'Q10, R721', '7.2.1'),
  f('hw_compat_7_1', 'virtio-rng-pci-transitional', 'vectors', '0', 'Q10, R721', '7.2.1'),
  f('hw_compat_7_1', 'virtio-rng-pci-non-transitional', 'vectors', '0', 'Q10, R721', '7.2.1'),
  f('hw_compat_7_2', 'e1000e', 'migrate-timadj', 'off'),
  f('hw_compat_7_2', 'virtio-mem', 'x-early-migration', 'false'),
  f('hw_compat_7_2', 'migration', 'x-preempt-pre-7-2', 'true'),
  f('hw_compat_7_2', 'pci-device', 'x-pcie-err-unc-mask', 'off', 'Q10, U810', '8.0.1'),
  f('pc_compat_7_2', 'ICH9-LPC', 'noreboot', 'true'),
  f('hw_compat_8_0', 'migration', 'multifd-flush-after-each-section', 'on'),
  f('hw_compat_8_0', 'pci-device', 'x-pcie-ari-nextfn-1', 'on'),
  f('hw_compat_8_0', 'virtio-net-device', 'host_uso', 'off', 'U901', '8.2.0', '9.0.1'),
  f('hw_compat_8_0', 'virtio-net-device', 'guest_uso4', 'off', 'U901', '8.2.0', '9.0.1'),
  f('hw_compat_8_0', 'virtio-net-device', 'guest_uso6', 'off', 'U901', '8.2.0', '9.0.1'),
  f('pc_compat_8_0', 'virtio-mem', 'unplugged-inaccessible', 'auto'),
  f('hw_compat_8_1', 'base-pci-bridge', 'x-pci-express-writeable-slt-bug', 'true'),
  f('hw_compat_8_1', 'ramfb', 'x-migrate', 'off'),
  f('hw_compat_8_1', 'vfio-pci-nohotplug', 'x-ramfb-migrate', 'off'),
  f('hw_compat_8_1', 'igb', 'x-pcie-flr-init', 'off'),
  f('hw_compat_8_1', 'virtio-net-device', 'host_uso', 'off', 'Q10, U901', '9.0.1'),
  f('hw_compat_8_1', 'virtio-net-device', 'guest_uso4', 'off', 'Q10, U901', '9.0.1'),
  f('hw_compat_8_1', 'virtio-net-device', 'guest_uso6', 'off', 'Q10, U901', '9.0.1'),
  f('hw_compat_8_2', 'migration', 'zero-page-detection', 'legacy'),
  f('hw_compat_8_2', 'virtio-iommu-pci', 'granule', '4k'),
  f('hw_compat_8_2', 'virtio-iommu-pci', 'aw-bits', '64'),
  f('hw_compat_8_2', 'virtio-gpu-device', 'x-scanout-vmstate-version', '1', 'Q10, S901', '9.0.1'),
  f('hw_compat_9_0', 'arm-cpu', 'backcompat-cntfrq', 'true'),
  f('hw_compat_9_0', 'scsi-hd', 'migrate-emulated-scsi-request', 'false'),
  f('hw_compat_9_0', 'scsi-cd', 'migrate-emulated-scsi-request', 'false'),
  f('hw_compat_9_0', 'vfio-pci', 'skip-vsc-check', 'false'),
  f('hw_compat_9_0', 'virtio-pci', 'x-pcie-pm-no-soft-reset', 'off'),
  f('hw_compat_9_0', 'sd-card', 'spec_version', '2'),
  f('pc_compat_9_0', 'x86_64-cpu', 'x-amd-topoext-features-only', 'false', 'Q10, P910'),
  f('pc_compat_9_0', 'x86_64-cpu', 'x-l1-cache-per-thread', 'false', 'Q10, P910'),
  f('pc_compat_9_0', 'x86_64-cpu', 'guest-phys-bits', '0', 'Q10, P910'),
  f('pc_compat_9_0', 'sev-guest', 'legacy-vm-type', 'on', 'Q10, P910'),
  f('pc_compat_9_0', 'x86_64-cpu', 'legacy-multi-node', 'on', 'Q10, P910'),
  f('hw_compat_9_1', 'pci-device', 'x-pcie-ext-tag', 'false'),
  f('pc_compat_9_1', 'ICH9-LPC', 'x-smi-swsmi-timer', 'off'),
  f('pc_compat_9_1', 'ICH9-LPC', 'x-smi-periodic-timer', 'off'),
  f('pc_compat_9_1', 'intel-iommu', 'stale-tm', 'on'),
  f('pc_compat_9_1', 'intel-iommu', 'aw-bits', '39'),
  f('hw_compat_9_2', 'arm-cpu', 'backcompat-pauth-default-use-qarma5', 'true'),
  f('hw_compat_9_2', 'virtio-balloon-pci', 'vectors', '0'),
  f('hw_compat_9_2', 'virtio-balloon-pci-transitional', 'vectors', '0'),
  f('hw_compat_9_2', 'virtio-balloon-pci-non-transitional', 'vectors', '0'),
  f('hw_compat_9_2', 'virtio-mem-pci', 'vectors', '0'),
  f('hw_compat_9_2', 'migration', 'multifd-clean-tls-termination', 'false'),
  f('hw_compat_9_2', 'migration', 'send-switchover-start', 'off'),
  f('hw_compat_9_2', 'vfio-pci', 'x-migration-multifd-transfer', 'off'),
];

/** Arrays with no entries (they exist in the tree, empty). */
export const EMPTY_ARRAYS = ['pc_compat_7_0', 'pc_compat_7_1', 'pc_compat_8_1', 'pc_compat_8_2', 'pc_compat_9_2'];

/** q35's board defaults: (virtio-iommu-pci, aw-bits, 39) from 9.0 (Q10: the compat list of pc-q35-10.0). */
export const Q35_DEFAULTS_SINCE = '9.0.0';
