/**
 * The boards' host bridges and i440fx's PCI-to-ISA bridge, each a PCI
 * function with little state of its own:
 *   mch     q35's memory controller hub at 00:00.0 (hw/pci-host/q35.c):
 *           the PCI function and one placeholder byte (once smm_enabled);
 *           post_load re-maps PAM, PCIEXBAR and SMRAM from config space
 *   I440FX  i440fx's host bridge at 00:00.0 (hw/pci-host/i440fx.c),
 *           version 3: likewise, with the same placeholder
 *   PIIX3   i440fx's ISA bridge at 00:01.0 (hw/isa/piix.c), version 3,
 *           minimum 2: the PCI function and the four PIRQ levels (from
 *           version 3); subsection PIIX3/rcr while the reset control
 *           register (port 0xcf9) holds a value
 *   ich9_smb q35's SMBus controller at 00:1f.3 (below)
 * The same in 7.2 and 10.0. Config headers as the real binaries build them.
 */
import { VMSTATE_BOOL_TEST, VMSTATE_INT32_ARRAY, VMSTATE_STRUCT_TEST, VMSTATE_UINT8, VMSTATE_UNUSED } from '../../../src/vmstate/dsl.js';
import type { VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';
import {
  VMSTATE_PCI_DEVICE,
  pci,
  pciDeviceReset,
  pciIdstr,
  pciLayout,
  pci_register_bar,
  pci_register_device,
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_HEADER_TYPE,
  PCI_INTERRUPT_PIN,
  PCI_STATUS,
} from '../../common/pci.js';
import { pmsmbReset, pmsmb_vmstate } from './acpi.js';

const PCI_STATUS_DEVSEL_MEDIUM = 0x200;
const PCI_HEADER_TYPE_MULTI_FUNCTION = 0x80;

export const mchLayout = pciLayout(() => pci_register_device({ vendor_id: 0x8086, device_id: 0x29c0, revision: 0x00, class_id: 0x0600 }, false));
export const i440fxLayout = pciLayout(() => pci_register_device({ vendor_id: 0x8086, device_id: 0x1237, revision: 0x02, class_id: 0x0600 }, false));
export const piix3Layout = pciLayout(() => {
  const d = pci_register_device({ vendor_id: 0x8086, device_id: 0x7000, revision: 0x00, class_id: 0x0601 }, false);
  pci.set16(d.config, PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
  d.config[PCI_HEADER_TYPE] = d.config[PCI_HEADER_TYPE]! | PCI_HEADER_TYPE_MULTI_FUNCTION;
  return d;
});

export const vmstate_mch: VMStateDescription = {
  name: 'mch',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_PCI_DEVICE('parent_obj', mchLayout), VMSTATE_UNUSED(1)],
};

export const vmstate_i440fx: VMStateDescription = {
  name: 'I440FX',
  version_id: 3,
  minimum_version_id: 3,
  fields: [VMSTATE_PCI_DEVICE('parent_obj', i440fxLayout), VMSTATE_UNUSED(1)],
};

export const PIIX_NUM_PIRQS = 4;

export const vmstate_piix3: VMStateDescription = {
  name: 'PIIX3',
  version_id: 3,
  minimum_version_id: 2,
  fields: [VMSTATE_PCI_DEVICE('dev', piix3Layout), VMSTATE_INT32_ARRAY('pci_irq_levels_vmstate', PIIX_NUM_PIRQS, 3)],
  subsections: [
    { name: 'PIIX3/rcr', version_id: 1, minimum_version_id: 1, needed: (s) => Number(s.rcr) !== 0, fields: [VMSTATE_UINT8('rcr')] },
  ],
};

const fn = (name: string, type: string, vmsd: VMStateDescription, idstr: string, reset: DeviceClass['reset']): DeviceClass => ({
  name,
  type,
  parents: ['pci-device', 'device'],
  props: {},
  vmsd,
  idstr,
  instanceId: 0,
  reset,
});

export const mch = () => fn('mch', 'mch', vmstate_mch, pciIdstr(0, 'mch'), (p) => ({ parent_obj: pciDeviceReset(mchLayout(p)) }));
export const i440fx = () => fn('i440fx', 'i440FX', vmstate_i440fx, pciIdstr(0, 'I440FX'), (p) => ({ parent_obj: pciDeviceReset(i440fxLayout(p)) }));
export const piix3 = () =>
  fn('PIIX3', 'PIIX3', vmstate_piix3, pciIdstr(1, 'PIIX3'), (p) => ({ dev: pciDeviceReset(piix3Layout(p)), pci_irq_levels_vmstate: new Array(PIIX_NUM_PIRQS).fill(0), rcr: 0 }));

/**
 * ich9_smb, q35's SMBus controller at 00:1f.3 (hw/i2c/smbus_ich9.c):
 * the PCI function (8086:2930, an SMBus controller with its I/O BAR 4),
 * then, because the machine class migrates the SMBus (every machine type
 * from 2.x on), the interrupt-enable flag and the `pmsmb` registers.
 */

const ICH9_SMB_SMB_BASE_BAR = 4;
const PM_SMBUS_IO_SIZE = 64;

export const ich9SmbLayout = pciLayout(() => {
  const d = pci_register_device({ vendor_id: 0x8086, device_id: 0x2930, revision: 0x02, class_id: 0x0c05 }, false);
  d.config[PCI_HEADER_TYPE] = d.config[PCI_HEADER_TYPE]! | PCI_HEADER_TYPE_MULTI_FUNCTION;
  d.config[PCI_INTERRUPT_PIN] = 0x01;
  pci_register_bar(d, ICH9_SMB_SMB_BASE_BAR, PCI_BASE_ADDRESS_SPACE_IO, PM_SMBUS_IO_SIZE);
  return d;
});

const ich9_vmstate_need_smbus = () => true;

export const vmstate_ich9_smbus: VMStateDescription = {
  name: 'ich9_smb',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_PCI_DEVICE('dev', ich9SmbLayout),
    VMSTATE_BOOL_TEST('irq_enabled', ich9_vmstate_need_smbus),
    VMSTATE_STRUCT_TEST('smb', ich9_vmstate_need_smbus, 1, pmsmb_vmstate),
  ],
};

export const ich9Smb = () =>
  fn('ich9_smb', 'ICH9-SMB', vmstate_ich9_smbus, pciIdstr(0x1f, 'ich9_smb', 3), (p) => ({ dev: pciDeviceReset(ich9SmbLayout(p)), irq_enabled: false, smb: pmsmbReset() }));
