/**
 * The whole bidirectional property per generated state (generate, save A,
 * load A, load B, save B, load A, compare), for virtio-gpu 8.2.0 → 9.0.1 at
 * pc-q35-8.2 and for a synthetic 30-field device. Prints checked states/s.
 */
import { afterAll, bench, describe } from 'vitest';
import { runCase } from '../src/check/run.js';
import { stateArbitrary } from '../src/gen/index.js';
import { releases } from '../scenarios/releases/index.js';
import { wide30Release } from '../src/gen/_test/wide30.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';

const BATCH = 100;
const rel = (n: string) => releases.find((r) => r.name === n)!;

const wide = wide30Release;

const figures = new Map<string, { states: number; ms: number }>();
afterAll(() => {
  for (const [name, { states, ms }] of figures) console.log(`${name.padEnd(48)} ${((states / ms) * 1000).toFixed(0).padStart(7)} checked states/s (${states} states)`);
});

function measured(name: string, run: (seed: number) => number): () => void {
  let seed = 1;
  return () => {
    const t = performance.now();
    const n = run(seed++);
    const f = figures.get(name) ?? { states: 0, ms: 0 };
    f.states += n;
    f.ms += performance.now() - t;
    figures.set(name, f);
  };
}

describe('the bidirectional property, per generated state', () => {
  bench(
    'virtio-gpu 8.2.0 -> 9.0.1 @ pc-q35-8.2',
    measured('virtio-gpu 8.2.0 -> 9.0.1 @ pc-q35-8.2', (seed) => {
      const r = runCase({ device: 'virtio-gpu', from: rel('8.2.0'), to: rel('9.0.1'), machine: 'pc-q35-8.2' }, null, { kind: 'property', runs: BATCH, seed, arbitrary: deviceStateArbitrary });
      if (r.status !== 'pass') throw new Error(r.message ?? 'failed');
      return r.states;
    }),
    { time: 3000 },
  );
  const a = wide('w1');
  const b = wide('w2');
  bench(
    '30-field device w1 -> w2 @ pc-q35-1.0',
    measured('30-field device w1 -> w2 @ pc-q35-1.0', (seed) => {
      const r = runCase({ device: 'wide30', from: a, to: b, machine: 'pc-q35-1.0' }, null, { kind: 'property', runs: BATCH, seed, arbitrary: (e, k) => stateArbitrary(e, k) });
      if (r.status !== 'pass') throw new Error(r.message ?? 'failed');
      return r.states;
    }),
    { time: 3000 },
  );
});
