/**
 * The state arbitrary every command uses: the device class's own generator
 * (`DeviceClass.gen`, attached where the release catalogues build each
 * class), never one looked up by the device's name — a model named like a
 * built-in device is generated as itself.
 */
import type { Engine } from '../../src/machine/engine.js';
import { stateArbitrary, type DeviceArbitrary, type StateArbitraryOptions } from '../../src/gen/index.js';

/** stateArbitrary with the generator of the engine's device `deviceKey`'s class. */
export function deviceStateArbitrary(engine: Engine, deviceKey: string, options?: StateArbitraryOptions): DeviceArbitrary {
  return stateArbitrary(engine, deviceKey, undefined, options);
}
