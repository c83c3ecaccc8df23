/**
 * The MSI capability as msi_init builds it (hw/pci/msi.c): message control
 * (multiple-message capable, 64-bit, per-vector masking), address (and
 * upper address), data, and the mask/pending words with per-vector
 * masking. The enable bit, the multiple-message-enable field, the address,
 * the data and the usable mask bits are guest-writable; the rest of the
 * capability is checked on load. MSI has no state of its own beyond the
 * config space.
 */
import { PCI_CAP_ID_MSI, pci, pci_add_capability, type PciConfigSpace } from './pci.js';

export const PCI_MSI_FLAGS = 2;
export const PCI_MSI_FLAGS_ENABLE = 0x0001;
export const PCI_MSI_FLAGS_QMASK = 0x000e;
export const PCI_MSI_FLAGS_QSIZE = 0x0070;
export const PCI_MSI_FLAGS_64BIT = 0x0080;
export const PCI_MSI_FLAGS_MASKBIT = 0x0100;
const PCI_MSI_ADDRESS_LO = 4;
const PCI_MSI_ADDRESS_LO_MASK = 0xfffffffc;
const PCI_MSI_VECTORS_MAX = 32;

export function msi_init(d: PciConfigSpace, offset: number, nrVectors: number, msi64bit: boolean, perVectorMask: boolean): number {
  const log2 = Math.log2(nrVectors);
  if (!Number.isInteger(log2) || nrVectors > PCI_MSI_VECTORS_MAX) throw new Error(`MSI: ${nrVectors} vectors is not a power of two up to 32`);
  let flags = (log2 << 1) & PCI_MSI_FLAGS_QMASK;
  if (msi64bit) flags |= PCI_MSI_FLAGS_64BIT;
  if (perVectorMask) flags |= PCI_MSI_FLAGS_MASKBIT;
  const size = 0x0a + (msi64bit ? 4 : 0) + (perVectorMask ? 10 : 0);
  const cap = pci_add_capability(d, PCI_CAP_ID_MSI, offset, size);
  pci.set16(d.config, cap + PCI_MSI_FLAGS, flags);
  pci.set16(d.wmask, cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
  pci.set32(d.wmask, cap + PCI_MSI_ADDRESS_LO, PCI_MSI_ADDRESS_LO_MASK);
  const dataOff = cap + (msi64bit ? 0x0c : 0x08);
  if (msi64bit) pci.set32(d.wmask, cap + 0x08, 0xffffffff);
  pci.set16(d.wmask, dataOff, 0xffff);
  if (perVectorMask) pci.set32(d.wmask, dataOff + (msi64bit ? 4 : 4), (0xffffffff >>> (PCI_MSI_VECTORS_MAX - nrVectors)) >>> 0);
  return cap;
}
