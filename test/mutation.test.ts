/**
 * The mutation suite: one broken next release per class of compat bug,
 * each caught in the right direction(s) with the right kind, and the
 * correct variant of each class passing for at least 10,000 generated states.
 */
import { describe, expect, it } from 'vitest';
import type fc from 'fast-check';
import { base, mutations } from '../scenarios/mutations/mutdev.js';
import { runCase } from '../src/check/run.js';
import { stateArbitrary } from '../src/gen/index.js';
import type { Engine } from '../src/machine/engine.js';
import type { State } from '../src/vmstate/types.js';

/** The generic VMSD-derived arbitrary, refined by each release's validity rules. */
function arbitrary(engine: Engine, key: string): fc.Arbitrary<State> {
  const refine = engine.release.name === 'next-post-load-rejects' ? (s: State) => ((s.a = Number(s.a) % 200), s) : undefined;
  return stateArbitrary(engine, key, { refine });
}

const MACHINE = 'pc-q35-1.0';
const BROKEN_RUNS = 500;
const CORRECT_RUNS = 10_000;

function run(from: typeof base, to: typeof base, runs: number) {
  return runCase({ device: 'mutdev', from, to, machine: MACHINE }, null, { kind: 'property', arbitrary, runs, seed: 20261126 });
}

function expectVerdict(r: ReturnType<typeof run>, want: string, runs: number) {
  if (want === 'pass') {
    expect(r.message).toBeNull();
    expect(r.status).toBe('pass');
    expect(r.states).toBeGreaterThanOrEqual(runs);
    return;
  }
  const [stage, kind] = want.includes(':') ? want.split(':') : ['forward', want];
  expect(r.status).toBe('fail');
  expect(r.kind).toBe(kind);
  expect(r.stage).toBe(stage);
}

describe.each(mutations)('$klass: $name', (m) => {
  const runs = m.correct ? CORRECT_RUNS : BROKEN_RUNS;
  it(`base → ${m.release.name}: ${m.forward}`, () => expectVerdict(run(base, m.release, runs), m.forward, runs));
  it(`${m.release.name} → base: ${m.backward}`, () => expectVerdict(run(m.release, base, runs), m.backward, runs));
});

it('every class has a broken variant, and the fixable ones a correct one', () => {
  const classes = new Set(mutations.map((m) => m.klass));
  for (const k of classes) expect(mutations.some((m) => m.klass === k && !m.correct)).toBe(true);
  for (const k of ['field added', 'nested struct version bump', 'VSTRUCT version bump', 'subsection added', 'section version', 'field width', 'field removed']) {
    expect(mutations.some((m) => m.klass === k && m.correct)).toBe(true);
  }
});
