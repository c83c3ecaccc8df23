/**
 * Which generator knowledge each device model has, by device name (the
 * DeviceClass `name`). A device missing here is generated from its VMSD
 * alone, its custom codecs keeping their reset values.
 */
import fc from 'fast-check';
import type { Engine } from '../../src/machine/engine.js';
import { stateArbitrary, type DeviceGen, type StateArbitraryOptions } from '../../src/gen/index.js';
import type { State } from '../../src/vmstate/types.js';
import { isaIpmiKcsGen } from './isa-ipmi-kcs.gen.js';
import { virtioGpuGen } from './virtio-gpu.gen.js';

export const genRegistry: Readonly<Record<string, DeviceGen>> = {
  'virtio-gpu': virtioGpuGen,
  'isa-ipmi-kcs': isaIpmiKcsGen,
};

export function deviceGen(deviceName: string): DeviceGen | undefined {
  return genRegistry[deviceName];
}

/** stateArbitrary with the registered generator of the engine's device `deviceKey`. */
export function deviceStateArbitrary(engine: Engine, deviceKey: string, options?: StateArbitraryOptions): fc.Arbitrary<State> {
  return stateArbitrary(engine, deviceKey, deviceGen(engine.instance(deviceKey).cls.name) ?? {}, options);
}
