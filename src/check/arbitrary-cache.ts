/**
 * Building a device's arbitrary (walking its VMSD at an engine, inlining
 * nested VMSDs, resolving the generator's codecs) costs more than an engine
 * and is the same for every case that sends from one release at one machine
 * type. A matrix run builds it once per release × machine type × device.
 */
import type fc from 'fast-check';
import type { Release } from '../machine/types.js';
import type { State } from '../vmstate/types.js';
import type { ArbitraryFactory } from './property.js';

/**
 * Memoises `factory` per release × machine type × device key. Only for
 * engines built without property overrides (the matrix's engines): the
 * arbitrary depends on nothing else.
 */
export function cachedArbitraries(factory: ArbitraryFactory): ArbitraryFactory & { size(): number } {
  const byRelease = new WeakMap<Release, Map<string, fc.Arbitrary<State>>>();
  let size = 0;
  const cached = ((engine, key) => {
    let m = byRelease.get(engine.release);
    if (!m) byRelease.set(engine.release, (m = new Map()));
    const k = `${engine.machine.name}\0${key}`;
    let arb = m.get(k);
    if (!arb) {
      arb = factory(engine, key);
      m.set(k, arb);
      size++;
    }
    return arb;
  }) as ArbitraryFactory & { size(): number };
  cached.size = () => size;
  return cached;
}
