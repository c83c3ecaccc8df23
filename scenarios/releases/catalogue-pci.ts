/**
 * PCI and virtio device models per release (PCI config space, MSI-X, the
 * virtio core with its virtio-pci transport, and the devices built on them).
 * The release chain asks this file for the PCI devices of each release.
 */
import type { DeviceClass } from '../../src/machine/types.js';

/** The PCI/virtio device classes `release` registers, in registration order. */
export function pciDevices(_release: string): DeviceClass[] {
  return [];
}
