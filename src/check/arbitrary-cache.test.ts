import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { releases } from '../../scenarios/releases/index.js';
import { Engine } from '../machine/engine.js';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { cachedArbitraries } from './arbitrary-cache.js';
import type { ArbitraryFactory } from './property.js';

/** Engines stand-ins: the cache reads only `release` and `machine.name`. */
const fake = (release: object, machine: string) => ({ release, machine: { name: machine } }) as unknown as Engine;

describe('cachedArbitraries', () => {
  it('builds once per release × machine type × device while it is held, and holds the most recently used', () => {
    let calls = 0;
    const factory: ArbitraryFactory = () => {
      calls++;
      return fc.constant({ n: calls });
    };
    const c = cachedArbitraries(factory, 3);
    const r1 = {};
    const r2 = {};
    const a = c(fake(r1, 'pc-q35-7.2'), 'serial');
    expect(c(fake(r1, 'pc-q35-7.2'), 'serial')).toBe(a);
    // another release, machine type or device is another arbitrary
    c(fake(r2, 'pc-q35-7.2'), 'serial');
    c(fake(r1, 'pc-q35-8.0'), 'serial');
    expect(c.built()).toBe(3);
    // a hit makes it the most recently used: the next miss drops the least recently used (r2's)
    expect(c(fake(r1, 'pc-q35-7.2'), 'serial')).toBe(a);
    c(fake(r1, 'pc-q35-7.2'), 'e1000');
    expect(c.size()).toBe(3);
    expect(c(fake(r1, 'pc-q35-7.2'), 'serial')).toBe(a);
    expect(c.built()).toBe(4);
    c(fake(r2, 'pc-q35-7.2'), 'serial');
    expect(c.built()).toBe(5);
    expect(calls).toBe(5);
  });

  it('an arbitrary dropped and built again draws the same states', () => {
    const r = releases[releases.length - 1]!;
    const machine = r.machines[0]!.name;
    const device = r.devices.find((d) => d.name === 'isa-serial')?.name ?? r.devices[0]!.name;
    const c = cachedArbitraries(deviceStateArbitrary, 1);
    const e = new Engine(r, machine, { devices: [device] });
    const key = e.instances[0]!.key;
    const first = fc.sample(c(e, key), { numRuns: 5, seed: 7 });
    const other = new Engine(r, r.machines[1]!.name, { devices: [device] });
    c(other, other.instances[0]!.key); // evicts it
    const again = fc.sample(c(new Engine(r, machine, { devices: [device] }), key), { numRuns: 5, seed: 7 });
    expect(c.built()).toBe(3);
    expect(again).toEqual(first);
  });

  it('refuses a capacity that holds nothing', () => {
    expect(() => cachedArbitraries(() => fc.constant({}), 0)).toThrow(/capacity 0/);
  });
});
