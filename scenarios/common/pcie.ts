/**
 * PCI Express capabilities as hw/pci/pcie.c and pcie_aer.c build them,
 * for the endpoints the catalogue models:
 *
 *   the PCI Express capability, version 1 (20 bytes) or 2 (60 bytes):
 *   device type RC integrated endpoint on a PCI Express root bus (q35's
 *   pcie.0) or plain endpoint elsewhere (i440fx's pci.0); role-based error
 *   reporting, 9.2's extended tag field (`x-pcie-ext-tag`); a x1 2.5 GT/s
 *   link. The link status register is not checked on load (QEMU clears its
 *   cmask: it changed over releases); v2 adds DEVCAP2 (end-end TLP prefix,
 *   extended fmt) with its DEVCTL2 blocking bit writable.
 *   AER (extended capability 1, version 2): error masks, severities and
 *   capabilities, the uncorrectable mask register writable in 8.0.0 and,
 *   later, while `x-pcie-err-unc-mask` is on (UncMaskMode); status
 *   registers write-one-to-clear.
 *   Device serial number (extended capability 3).
 *   Power management capability (version 1.1).
 */
import type { Props } from '../../src/vmstate/types.js';
import { PCI_CAP_ID_EXP, PCI_CAP_ID_PM, pci, pci_add_capability, pcie_add_capability, type PciConfigSpace } from './pci.js';

export const PCI_EXP_TYPE_ENDPOINT = 0x0;
export const PCI_EXP_TYPE_RC_END = 0x9;
const PCI_EXP_FLAGS = 2;
const PCI_EXP_DEVCAP = 4;
const PCI_EXP_LNKCAP = 12;
const PCI_EXP_LNKSTA = 18;
const PCI_EXP_DEVCAP2 = 36;
const PCI_EXP_DEVCTL2 = 40;
const PCI_EXP_DEVCAP_RBER = 0x8000;
const PCI_EXP_DEVCAP_EXT_TAG = 0x20;
const PCI_EXP_VER1_SIZEOF = 0x14;
const PCI_EXP_VER2_SIZEOF = 0x3c;

/** The bus a model sits on, as its `bus` property names it: q35's PCI Express root bus or a conventional one. */
export function onExpressRootBus(p: Props): boolean {
  return String(p.bus ?? 'pcie.0') === 'pcie.0';
}

/** pcie_endpoint_cap_init / _v1_init (port 0). */
export function pcie_endpoint_cap_init(d: PciConfigSpace, offset: number, version: 1 | 2, p: Props): number {
  const type = onExpressRootBus(p) ? PCI_EXP_TYPE_RC_END : PCI_EXP_TYPE_ENDPOINT;
  const pos = pci_add_capability(d, PCI_CAP_ID_EXP, offset, version === 1 ? PCI_EXP_VER1_SIZEOF : PCI_EXP_VER2_SIZEOF);
  const c = d.config;
  pci.set16(c, pos + PCI_EXP_FLAGS, ((type << 4) & 0xf0) | version);
  let devcap = PCI_EXP_DEVCAP_RBER;
  // the capability bit only: whether 9.2 also made the control bit writable is not modelled
  if (p['x-pcie-ext-tag'] === true) devcap |= PCI_EXP_DEVCAP_EXT_TAG;
  pci.set32(c, pos + PCI_EXP_DEVCAP, devcap);
  // port 0, L0s, x1 width, 2.5 GT/s
  pci.set32(c, pos + PCI_EXP_LNKCAP, 0x00000411);
  pci.set16(c, pos + PCI_EXP_LNKSTA, 0x0011);
  pci.set16(d.cmask, pos + PCI_EXP_LNKSTA, 0);
  if (version === 2) {
    pci.set32(c, pos + PCI_EXP_DEVCAP2, 0x00300000); // extended fmt field, end-end TLP prefix
    pci.set16(d.wmask, pos + PCI_EXP_DEVCTL2, 0x8000); // end-end TLP prefix blocking
    // x-pcie-extcap-init: a read-only, null extended capability header
    pci.set32(d.wmask, 0x100, 0);
  }
  return pos;
}

const PCI_EXT_CAP_ID_ERR = 1;
const PCI_EXT_CAP_ID_DSN = 3;
const PCI_ERR_UNCOR_STATUS = 0x04;
const PCI_ERR_UNCOR_MASK = 0x08;
const PCI_ERR_UNCOR_SEVER = 0x0c;
const PCI_ERR_COR_STATUS = 0x10;
const PCI_ERR_COR_MASK = 0x14;
const PCI_ERR_CAP = 0x18;
const PCI_ERR_UNC_SUPPORTED = 0x03fff030;
const PCI_ERR_UNC_SEVERITY_DEFAULT = 0x00462030;
const PCI_ERR_UNC_MASK_DEFAULT = 0x02400000; // internal error, TLP prefix blocked
const PCI_ERR_COR_SUPPORTED = 0x0000f1c1;
const PCI_ERR_COR_MASK_DEFAULT = 0x0000e000;
const PCI_ERR_CAP_ECRC_GENC = 0x20;
const PCI_ERR_CAP_ECRC_GENE = 0x40;
const PCI_ERR_CAP_ECRC_CHKC = 0x80;
const PCI_ERR_CAP_ECRC_CHKE = 0x100;

/**
 * How a release's AER treats the uncorrectable-error mask register:
 * `read-only` (7.2: zero, not guest-writable), `writable` (8.0.0: a
 * non-zero default, guest-writable, at every machine type, with no
 * property to turn it off) or `property` (from 8.0.1 and 8.1.0: as 8.0.0
 * while PCIDevice's `x-pcie-err-unc-mask` is on, as 7.2 while it is off).
 * The property is 5ed3dabe57dd "hw/pci: Disable PCI_ERR_UNCOR_MASK register
 * for machine type < 8.0" (master, May 2023, 8.1 cycle), backported as
 * adc49750d2 to 8.0.1 (the 8.0.2 announcement's changelog, which includes
 * 8.0.1's).
 */
export type UncMaskMode = 'read-only' | 'writable' | 'property';

export function uncMaskMode(release: string): UncMaskMode {
  const [a, b, c] = release.split('.').map(Number) as [number, number, number];
  const v = a * 10000 + b * 100 + c;
  return v < 80000 ? 'read-only' : v === 80000 ? 'writable' : 'property';
}

/** pcie_aer_init for an endpoint that keeps no error log. */
export function pcie_aer_init(d: PciConfigSpace, offset: number, size: number, p: Props, uncMask: UncMaskMode): void {
  pcie_add_capability(d, PCI_EXT_CAP_ID_ERR, 2, offset, size);
  pci.set32(d.w1cmask, offset + PCI_ERR_UNCOR_STATUS, PCI_ERR_UNC_SUPPORTED);
  if (uncMask === 'writable' || (uncMask === 'property' && p['x-pcie-err-unc-mask'] === true)) {
    pci.set32(d.config, offset + PCI_ERR_UNCOR_MASK, PCI_ERR_UNC_MASK_DEFAULT);
    pci.set32(d.wmask, offset + PCI_ERR_UNCOR_MASK, PCI_ERR_UNC_SUPPORTED);
  }
  pci.set32(d.config, offset + PCI_ERR_UNCOR_SEVER, PCI_ERR_UNC_SEVERITY_DEFAULT);
  pci.set32(d.wmask, offset + PCI_ERR_UNCOR_SEVER, PCI_ERR_UNC_SUPPORTED);
  pci.set32(d.w1cmask, offset + PCI_ERR_COR_STATUS, PCI_ERR_COR_SUPPORTED);
  pci.set32(d.config, offset + PCI_ERR_COR_MASK, PCI_ERR_COR_MASK_DEFAULT);
  pci.set32(d.wmask, offset + PCI_ERR_COR_MASK, PCI_ERR_COR_SUPPORTED);
  pci.set32(d.config, offset + PCI_ERR_CAP, PCI_ERR_CAP_ECRC_GENC | PCI_ERR_CAP_ECRC_CHKC);
  pci.set32(d.wmask, offset + PCI_ERR_CAP, PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE);
}

/** pcie_dev_ser_num_init */
export function pcie_dev_ser_num_init(d: PciConfigSpace, offset: number, serial: bigint): void {
  pcie_add_capability(d, PCI_EXT_CAP_ID_DSN, 1, offset, 0x0c);
  pci.set64(d.config, offset + 4, serial);
}

const PCI_PM_PMC = 2;
const PCI_PM_CTRL = 4;
const PCI_PM_CAP_VER_1_1 = 0x0002;

/** A power-management capability as e1000e adds it: version 1.1 plus `pmc`, state, PME enable and data select writable, PME status write-one-to-clear. */
export function pm_capability(d: PciConfigSpace, offset: number, pmc: number): number {
  const at = pci_add_capability(d, PCI_CAP_ID_PM, offset, 8);
  pci.set16(d.config, at + PCI_PM_PMC, PCI_PM_CAP_VER_1_1 | pmc);
  pci.set16(d.wmask, at + PCI_PM_CTRL, 0x0003 | 0x0100 | 0x1e00);
  pci.set16(d.w1cmask, at + PCI_PM_CTRL, 0x8000);
  return at;
}

/** The PCI-device compat properties that shape PCI Express capabilities, with the defaults of the release that has them. */
export function pcieProps(release: { errUncMask: boolean; extTag: boolean }) {
  return {
    /** Where the model sits: `pcie.0` (q35's root bus) or `pci.0` (i440fx's); QEMU's `bus` property, which the model cannot infer from the machine. */
    bus: { type: 'string' as const, default: 'pcie.0' },
    ...(release.errUncMask ? { 'x-pcie-err-unc-mask': { type: 'bool' as const, default: true } } : {}),
    ...(release.extTag ? { 'x-pcie-ext-tag': { type: 'bool' as const, default: true } } : {}),
  };
}
