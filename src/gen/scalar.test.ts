import fc from 'fast-check';
import { expect, test } from 'vitest';
import { blankValue, intRange, isPrimitiveInfo, scalarArbitrary } from './scalar.js';
import { biased } from './bias.js';

test.each([
  ['int8', -0x80, 0x7f],
  ['uint8', 0, 0xff],
  ['int16', -0x8000, 0x7fff],
  ['uint16', 0, 0xffff],
  ['int32', -0x80000000, 0x7fffffff],
  ['uint32', 0, 0xffffffff],
])('%s covers its full range and nothing outside it', (name, min, max) => {
  const values = fc.sample(scalarArbitrary(name)!, { numRuns: 2000, seed: 1 }) as number[];
  expect(values.every((v) => Number.isInteger(v) && v >= min && v <= max)).toBe(true);
  const edge = (max - min) / 16;
  expect(values.some((v) => v <= min + edge)).toBe(true);
  expect(values.some((v) => v >= max - edge)).toBe(true);
  expect(intRange(name)).toEqual([min, max]);
});

test('64-bit integers and timers are bigints; a timer is -1 (disarmed) or a non-negative expiry', () => {
  const u64 = fc.sample(scalarArbitrary('uint64')!, { numRuns: 500, seed: 2 }) as bigint[];
  expect(u64.every((v) => typeof v === 'bigint' && v >= 0n && v < 2n ** 64n)).toBe(true);
  expect(u64.some((v) => v >= 2n ** 63n)).toBe(true);
  const i64 = fc.sample(scalarArbitrary('int64')!, { numRuns: 500, seed: 2 }) as bigint[];
  expect(i64.some((v) => v < 0n) && i64.every((v) => v >= -(2n ** 63n) && v < 2n ** 63n)).toBe(true);
  const timers = fc.sample(scalarArbitrary('timer')!, { numRuns: 500, seed: 2 }) as bigint[];
  expect(timers).toContain(-1n);
  expect(timers.every((v) => v === -1n || v >= 0n)).toBe(true);
});

test('buffers have the field size; codecs with no free value have no arbitrary', () => {
  const bufs = fc.sample(scalarArbitrary('buffer', 7)!, { numRuns: 50, seed: 3 }) as Uint8Array[];
  expect(bufs.every((b) => b instanceof Uint8Array && b.length === 7)).toBe(true);
  for (const name of ['uint32 equal', 'int64 equal', 'unused_buffer', 'nullptr', 'int32 le', 'virtio']) expect(scalarArbitrary(name)).toBe(undefined);
  expect(isPrimitiveInfo('uint8 equal')).toBe(true);
  expect(isPrimitiveInfo('virtio-gpu')).toBe(false);
  expect([blankValue('bool'), blankValue('int64 equal'), blankValue('timer'), blankValue('uint16')]).toEqual([false, 0n, -1n, 0]);
});

test('biased gives the reset value and others, both often, and shrinks back to the reset value', () => {
  const arb = biased(5, fc.integer({ min: 100, max: 200 }));
  const values = fc.sample(arb, { numRuns: 400, seed: 4 });
  const resets = values.filter((v) => v === 5).length;
  expect(resets).toBeGreaterThan(50);
  expect(resets).toBeLessThan(200);
  const out = fc.check(fc.property(arb, (v) => v > 150), { seed: 4 });
  expect(out.counterexample).toEqual([5]);
});

test('biased hands out fresh copies of a mutable reset value', () => {
  const reset = [1, 2, 3];
  const values = fc.sample(biased(reset, fc.constant<number[]>([9])), { numRuns: 100, seed: 5 }).filter((v) => v[0] === 1);
  expect(values.length).toBeGreaterThan(1);
  expect(values.every((v) => v !== reset)).toBe(true);
  expect(new Set(values).size).toBe(values.length);
});
