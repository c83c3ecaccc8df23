/**
 * Members named `__proto__` and `constructor` (legal C member names, so legal
 * QEMU field names) through the generator: the reset state, blank elements of
 * a grown struct array, a custom codec's patch and the conformance pass keep
 * each as an own member (never the prototype, never an inherited value), and
 * every generated state saves, loads and compares back unchanged.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Engine } from '../machine/engine.js';
import type { DeviceClass, Release } from '../machine/types.js';
import { VMSTATE_SINGLE, VMSTATE_STRUCT_VARRAY_UINT8, VMSTATE_UINT16, VMSTATE_UINT32, VMSTATE_UINT8 } from '../vmstate/dsl.js';
import { setMember, stateEqual } from '../vmstate/state.js';
import type { State, VMStateDescription, VMStateInfo } from '../vmstate/types.js';
import { checkState } from '../check/case.js';
import { blankState } from './blank.js';
import { stateArbitrary } from './state.js';
import { firstDiff, roundTrip } from './_test/roundtrip.js';
import type { DeviceGen } from './types.js';

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

const elem: VMStateDescription = { name: 'proto-elem', version_id: 1, fields: [VMSTATE_UINT16('__proto__'), VMSTATE_UINT8('constructor')] };
/** A custom codec over member `toString`, whose arbitrary patches that member. */
const custom: VMStateInfo = { name: 'proto-custom', put: (w, v) => w.u32(Number(v ?? 0)), get: (r) => r.u32('proto-custom') };
const vmsd: VMStateDescription = {
  name: 'proto',
  version_id: 1,
  fields: [
    VMSTATE_UINT8('a'),
    VMSTATE_UINT32('__proto__'),
    VMSTATE_UINT8('n'),
    VMSTATE_STRUCT_VARRAY_UINT8('constructor', 'n', 0, elem),
    VMSTATE_SINGLE('toString', custom),
  ],
  subsections: [{ name: 'proto/sub', version_id: 1, needed: (s) => s.a !== 0, fields: [VMSTATE_UINT32('hasOwnProperty')] }],
};

/** The reset state, in field order; a literal `{ __proto__: 0 }` would set the prototype, so every member goes through setMember. */
function reset(): State {
  const s: State = {};
  const members: [string, unknown][] = [['a', 0], ['__proto__', 0], ['n', 0], ['constructor', []], ['toString', 0], ['hasOwnProperty', 0]];
  for (const [k, v] of members) setMember(s, k, v);
  return s;
}

const device: DeviceClass = { name: 'proto', type: 'proto-dev', parents: ['device'], props: {}, vmsd, idstr: 'proto', instanceId: 0, reset };
const release: Release = { name: 'proto-1', compatArrays: {}, machines: [{ name: 'proto-m', compat: [] }], devices: [device] };
const gen: DeviceGen = { custom: { [custom.name]: () => fc.integer({ min: 1, max: 9 }).map((toString) => ({ toString })) } };

describe('members named __proto__ and constructor through the generator', () => {
  const engine = new Engine(release, 'proto-m');
  const samples = fc.sample(stateArbitrary(engine, 'proto', gen, { strict: true }), { numRuns: 200, seed: 5 });

  test('blankState makes both own members, the prototype untouched', () => {
    const b = blankState(elem);
    expect(Object.getPrototypeOf(b)).toBe(Object.prototype);
    expect(Object.keys(b)).toEqual(['__proto__', 'constructor']);
    expect([b['__proto__'], b['constructor']]).toEqual([0, 0]);
  });

  test('every generated state has them as own members of the right types, grown elements included', () => {
    let grown = 0;
    for (const s of samples) {
      expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
      for (const k of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) expect(own(s, k), k).toBe(true);
      expect(typeof s['__proto__']).toBe('number');
      expect(typeof s['toString']).toBe('number');
      const els = s['constructor'] as State[];
      expect(Array.isArray(els)).toBe(true);
      expect(els.length).toBe(s.n);
      for (const el of els) {
        expect(Object.getPrototypeOf(el)).toBe(Object.prototype);
        expect(own(el, '__proto__') && own(el, 'constructor')).toBe(true);
        expect([typeof el['__proto__'], typeof el['constructor']]).toEqual(['number', 'number']);
      }
      if (els.length > 0) grown++;
      // a member a save does not write (the subsection is not needed) is back at its reset value
      if (s.a === 0) expect(s['hasOwnProperty']).toBe(0);
    }
    expect(grown).toBeGreaterThan(0);
    expect(samples.some((s) => (s['__proto__'] as number) !== 0)).toBe(true);
  });

  test('generate → save → load → compare: every state comes back equal, and a case over two engines passes', () => {
    const other = new Engine(release, 'proto-m');
    for (const s of samples) {
      const { once } = roundTrip(engine, 'proto', s);
      expect(firstDiff(once, s)).toBeNull();
      expect(own(once, '__proto__') && stateEqual(once, s)).toBe(true);
      expect(checkState({ a: engine, b: other }, 'proto', s)).toBeNull();
    }
  });
});

describe('a struct with inherited names but no __proto__ member (the merger stores plainly)', () => {
  const plain: VMStateDescription = { name: 'plain-inherited', version_id: 1, fields: [VMSTATE_UINT8('constructor'), VMSTATE_UINT16('toString'), VMSTATE_UINT32('valueOf')] };
  const cls: DeviceClass = { name: 'plain', type: 'plain-dev', parents: ['device'], props: {}, vmsd: plain, idstr: 'plain', instanceId: 0, reset: () => ({ constructor: 0, toString: 0, valueOf: 0 }) };
  const rel: Release = { name: 'plain-1', compatArrays: {}, machines: [{ name: 'plain-m', compat: [] }], devices: [cls] };

  test('every generated state has them as own numbers and round-trips', () => {
    const e = new Engine(rel, 'plain-m');
    const states = fc.sample(stateArbitrary(e, 'plain', { custom: {} }, { strict: true }), { numRuns: 100, seed: 9 });
    expect(states.some((s) => s['constructor'] !== 0)).toBe(true);
    for (const s of states) {
      for (const k of ['constructor', 'toString', 'valueOf']) expect([k, own(s, k), typeof s[k]]).toEqual([k, true, 'number']);
      expect(firstDiff(roundTrip(e, 'plain', s).once, s)).toBeNull();
    }
  });
});
