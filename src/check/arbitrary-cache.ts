/**
 * Building a device's arbitrary (walking its VMSD at an engine, inlining
 * nested VMSDs, resolving the generator's codecs) costs more than an engine
 * and is the same for every case that sends from one release at one machine
 * type. A matrix run builds it once per release × machine type × device
 * while that device's cases run.
 *
 * Each arbitrary holds what it was built from (the sending engine, its reset
 * states and compiled programs): a few hundred KB. The matrix has 5,000-odd
 * of them, which kept for the whole run were most of a worker's memory (#12).
 * The plan runs a device's cases together (src/check/matrix.ts orders it
 * device first), so only the most recently used ones are kept: at most
 * `capacity`, more than one device's release × machine type combinations.
 * Dropping one changes no verdict: it is rebuilt the same on its next use.
 */
import type fc from 'fast-check';
import type { Release } from '../machine/types.js';
import type { State } from '../vmstate/types.js';
import type { ArbitraryFactory } from './property.js';

/** More than any one device's release × machine type combinations in the built-in matrix (122). */
export const ARBITRARY_CACHE_CAPACITY = 256;

export interface CachedArbitraries extends ArbitraryFactory {
  /** Arbitraries held now (at most the capacity). */
  size(): number;
  /** Arbitraries built so far (one per miss). */
  built(): number;
}

/**
 * Memoises `factory` per release × machine type × device key, keeping the
 * `capacity` most recently used. Only for engines built without property
 * overrides (the matrix's engines): the arbitrary depends on nothing else.
 */
export function cachedArbitraries(factory: ArbitraryFactory, capacity = ARBITRARY_CACHE_CAPACITY): CachedArbitraries {
  if (!(capacity >= 1)) throw new Error(`cachedArbitraries: capacity ${capacity} is not a positive count`);
  const releaseIds = new WeakMap<Release, number>();
  let nextId = 0;
  // a Map iterates in insertion order: re-inserting on a hit makes its first key the least recently used
  const lru = new Map<string, fc.Arbitrary<State>>();
  let built = 0;
  const cached = ((engine, key) => {
    let id = releaseIds.get(engine.release);
    if (id === undefined) releaseIds.set(engine.release, (id = nextId++));
    const k = `${id}\0${engine.machine.name}\0${key}`;
    let arb = lru.get(k);
    if (arb) {
      lru.delete(k);
    } else {
      arb = factory(engine, key);
      built++;
      if (lru.size >= capacity) lru.delete(lru.keys().next().value!);
    }
    lru.set(k, arb);
    return arb;
  }) as CachedArbitraries;
  cached.size = () => lru.size;
  cached.built = () => built;
  return cached;
}
