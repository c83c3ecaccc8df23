/**
 * The compiled engine's state copier (src/vmstate/compile/clone.ts) against
 * cloneState, its reference: the same deep copy, keys in the same order,
 * nothing shared, for states of the sample's shape and of every other.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clonerFor } from '../src/vmstate/compile/clone.js';
import { cloneState } from '../src/vmstate/state.js';
import { releases } from '../scenarios/releases/index.js';
import { Engine } from '../src/machine/engine.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';

/** The same copy as cloneState: equal, the same key order at every level, and no object shared with the original. */
function sameCopy(copy: unknown, ref: unknown, original: unknown): void {
  expect(isDeepStrictEqual(copy, ref)).toBe(true);
  const walk = (a: unknown, b: unknown, o: unknown, at: string): void => {
    if (a === null || typeof a !== 'object') return;
    expect(a !== o || o === null || typeof o !== 'object', `${at} is shared with the original`).toBe(true);
    expect(Object.getPrototypeOf(a), at).toBe(Object.getPrototypeOf(b));
    if (ArrayBuffer.isView(a)) return;
    expect(Object.keys(a), at).toEqual(Object.keys(b as object));
    for (const k of Object.keys(a)) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], (o as Record<string, unknown>)[k], `${at}.${k}`);
  };
  walk(copy, ref, original, '$');
}

const sample = {
  a: 1,
  b: 2n,
  c: { d: [1, 2, 3], e: new Uint8Array([1, 2]), f: new Uint32Array([7]) },
  list: [{ x: 1, y: { z: true } }, { x: 2, y: { z: false } }],
  nothing: null,
};

describe('clonerFor = cloneState', () => {
  const clone = clonerFor(sample);

  it('copies a state of the sample shape', () => {
    const s = structuredClone(sample);
    sameCopy(clone(s), cloneState(s), s);
  });

  it.each([
    ['members in another order', { b: 2n, a: 1, c: sample.c, list: [], nothing: null }],
    ['a member more', { ...sample, extra: { q: 1 } }],
    ['a member less', { a: 1, b: 2n, c: sample.c, list: sample.list }],
    ['a struct where the sample has a number', { ...sample, a: { inner: [1] } }],
    ['an array where the sample has a struct', { ...sample, c: [1, { d: 2 }] }],
    ['a struct where the sample has an array', { ...sample, list: { 0: { x: 1 } } }],
    ['elements of another shape', { ...sample, list: [{ y: { z: 1 }, x: 1 }, 5, null, [1]] }],
    ['a typed array where the sample has a struct', { ...sample, c: new Uint16Array([1, 2]) }],
    ['null where the sample has a struct', { ...sample, c: null }],
    ['holes in an array', { ...sample, list: [, { x: 1, y: { z: 2 } }] }], // eslint-disable-line no-sparse-arrays
    ['integer-like member names', { ...sample, 10: 'x', 2: 'y' }],
  ])('copies a state with %s as cloneState does', (_what, s) => {
    sameCopy(clone(s), cloneState(s), s);
  });

  it('makes a hole the undefined it reads as, both ways (cloneState builds every element)', () => {
    const holey = [, 1, , { x: 1 }]; // eslint-disable-line no-sparse-arrays
    for (const copy of [cloneState(holey), clone({ ...sample, list: holey }).list as unknown[], clonerFor([1, 2])(holey)]) {
      expect(copy).toHaveLength(4);
      expect([0, 1, 2, 3].every((i) => i in copy)).toBe(true);
      expect(copy[3]).not.toBe(holey[3]);
    }
  });

  it('copies what is not a struct as cloneState does', () => {
    for (const v of [null, 3, 'x', 5n, [1, { a: 2 }], new Uint8Array(3)]) sameCopy(clone(v), cloneState(v), v);
  });

  it('copies generated states of every device of a release like cloneState, by the reset state shape', () => {
    const r = releases[releases.length - 1]!;
    const machine = r.machines[r.machines.length - 1]!.name;
    let checked = 0;
    for (const d of r.devices) {
      const e = new Engine(r, machine, { devices: [d.name], engine: 'interpreted' });
      if (!e.instances.some((i) => i.key === d.name)) continue;
      const clone = clonerFor(e.resetState(d.name));
      for (const s of fc.sample(deviceStateArbitrary(e, d.name), { numRuns: 3, seed: 7 })) {
        sameCopy(clone(s), cloneState(s), s);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
