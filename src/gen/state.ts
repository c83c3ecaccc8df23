import type { Engine } from '../machine/engine.js';
import type { State } from '../vmstate/types.js';
import { probeCtx } from './_internals/ctx.js';
import type { DeviceArbitrary, DeviceGen, StateArbitraryOptions, Ungenerated } from './types.js';
import { makeEnv, rawVmsdArbitrary } from './vmsd.js';
import fc from 'fast-check';
import { conformedWire } from './wire.js';
import { shapedArbitrary } from './shape.js';
import { applyReachable, hasReachable } from './reachable.js';

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
 *    the reachability rules of the VMSDs it holds (VMStateDescription
 *    .reachable, gen/reachable.ts) and the device's validity rules
 *    (`refinements.refine`), conform again.
 *
 * Loading the saved state on the same engine gives the state back, unless
 * the device's post_load normalises it.
 *
 * `refinements` defaults to the device class's own `gen`. The arbitrary
 * carries the fields nothing generates (`ungenerated`): a case whose
 * states all keep a field at its reset value has not tested that field.
 */
export function stateArbitrary(engine: Engine, deviceKey: string, refinements?: DeviceGen, options: StateArbitraryOptions = {}): DeviceArbitrary {
  const cls = engine.instance(deviceKey).cls;
  const gen = refinements ?? cls.gen ?? {};
  const env = makeEnv(engine, deviceKey, gen.custom, { ...options, fixed: gen.fixed });
  const vmsd = cls.vmsd;
  const reset = env.deviceReset;
  // A guest-visible member is what a guest reads back: a load that does not carry it loses it, so it is never put back to its reset value.
  const visible = new Set((cls.guestVisible ?? []).filter((m) => m in reset));
  const extra = visible.size ? fc.record(Object.fromEntries([...visible].map((m) => [m, shapedArbitrary(reset[m])]))) : undefined;
  const ruled = hasReachable(vmsd);
  const arb = rawVmsdArbitrary(vmsd, vmsd.version_id, reset, env, extra).map((s) => {
    const wire = conformedWire(vmsd, vmsd.version_id, s, reset, probeCtx(env.props, s), (m) => visible.has(m));
    if (!gen.refine && !ruled) return s;
    if (ruled) applyReachable(vmsd, s);
    const refined = gen.refine ? gen.refine(s, env.props) : s;
    // what the save did not write was at its reset value before refine: whatever refine put there is the device's rule, not to be undone
    conformedWire(vmsd, vmsd.version_id, refined, reset, probeCtx(env.props, refined), (m) => visible.has(m) || !wire.has(m));
    return refined;
  });
  return Object.assign(arb, { ungenerated: env.ungenerated as readonly Ungenerated[] });
}
