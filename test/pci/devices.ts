/**
 * How the real-binary tests instantiate each catalogue device: the
 * `-device` value at the catalogue's slot, plus whatever backend it needs.
 * NICs get an explicit MAC so that the models' default (52:54:00:12:34:56)
 * is what QEMU uses, whatever the order of NICs on the command line.
 */
import { PCI_SLOTS } from '../../scenarios/releases/catalogue-pci.js';
import { DEFAULT_MAC } from '../../scenarios/devices/virtio-net.js';

export interface QemuPciDevice {
  /** The catalogue's device name. */
  name: keyof typeof PCI_SLOTS;
  device: string;
  args?: string[];
}

const at = (name: keyof typeof PCI_SLOTS) => `addr=0x${PCI_SLOTS[name].toString(16)}`;

export const QEMU_PCI_DEVICES: QemuPciDevice[] = [
  { name: 'virtio-gpu', device: `virtio-gpu-pci,${at('virtio-gpu')}` },
  { name: 'virtio-net', device: `virtio-net-pci,${at('virtio-net')},mac=${DEFAULT_MAC}` },
  { name: 'virtio-blk', device: `virtio-blk-pci,${at('virtio-blk')},drive=vmcompat-blk0`, args: ['-blockdev', 'driver=null-co,node-name=vmcompat-blk0'] },
  { name: 'virtio-balloon', device: `virtio-balloon-pci,${at('virtio-balloon')}` },
  { name: 'virtio-rng', device: `virtio-rng-pci,${at('virtio-rng')}` },
  { name: 'e1000', device: `e1000,${at('e1000')},mac=${DEFAULT_MAC}` },
  { name: 'e1000e', device: `e1000e,${at('e1000e')},mac=${DEFAULT_MAC}` },
  { name: 'rtl8139', device: `rtl8139,${at('rtl8139')},mac=${DEFAULT_MAC}` },
  { name: 'ich9-ahci', device: `ich9-ahci,${at('ich9-ahci')}` },
  { name: 'usb-ehci', device: `usb-ehci,${at('usb-ehci')}` },
  { name: 'qemu-xhci', device: `qemu-xhci,${at('qemu-xhci')}` },
  { name: 'ich9-usb-ehci1', device: `ich9-usb-ehci1,${at('ich9-usb-ehci1')}` },
];

/** The driver's VmConfig devices and extra arguments for a set of devices. */
export function qemuArgs(devices: QemuPciDevice[]): { devices: string[]; args: string[] } {
  return { devices: devices.map((d) => d.device), args: devices.flatMap((d) => d.args ?? []) };
}

/** The model properties that stand for what the machine decides: PCI Express devices sit on q35's pcie.0 or i440fx's pci.0. */
export function machineOverrides(machine: string): Record<string, Record<string, string>> {
  return machine.startsWith('pc-i440fx') ? { e1000e: { bus: 'pci.0' }, 'qemu-xhci': { bus: 'pci.0' } } : {};
}
