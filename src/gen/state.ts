import type { Engine } from '../machine/engine.js';
import type { State } from '../vmstate/types.js';
import { probeCtx } from './_internals/ctx.js';
import type { DeviceArbitrary, DeviceGen, StateArbitraryOptions, Ungenerated } from './types.js';
import { makeEnv, rawVmsdArbitrary } from './vmsd.js';
import { conformToWire } from './wire.js';

/**
 * States of device `deviceKey` that `engine` (a release at one machine
 * type) can save, derived from the device's VMSD:
 *
 * 1. start from the instance's reset state, so members that are not on the
 *    wire and property-derived values (counts, `_EQUAL` members) are right;
 * 2. walk the top-level VMSD at its own version_id as save does, and give
 *    every field that exists a value by its codec (custom codecs through
 *    `refinements.custom`), subsections' fields included;
 * 3. conform the state to what a save writes (see conformToWire), apply
 *    the device's validity rules (`refinements.refine`), conform again.
 *
 * Loading the saved state on the same engine gives the state back, unless
 * the device's post_load normalises it.
 *
 * `refinements` defaults to the device class's own `gen`. The arbitrary
 * carries the fields nothing generates (`ungenerated`): a case whose
 * states all keep a field at its reset value has not tested that field.
 */
export function stateArbitrary(engine: Engine, deviceKey: string, refinements?: DeviceGen, options: StateArbitraryOptions = {}): DeviceArbitrary {
  const gen = refinements ?? engine.instance(deviceKey).cls.gen ?? {};
  const env = makeEnv(engine, deviceKey, gen.custom, { ...options, fixed: gen.fixed });
  const vmsd = engine.instance(deviceKey).cls.vmsd;
  const reset = env.deviceReset;
  const conform = (s: State) => conformToWire(vmsd, vmsd.version_id, s, reset, probeCtx(env.props, s));
  const arb = rawVmsdArbitrary(vmsd, vmsd.version_id, reset, env).map((s) => {
    conform(s);
    if (!gen.refine) return s;
    return conform(gen.refine(s, env.props));
  });
  return Object.assign(arb, { ungenerated: env.ungenerated as readonly Ungenerated[] });
}
