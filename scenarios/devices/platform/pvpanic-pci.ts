/**
 * pvpanic-pci (hw/misc/pvpanic-pci.c): VMSD `pvpanic-pci` version 1, the
 * PCI function only — 1b36:0011, a system peripheral with one 2-byte
 * memory BAR. (The ISA `pvpanic` registers no section at all: neither 7.2
 * nor 10.0 puts one in the stream.)
 */
import type { VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';
import { VMSTATE_PCI_DEVICE, pciDeviceReset, pciIdstr, pciLayout, pci_register_bar, pci_register_device, PCI_BASE_ADDRESS_SPACE_MEMORY } from '../../common/pci.js';

/** Where the catalogue tests put it on bus 0 (the PCI catalogue uses slots 2–6). */
export const PVPANIC_PCI_SLOT = 0x0a;

export const pvpanicPciLayout = pciLayout(() => {
  const d = pci_register_device({ vendor_id: 0x1b36, device_id: 0x0011, revision: 0x01, class_id: 0x0880 }, false);
  pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, 2);
  return d;
});

export const vmstate_pvpanic_pci: VMStateDescription = {
  name: 'pvpanic-pci',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_PCI_DEVICE('dev', pvpanicPciLayout)],
};

/**
 * `events` defaults to PVPANIC_PANICKED | PVPANIC_CRASH_LOADED (3) in 7.2
 * (hw/misc/pvpanic-pci.c of 7.2.0 and 7.2.22) and to PVPANIC_EVENTS, which
 * adds PVPANIC_SHUTDOWN (7), in 10.0.2. First in 9.1.0: 6269086b0179
 * "hw/misc/pvpanic: add support for normal shutdowns" (which widens
 * PVPANIC_EVENTS), mst's PULL v2 33/88 of 2024-07-02, before 9.1's
 * freeze; the GUEST_PVSHUTDOWN event of the same series says "Since: 9.1"
 * (qapi/run-state.json of 10.0.2).
 */
export function pvpanicEvents(release: string): number {
  const [a, b] = release.split('.').map(Number) as [number, number];
  return a * 100 + b >= 901 ? 7 : 3;
}

export function pvpanicPci(events = 7): DeviceClass {
  return {
    name: 'pvpanic-pci',
    type: 'pvpanic-pci',
    parents: ['pci-device', 'device'],
    interfaces: ['conventional-pci-device'],
    props: { events: { type: 'uint8', default: events } },
    vmsd: vmstate_pvpanic_pci,
    idstr: pciIdstr(PVPANIC_PCI_SLOT, 'pvpanic-pci'),
    instanceId: 0,
    reset: (p) => ({ dev: pciDeviceReset(pvpanicPciLayout(p)) }),
  };
}
