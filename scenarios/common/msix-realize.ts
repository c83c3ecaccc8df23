/**
 * How many MSI-X vectors a device's realize gives it (msix_init /
 * msix_init_exclusive_bar's nentries; 0 when realize skips MSI-X), keyed
 * by the QOM type of the class an extracted release has. msix_save writes
 * the vector table (16 bytes a vector) and the pending bits ((n + 7) / 8
 * bytes) and nothing when the device has no MSI-X: the count is realize's,
 * no VMSD says it, and a wrong one shifts every later byte.
 *
 * Each entry says where QEMU sets it (`from`) and the source lines that
 * say so (`source`: a file and the text in it, whitespace-insensitive),
 * which test/source/realize-facts.test.ts finds in both trees, so a fact
 * that no longer holds for a tree fails there rather than in a verdict.
 *
 * A class whose VMSD has VMSTATE_MSIX and no entry here is incomplete,
 * naming it.
 */
import type { Props } from '../../src/vmstate/types.js';

export interface SourceFact {
  /** The file, or its names across releases (ivshmem.c became ivshmem-pci.c). */
  file: string | readonly string[];
  text: string;
  /** The class is new (igb, 8.0): the fact holds in the trees that have the file. */
  newer?: true;
}

export interface MsixRealize {
  vectors(p: Props): number;
  from: string;
  source: readonly SourceFact[];
}

const on = (v: unknown) => v !== 'off' && v !== false;
/** usb_xhci_realize: at most XHCI_MAXINTRS (16), rounded up to a power of two, at least 1. */
export function xhciNumintrs(n: number): number {
  let v = Math.min(n, 16);
  while (v & (v - 1)) v++;
  return Math.max(v, 1);
}

const XHCI_MAXINTRS: SourceFact = { file: 'include/hw/usb/xhci.h', text: '#define XHCI_MAXINTRS 16' };
const XHCI_MSIX: SourceFact = { file: 'hw/usb/hcd-xhci-pci.c', text: 'if (s->msix != ON_OFF_AUTO_OFF) { /* TODO check for errors, and should fail when msix=on */ msix_init(dev, s->xhci.numintrs,' };
const MEGASAS: SourceFact[] = [
  { file: 'hw/scsi/megasas.c', text: 'if (megasas_use_msix(s) && msix_init(dev, 15,' },
  { file: 'hw/scsi/megasas.c', text: 'return s->msix != ON_OFF_AUTO_OFF;' },
];

export const msixRealize: Readonly<Record<string, MsixRealize>> = {
  e1000e: {
    vectors: () => 5,
    from: 'e1000e_init_msix: msix_init(…, E1000E_MSIX_VEC_NUM = 5, …)',
    source: [
      { file: 'hw/net/e1000e.c', text: 'msix_init(PCI_DEVICE(s), E1000E_MSIX_VEC_NUM,' },
      { file: 'hw/net/e1000e_core.h', text: '#define E1000E_MSIX_VEC_NUM (5)' },
    ],
  },
  igb: {
    vectors: () => 10,
    from: 'igb_init_msix: msix_init(…, IGB_MSIX_VEC_NUM = 10, …)',
    source: [
      { file: 'hw/net/igb.c', text: 'msix_init(PCI_DEVICE(s), IGB_MSIX_VEC_NUM,', newer: true },
      { file: 'hw/net/igb_core.h', text: '#define IGB_MSIX_VEC_NUM (10)', newer: true },
    ],
  },
  vmxnet3: {
    vectors: () => 25,
    from: 'vmxnet3_init_msix: msix_init(d, VMXNET3_MAX_INTRS = 25, …)',
    source: [
      { file: 'hw/net/vmxnet3.c', text: 'int res = msix_init(d, VMXNET3_MAX_INTRS,' },
      { file: 'hw/net/vmxnet3.h', text: '#define VMXNET3_MAX_INTRS 25' },
    ],
  },
  megasas: { vectors: (p) => (on(p.msix) ? 15 : 0), from: 'megasas_scsi_realize: msix_init(dev, 15, …) unless msix=off', source: MEGASAS },
  'megasas-gen2': { vectors: (p) => (on(p.msix) ? 15 : 0), from: 'megasas_scsi_realize: msix_init(dev, 15, …) unless msix=off', source: MEGASAS },
  'qemu-xhci': {
    // qemu_xhci_instance_init: numintrs = XHCI_MAXINTRS (no property sets it)
    vectors: (p) => (on(p.msix) ? xhciNumintrs(16) : 0),
    from: 'usb_xhci_pci_realize: msix_init(dev, xhci.numintrs = XHCI_MAXINTRS 16, …) unless msix=off',
    source: [XHCI_MSIX, XHCI_MAXINTRS, { file: 'hw/usb/hcd-xhci-pci.c', text: 'xhci->numintrs = XHCI_MAXINTRS;' }],
  },
  'nec-usb-xhci': {
    vectors: (p) => (on(p.msix) ? xhciNumintrs(Number(p.intrs ?? 16)) : 0),
    from: 'usb_xhci_pci_realize: msix_init(dev, xhci.numintrs = the intrs property, clamped by usb_xhci_realize, …) unless msix=off',
    source: [XHCI_MSIX, { file: 'hw/usb/hcd-xhci-nec.c', text: 'pci->xhci.numintrs = nec->intrs;' }],
  },
  'ivshmem-doorbell': {
    // ivshmem_doorbell_init sets the MSI feature: the doorbell always has MSI-X
    vectors: (p) => Number(p.vectors ?? 1),
    from: 'ivshmem_setup_interrupts: msix_init_exclusive_bar(…, s->vectors, …); ivshmem_doorbell_init sets IVSHMEM_MSI',
    source: [
      { file: ['hw/misc/ivshmem-pci.c', 'hw/misc/ivshmem.c'], text: 'if (ivshmem_has_feature(s, IVSHMEM_MSI)) { if (msix_init_exclusive_bar(PCI_DEVICE(s), s->vectors, 1, errp)) {' },
      { file: ['hw/misc/ivshmem-pci.c', 'hw/misc/ivshmem.c'], text: 's->features |= (1 << IVSHMEM_MSI);' },
    ],
  },
  'pcie-root-port': {
    vectors: () => 1,
    from: 'gen_rp_interrupts_init: msix_init_exclusive_bar(d, GEN_PCIE_ROOT_PORT_MSIX_NR_VECTOR = 1, 0, errp)',
    source: [
      { file: 'hw/pci-bridge/gen_pcie_root_port.c', text: 'msix_init_exclusive_bar(d, GEN_PCIE_ROOT_PORT_MSIX_NR_VECTOR, 0, errp);' },
      { file: 'hw/pci-bridge/gen_pcie_root_port.c', text: '#define GEN_PCIE_ROOT_PORT_MSIX_NR_VECTOR 1' },
    ],
  },
};
