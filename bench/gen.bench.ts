/**
 * Throughput of generated states: generate only, and generate + save +
 * load on the same engine (what a round-trip property run costs per
 * state). Each iteration is one fc.assert over BATCH states; the figures
 * printed at the end are states per second.
 */
import fc from 'fast-check';
import { afterAll, bench, describe } from 'vitest';
import { Engine } from '../src/machine/engine.js';
import type { State } from '../src/vmstate/types.js';
import { releases } from '../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';

const BATCH = 50;
const release = releases.find((r) => r.name === '9.0.1')!;
const MACHINE = 'pc-q35-9.0';

const totals = new Map<string, { states: number; ms: number }>();
function timed(name: string, run: () => void): () => void {
  return () => {
    const t = performance.now();
    run();
    const cur = totals.get(name) ?? { states: 0, ms: 0 };
    cur.states += BATCH;
    cur.ms += performance.now() - t;
    totals.set(name, cur);
  };
}

const payloads = new Map<string, number[]>();

afterAll(() => {
  for (const [device, sizes] of payloads) {
    console.log(`${device}: mean section payload ${(sizes.reduce((a, b) => a + b, 0) / sizes.length).toFixed(0)} bytes over ${sizes.length} states`);
  }
  for (const [name, { states, ms }] of totals) {
    console.log(`${name.padEnd(44)} ${((states / ms) * 1000).toFixed(0).padStart(7)} states/s  (${states} states)`);
  }
});

for (const device of ['virtio-gpu', 'isa-ipmi-kcs']) {
  describe(device, () => {
    const engine = new Engine(release, MACHINE, { devices: [device] });
    const arb = deviceStateArbitrary(engine, device);
    let seed = 1;
    const sizes: number[] = [];
    payloads.set(device, sizes);
    bench(
      `${device}: generate`,
      timed(`${device} generate`, () => {
        fc.assert(fc.property(arb, () => true), { numRuns: BATCH, seed: seed++ });
      }),
      { time: 2000 },
    );
    bench(
      `${device}: generate + save + load`,
      timed(`${device} generate+save+load`, () => {
        fc.assert(
          fc.property(arb, (s: State) => {
            const saved = engine.save({ [device]: s });
            if (sizes.length < 1000) sizes.push(saved.sections[0]!.payloadEnd - saved.sections[0]!.payloadOffset);
            return engine.load(saved.bytes).ok;
          }),
          { numRuns: BATCH, seed: seed++ },
        );
      }),
      { time: 2000 },
    );
  });
}
