import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as D from '../dsl.js';
import type { State, VMStateDescription, VMStateInfo } from '../types.js';
import { coveredFor } from './covered.js';
import { stateEqual } from '../state.js';
import { releases } from '../../../scenarios/releases/index.js';
import { Engine } from '../../machine/engine.js';
import { stateArbitrary } from '../../gen/index.js';

const elem: VMStateDescription = { name: 'elem', version_id: 1, fields: [D.VMSTATE_UINT32('x')] };
const inner: VMStateDescription = { name: 'inner', version_id: 1, fields: [D.VMSTATE_UINT16('p')] };
/** A codec whose value is a struct: a leaf, compared whole. */
const boxed: VMStateInfo = { name: 'boxed', put: () => {}, get: () => ({}) };
/** A codec over the whole struct that records leaves of its own. */
const ownLeaves: VMStateInfo = { name: 'own', recordsOwnLeaves: true, put: () => {}, get: () => undefined };

const dev: VMStateDescription = {
  name: 'dev',
  version_id: 1,
  fields: [D.VMSTATE_UINT32('a'), D.VMSTATE_STRUCT('s', 1, inner), D.VMSTATE_STRUCT_ARRAY('arr', 2, 1, elem), D.VMSTATE_SINGLE('box', boxed)],
  subsections: [{ name: 'dev/sub', version_id: 1, fields: [D.VMSTATE_UINT8('late')] }],
};
const sample: State = { a: 1, s: { p: 2 }, arr: [{ x: 1 }, { x: 2 }], box: { v: 1 }, spare: 0 };
const copy = (): State => structuredClone(sample);

describe('coveredFor', () => {
  for (const [how, cmp] of [
    ['compiled for the sample', () => coveredFor(dev, sample)],
    ['on another shape (the generic compare)', () => coveredFor(dev, { other: 1 })],
  ] as const) {
    describe(how, () => {
      const eq = cmp();
      it('equal states are equal', () => expect(eq(sample, copy())).toBe(true));
      it("the receiver's own members in structs the VMSD saves are not held against it", () => {
        const b = copy();
        (b.s as State).q = 9;
        (b.arr as State[])[1]!.y = 5;
        b.extra = 3;
        expect(eq(sample, b)).toBe(true);
        expect(stateEqual(sample, b)).toBe(false);
      });
      it('a member the sender has that differs, anywhere, is', () => {
        for (const change of [
          (b: State) => (b.a = 2),
          (b: State) => ((b.s as State).p = 3),
          (b: State) => ((b.arr as State[])[0]!.x = 7),
          (b: State) => (b.spare = 1),
          (b: State) => delete (b.s as State).p,
          (b: State) => (b.arr as State[]).push({ x: 0 }),
          (b: State) => (b.s = 5),
        ]) {
          const b = copy();
          change(b);
          expect(eq(sample, b)).toBe(false);
        }
      });
      it("a codec's struct value is a leaf: compared whole, the receiver's members too", () => {
        const b = copy();
        (b.box as State).w = 0;
        expect(eq(sample, b)).toBe(false);
      });
      it('a member the VMSD names that the sender lacks must be absent on the other side', () => {
        const b = copy();
        b.late = 1;
        expect(eq(sample, b)).toBe(false);
        b.late = undefined;
        expect(eq(sample, b)).toBe(true);
      });
    });
  }

  it("where a codec over the whole struct records its own leaves, the receiver's own members count", () => {
    const strict: VMStateDescription = { name: 'strict', version_id: 1, fields: [D.VMSTATE_UINT32('a'), D.VMSTATE_SINGLE('own', ownLeaves, 0, null)] };
    for (const eq of [coveredFor(strict, { a: 0 }), coveredFor(strict, {})]) {
      expect(eq({ a: 1 }, { a: 1 })).toBe(true);
      expect(eq({ a: 1 }, { a: 1, extra: 0 })).toBe(false);
    }
  });

  it('a member named __proto__ is a member like any other', () => {
    const vmsd: VMStateDescription = { name: 'p', version_id: 1, fields: [D.VMSTATE_UINT32('__proto__'), D.VMSTATE_UINT32('a')] };
    const make = (v: number): State => {
      const s: State = { a: 1 };
      Object.defineProperty(s, '__proto__', { value: v, writable: true, enumerable: true, configurable: true });
      return s;
    };
    for (const eq of [coveredFor(vmsd, make(0)), coveredFor(vmsd, {})]) {
      expect(eq(make(1), make(1))).toBe(true);
      expect(eq(make(1), make(2))).toBe(false);
      expect(eq(make(1), { a: 1 })).toBe(false);
      expect(eq({ a: 1 }, make(1))).toBe(false);
    }
  });

  it('virtio-gpu 8.2.0 -> 9.0.1: scanouts with members 8.2 lacks agree on what 8.2 sent', () => {
    const rel = (n: string) => releases.find((r) => r.name === n)!;
    const opts = { devices: ['virtio-gpu'], engine: 'compiled' as const };
    const a = new Engine(rel('8.2.0'), 'pc-q35-8.2', opts);
    const b = new Engine(rel('9.0.1'), 'pc-q35-8.2', opts);
    const eq = coveredFor(a.instances[0]!.cls.vmsd, a.resetState('virtio-gpu'));
    for (const s of fc.sample(stateArbitrary(a, 'virtio-gpu'), { numRuns: 5, seed: 7 })) {
      const bytes = a.save({ 'virtio-gpu': s }, { describe: false, trace: false }).bytes;
      const sent = a.load(bytes, { trace: false });
      const got = b.load(bytes, { trace: false });
      if (!sent.ok || !got.ok) throw new Error('virtio-gpu 8.2.0 -> 9.0.1 should load');
      expect(stateEqual(sent.states['virtio-gpu'], got.states['virtio-gpu'])).toBe(false);
      expect(eq(sent.states['virtio-gpu'], got.states['virtio-gpu'])).toBe(true);
    }
  });
});
