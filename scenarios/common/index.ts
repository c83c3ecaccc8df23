/**
 * The building blocks vmcompat's own device models are made of, for users
 * who model devices of their own (`import … from 'vmcompat/devices'`): PCI
 * configuration space with its masks, PCI Express and MSI/MSI-X
 * capabilities, the virtio core and its PCI transport, and their
 * generators. Each keeps the name of the QEMU code it stands for.
 */
export * from './pci.js';
export * from './pcie.js';
export * from './msi.js';
export * from './msix.js';
export * from './pci.gen.js';
export * from './virtio.js';
export * from './virtio.gen.js';
export * from './virtio-pci.js';
export * from './nic.js';
export * from './elem.js';
export * from './slots.js';
export * from './tmp.js';
export * from './leaf.js';
