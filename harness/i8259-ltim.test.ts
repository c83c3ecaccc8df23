/**
 * The built-in scenario i8259-ltim names every hand release pair across the
 * 7.2/8.0 boundary, not just 8.0.0 → 7.2.x: the subsection has no compat
 * property, so a newer sender breaks an older receiver at every machine
 * type, as the real 10.0.2 → 7.2.22 does (src/qemu/i8259-ltim.test.ts).
 * Each planned i8259 case of these pairs runs and its verdict is the one
 * its scenario expects (no unexpected result, and failures are earned).
 */
import { describe, expect, test } from 'vitest';
import { planMatrix } from '../src/check/matrix.js';
import { runPlannedCase, type StateMode } from '../src/check/run.js';
import { releases } from '../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';
import { loadScenarios } from './scenarios.js';

const mode: StateMode = { kind: 'property', runs: 25, seed: 3, arbitrary: deviceStateArbitrary };

describe('i8259/ltim across non-adjacent hand releases', () => {
  test.each(['7.2.1:10.0.0', '7.2.0:9.0.1', '7.2.1:8.0.0'])('%s at pc-q35-7.2: newer → older fails as expected (unknown-subsection), older → newer passes', (pair) => {
    const scenarioCases = loadScenarios().flatMap((s) => s.cases);
    const plan = planMatrix(releases, { scenarioCases, filters: { pairs: [pair], device: ['i8259'], machine: ['pc-q35-7.2'] } });
    const [older, newer] = pair.split(':');
    expect(plan.cases.map((c) => [c.from, c.to, c.expect])).toEqual([
      [older, newer, { status: 'pass' }],
      [newer, older, { status: 'fail', kind: 'unknown-subsection' }],
    ]);
    for (const c of plan.cases) {
      const r = runPlannedCase(c, releases.find((x) => x.name === c.from)!, releases.find((x) => x.name === c.to)!, mode);
      expect(r.unexpected, `${c.id}: ${r.status} ${r.kind ?? ''} ${r.message ?? ''}`).toBe(false);
      expect(r.status).toBe(c.expect.status);
    }
  });
});
