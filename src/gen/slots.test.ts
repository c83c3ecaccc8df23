import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotsArbitrary } from './slots.js';

type Slot = { up: number; down: number };
const resets: Slot[] = Array.from({ length: 256 }, () => ({ up: 0, down: 0 }));
const element = fc.record({ up: fc.integer({ min: 0, max: 0xffffffff }), down: fc.integer({ min: 0, max: 0xffffffff }) });
const slots = () => new SlotsArbitrary(resets, () => element) as unknown as fc.Arbitrary<Slot[]>;
const changed = (a: Slot[]) => a.filter((s) => s.up !== 0 || s.down !== 0).length;

describe('SlotsArbitrary', () => {
  it('draws mostly blank arrays of the full length: some all reset, most with at most 16 elements changed', () => {
    const all = fc.sample(slots(), { numRuns: 200, seed: 5 });
    expect(all.every((a) => a.length === 256)).toBe(true);
    expect(all.some((a) => changed(a) === 0)).toBe(true);
    expect(all.some((a) => changed(a) > 4)).toBe(true);
    expect(all.every((a) => changed(a) <= 16)).toBe(true);
  });

  it('gives fresh elements: never the reset objects, never shared between states', () => {
    const [a, b] = fc.sample(slots(), { numRuns: 2, seed: 9 });
    expect(a![0]).not.toBe(resets[0]);
    expect(a![0]).not.toBe(b![0]);
    a![0]!.up = 7;
    expect(resets[0]!.up).toBe(0);
  });

  it('is a function of the seed', () => {
    expect(fc.sample(slots(), { numRuns: 20, seed: 3 })).toEqual(fc.sample(slots(), { numRuns: 20, seed: 3 }));
  });

  it('a failure that needs one element shrinks to that element alone, itself shrunk', () => {
    const r = fc.check(fc.property(slots(), (a) => a.every((s) => s.down < 1000)), { seed: 11, numRuns: 500 });
    expect(r.failed).toBe(true);
    const [a] = r.counterexample as [Slot[]];
    expect(changed(a)).toBe(1);
    const s = a.find((x) => x.up !== 0 || x.down !== 0)!;
    expect(s).toEqual({ up: 0, down: 1000 });
  });
});
