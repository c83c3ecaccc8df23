/**
 * What a virtio device's realize decides and no VMSD says, keyed by the
 * QOM type of the virtio device (the class an extracted release has): the
 * PCI proxy type it sits behind on x86 (ids, class, MSI-X vectors), its
 * queues (virtio_add_queue sizes), its config length (virtio_init), its
 * feature bits (get_features), and the VMSD named as vdc->vmsd. With these
 * the hand-written virtio core (virtio.ts) runs the device's extracted VMSDs.
 *
 * A virtio device missing here cannot be checked: its cases are incomplete
 * and name it.
 */
import type { Props } from '../../src/vmstate/types.js';
import { virtio_gpu_spec } from '../devices/virtio-gpu.js';
import { virtio_rng_spec } from '../devices/virtio-rng.js';
import type { VirtioSpec } from './virtio.js';

export interface VirtioRealize {
  /** The x86 proxy type and its ancestors (compat entries name them: `virtio-pci`). */
  proxy: string[];
  /** The core's view of the device: proxy ids and class, feature bits (the hand models' specs). */
  spec: VirtioSpec;
  /** The proxy's `vectors` default. */
  vectors: number;
  /** virtio_add_queue sizes under these properties. */
  queues(p: Props): number[];
  /** vdc->vmsd by its name, extracted from the tree; absent: the device has none. */
  deviceVmsd?: string;
}

export const virtioRealize: Readonly<Record<string, VirtioRealize>> = {
  // hw/display/virtio-gpu-base.c virtio_gpu_base_device_realize: control queue 64, cursor queue 16; virtio-gpu-pci.c: 3 vectors
  'virtio-gpu-device': { proxy: ['virtio-gpu-pci', 'virtio-gpu-pci-base', 'virtio-pci', 'pci-device'], spec: virtio_gpu_spec, vectors: 3, queues: () => [64, 16] },
  // hw/virtio/virtio-rng.c virtio_rng_device_realize: one queue of 8; virtio-rng-pci.c: 2 vectors
  'virtio-rng-device': { proxy: ['virtio-rng-pci', 'virtio-rng-pci-base', 'virtio-pci', 'pci-device'], spec: virtio_rng_spec, vectors: 2, queues: () => [8] },
};
