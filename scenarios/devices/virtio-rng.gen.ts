/** virtio-rng carries nothing but the virtio core. */
import type { DeviceGen } from '../../src/gen/index.js';
import { virtioArbitrary } from '../common/virtio.gen.js';

export const virtioRngGen: DeviceGen = { custom: { virtio: virtioArbitrary } };
