import { buildMachines } from '../../src/machine/compat.js';
import type { Release } from '../../src/machine/types.js';
import { isaIpmiKcs } from '../devices/isa-ipmi-kcs.js';
import { virtioGpu } from '../devices/virtio-gpu.js';
import { hw_compat_8_0, hw_compat_8_1, pc_compat_8_0, pc_compat_8_1 } from './compat-arrays.js';

const compatArrays = { hw_compat_8_0, hw_compat_8_1, pc_compat_8_0, pc_compat_8_1 };
const versions = ['8.0', '8.1', '8.2'];

export const release_8_2_0: Release = {
  name: '8.2.0',
  compatArrays,
  machines: buildMachines(
    [
      { family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions },
      { family: 'pc-i440fx', defaults: [], boardArray: 'pc_compat', versions },
    ],
    compatArrays,
  ),
  devices: [virtioGpu('8.2'), isaIpmiKcs()],
};
