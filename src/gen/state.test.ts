import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { VmError } from '../wire/errors.js';
import type { State } from '../vmstate/types.js';
import { stateArbitrary } from './state.js';
import { firstDiff, roundTrip } from './_test/roundtrip.js';
import { synCustomInfo, synEngine } from './_test/synthetic.js';
import type { DeviceGen } from './types.js';

const gen: DeviceGen = { custom: { [synCustomInfo.name]: () => fc.integer({ min: 1, max: 9 }).map((cust) => ({ cust })) } };
const RUNS = 300;

describe.each(['syn-m-1', 'syn-m-2'])('stateArbitrary over a synthetic VMSD at %s', (machine) => {
  const engine = synEngine(machine);
  const arb = stateArbitrary(engine, 'syn', gen, { strict: true });
  const samples = fc.sample(arb, { numRuns: RUNS, seed: 7 });

  test('every generated state saves and loads back unchanged', () => {
    fc.assert(
      fc.property(arb, (s) => {
        const { once } = roundTrip(engine, 'syn', s);
        const d = firstDiff(once, s);
        if (d) throw new Error(`load(save(s)) differs at ${d}`);
      }),
      { numRuns: RUNS, seed: 11 },
    );
  });

  test('variable arrays follow their generated count, both empty and grown past the reset state', () => {
    const lengths = new Set(samples.map((s) => (s.elems as unknown[]).length));
    for (const s of samples) {
      expect((s.elems as unknown[]).length).toBe(s.n);
      expect((s.buf as Uint8Array).length).toBe(s.bufsize);
      // a count of 0 sends nothing, so the reset elements stay
      expect((s.vals as unknown[]).length).toBe(Math.max(1, Number(s.len)));
    }
    expect(lengths.has(0)).toBe(true);
    expect([...lengths].some((n) => n > 1)).toBe(true);
  });

  test('members a save does not write keep their reset values; _EQUAL and property-derived ones too', () => {
    for (const s of samples) {
      expect(s.future).toBe(42n); // field version 4 > section version 3
      expect(s.magic).toBe(0xdead);
      expect(s.nslots).toBe(2);
      expect((s.slots as unknown[]).length).toBe(2);
      expect((s.ptrs as unknown[])[1]).toBe(null);
      if (s.has_opt !== true) expect(s.opt).toBe(0);
      if (s.flag === 0) expect(s.flag_data).toBe(0);
      if (machine === 'syn-m-1') expect(s.prop_val).toBe(0);
      expect(Number(s.level)).toBeGreaterThanOrEqual(0);
      expect(Number(s.level)).toBeLessThanOrEqual(5);
      expect(s.checksum).toBe((Number(s.n) + Number(s.len)) & 0xff); // a fixed point of pre_save
    }
  });

  test('values cover the reset value and the full range of each codec', () => {
    const seen = (f: (s: State) => boolean) => samples.some(f);
    expect(seen((s) => s.i64 === 0n) && seen((s) => (s.i64 as bigint) < 0n) && seen((s) => (s.i64 as bigint) > 2n ** 32n)).toBe(true);
    expect(seen((s) => s.timer === -1n) && seen((s) => (s.timer as bigint) >= 0n)).toBe(true);
    expect(seen((s) => s.has_opt === true && s.opt !== 0)).toBe(true);
    expect(seen((s) => (s.fixed as number[]).some((b) => b > 127))).toBe(true);
    expect(samples.every((s) => Number(s.cust) >= 1 && Number(s.cust) <= 9)).toBe(true);
  });

  test('needed() subsections come out both sent and not sent', () => {
    const counts = new Map<string, number>();
    for (const s of samples) for (const sub of roundTrip(engine, 'syn', s).subsections) counts.set(sub, (counts.get(sub) ?? 0) + 1);
    for (const sub of ['syn/flag', 'syn-elem/extra']) {
      expect(counts.get(sub) ?? 0).toBeGreaterThan(0);
      expect(counts.get(sub) ?? 0).toBeLessThan(RUNS * (sub === 'syn/flag' ? 1 : 10));
    }
    const flagged = samples.filter((s) => s.flag !== 0).length;
    expect(flagged).toBeGreaterThan(0);
    expect(flagged).toBeLessThan(RUNS);
    expect(counts.get('syn/prop') ?? 0).toBe(machine === 'syn-m-2' ? RUNS : 0);
  });
});

test('a custom codec without an arbitrary keeps its reset value, or throws in strict mode', () => {
  const engine = synEngine();
  expect(fc.sample(stateArbitrary(engine, 'syn'), { numRuns: 20, seed: 1 }).every((s) => s.cust === 0)).toBe(true);
  let error: unknown;
  try {
    stateArbitrary(engine, 'syn', {}, { strict: true });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(VmError);
  expect((error as VmError).message).toMatch(/custom codec 'syn-custom' has no arbitrary/);
});

test('refine runs on every state and what it sets where the save does not write stays (a post_load rebuilds such members)', () => {
  const engine = synEngine();
  const arb = stateArbitrary(engine, 'syn', {
    ...gen,
    refine: (s) => {
      s.level = 3;
      s.future = 7n; // not on the wire: the device's rule, kept
      return s;
    },
  });
  for (const s of fc.sample(arb, { numRuns: 30, seed: 2 })) {
    expect(s.level).toBe(3);
    expect(s.future).toBe(7n);
  }
});

test('shrinking goes back toward the reset state', () => {
  const engine = synEngine();
  const out = fc.check(
    fc.property(stateArbitrary(engine, 'syn', gen), (s) => Number(s.n) < 2),
    { seed: 5, numRuns: 500 },
  );
  expect(out.failed).toBe(true);
  const s = out.counterexample![0];
  expect(s.n).toBe(2);
  expect(s.i64).toBe(0n);
  expect(s.timer).toBe(-1n);
});
