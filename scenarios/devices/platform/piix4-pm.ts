/**
 * PIIX4_PM, i440fx's power-management function at 00:01.3
 * (hw/acpi/piix4.c): VMSD `piix4_pm` version 3, minimum 3 — the PCI
 * function, PM1 registers, APM, the SMBus controller (always, for these
 * machine types), the PM timer, GPE, and the ACPI PCI hotplug registers:
 * with the bridge hotplug on (the default) the whole 256-bus status array
 * and, unless x-not-migrate-acpi-index (pc_compat_6_2), the acpi_index;
 * with it off only bus 0's status, at field version 2. Subsections:
 * memory hotplug and, once the guest left legacy CPU hotplug, CPU hotplug.
 * The same in 7.2 and 10.0; nothing is rejected but the PCI config check.
 */
import { VMSTATE_INT64, VMSTATE_STRUCT, VMSTATE_STRUCT_TEST, VMSTATE_TIMER_PTR, VMSTATE_UINT16 } from '../../../src/vmstate/dsl.js';
import type { FieldExists, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';
import { VMSTATE_PCI_DEVICE, pci, pciDeviceReset, pciIdstr, pciLayout, pci_register_device, PCI_INTERRUPT_PIN, PCI_STATUS } from '../../common/pci.js';
import {
  apmReset,
  cpuHotplugReset,
  cpuhpSubsection,
  memhpSubsection,
  memoryHotplugReset,
  pciHotplugReset,
  pmsmbReset,
  pmsmb_vmstate,
  vmstate_acpi_pcihp_pci_status,
  vmstate_apm,
  VMSTATE_PCI_HOTPLUG,
} from './acpi.js';

const PCI_STATUS_FAST_BACK = 0x80;
const PCI_STATUS_DEVSEL_MEDIUM = 0x200;

/** 8086:7113 revision 3, "other bridge", INTA. */
export const piix4PmLayout = pciLayout(() => {
  const d = pci_register_device({ vendor_id: 0x8086, device_id: 0x7113, revision: 0x03, class_id: 0x0680 }, false);
  pci.set16(d.config, PCI_STATUS, PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM);
  d.config[PCI_INTERRUPT_PIN] = 0x01;
  return d;
});

const vmstate_gpe: VMStateDescription = {
  name: 'gpe',
  version_id: 1,
  minimum_version_id: 1,
  // VMSTATE_GPE_ARRAY: the two GPE bytes of each register, through a pointer, as one uint16
  fields: [VMSTATE_UINT16('sts'), VMSTATE_UINT16('en')],
};

/** pm_smbus_vmstate_needed: the machine class migrates the SMBus (every machine type from 2.x on). */
const piix4_vmstate_need_smbus: FieldExists = () => true;
const useHotplugBridge: FieldExists = (_s, _v, ctx) => ctx.props['acpi-pci-hotplug-with-bridge-support'] === true;
const noHotplugBridge: FieldExists = (s, v, ctx) => !useHotplugBridge(s, v, ctx);
const migrateAcpiIndex: FieldExists = (s, v, ctx) => useHotplugBridge(s, v, ctx) && ctx.props['x-not-migrate-acpi-index'] !== true;

export const vmstate_acpi: VMStateDescription = {
  name: 'piix4_pm',
  version_id: 3,
  minimum_version_id: 3,
  fields: [
    VMSTATE_PCI_DEVICE('parent_obj', piix4PmLayout),
    VMSTATE_UINT16('ar.pm1.evt.sts'),
    VMSTATE_UINT16('ar.pm1.evt.en'),
    VMSTATE_UINT16('ar.pm1.cnt.cnt'),
    VMSTATE_STRUCT('apm', 0, vmstate_apm),
    VMSTATE_STRUCT_TEST('smb', piix4_vmstate_need_smbus, 3, pmsmb_vmstate),
    VMSTATE_TIMER_PTR('ar.tmr.timer'),
    VMSTATE_INT64('ar.tmr.overflow_time'),
    VMSTATE_STRUCT('ar.gpe', 2, vmstate_gpe),
    VMSTATE_STRUCT_TEST('acpi_pci_hotplug.acpi_pcihp_pci_status[0]', noHotplugBridge, 2, vmstate_acpi_pcihp_pci_status),
    ...VMSTATE_PCI_HOTPLUG(useHotplugBridge, migrateAcpiIndex),
  ],
  subsections: [memhpSubsection('piix4_pm/memhp'), cpuhpSubsection('piix4_pm/cpuhp')],
};

export function piix4Pm(): DeviceClass {
  return {
    name: 'piix4_pm',
    type: 'PIIX4_PM',
    parents: ['pci-device', 'device'],
    props: {
      smb_io_base: { type: 'uint32', default: 0 },
      'acpi-pci-hotplug-with-bridge-support': { type: 'bool', default: true },
      'acpi-root-pci-hotplug': { type: 'bool', default: true },
      'memory-hotplug-support': { type: 'bool', default: true },
      'smm-compat': { type: 'bool', default: false },
      'x-not-migrate-acpi-index': { type: 'bool', default: false },
    },
    vmsd: vmstate_acpi,
    idstr: pciIdstr(0x01, 'piix4_pm', 3),
    instanceId: 0,
    reset: (p) => ({
      parent_obj: pciDeviceReset(piix4PmLayout(p)),
      'ar.pm1.evt.sts': 0,
      'ar.pm1.evt.en': 0,
      'ar.pm1.cnt.cnt': 0,
      apm: apmReset(),
      smb: pmsmbReset(),
      'ar.tmr.timer': -1n,
      'ar.tmr.overflow_time': 0n,
      'ar.gpe': { sts: 0, en: 0 },
      'acpi_pci_hotplug.acpi_pcihp_pci_status[0]': { up: 0, down: 0 },
      ...pciHotplugReset(),
      acpi_memory_hotplug: memoryHotplugReset(),
      cpu_hotplug_legacy: true,
      cpuhp_state: cpuHotplugReset(),
    }),
  };
}
