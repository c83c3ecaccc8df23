import { buildMachines } from '../../src/machine/compat.js';
import type { CompatEntry, Release } from '../../src/machine/types.js';
import { isaIpmiKcs } from '../devices/isa-ipmi-kcs.js';
import { virtioGpu } from '../devices/virtio-gpu.js';
import { release_8_2_0 } from './8.2.0.js';
import { hw_compat_8_2_v900, pc_compat_8_2, q35_defaults_9_0 } from './compat-arrays.js';

const versions = ['8.0', '8.1', '8.2', '9.0'];

/** 8.2.0 plus: hw_compat_8_2/pc_compat_8_2, the 9.0 machine types, q35's aw-bits default, virtio-gpu's scanout v2. */
export function release9_0(name: string, hw_compat_8_2: CompatEntry[], gpu: ReturnType<typeof virtioGpu>): Release {
  const compatArrays = { ...release_8_2_0.compatArrays, hw_compat_8_2, pc_compat_8_2 };
  return {
    name,
    compatArrays,
    machines: buildMachines(
      [
        { family: 'pc-q35', defaults: q35_defaults_9_0, boardArray: 'pc_compat', versions },
        { family: 'pc-i440fx', defaults: [], boardArray: 'pc_compat', versions },
      ],
      compatArrays,
    ),
    devices: [gpu, isaIpmiKcs()],
  };
}

export const release_9_0_0 = release9_0('9.0.0', hw_compat_8_2_v900, virtioGpu('9.0.0'));
