import { deriveRelease } from './build.js';
import { release_8_0_0 } from './8.0.0.js';
import { hw_compat_7_2 } from './compat-arrays.js';

/**
 * 8.0.0 plus two stable backports of qemu-stable 8.0.1: 1fac00f70b32
 * "virtio-net: not enable vq reset feature unconditionally" (virtio-net no
 * longer offers VIRTIO_F_RING_RESET at pc-*-7.1 and older; ringResetAlways
 * in devices/virtio-net.ts), and 5ed3dabe57dd "hw/pci: Disable
 * PCI_ERR_UNCOR_MASK register for machine type < 8.0" (as adc49750d2):
 * hw_compat_7_2 gains (pci-device, x-pcie-err-unc-mask, off) and PCIDevice
 * the property, so at pc-*-7.2 and older e1000e has 7.2's layout again.
 */
export const release_8_0_1 = deriveRelease(release_8_0_0, {
  name: '8.0.1',
  arrays: { hw_compat_7_2 },
  typeProps: { 'pci-device': ['x-pcie-err-unc-mask'] },
});
