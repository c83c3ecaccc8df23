/**
 * The whole bidirectional property per generated state (generate, save A,
 * load A, load B, save B, load A, compare), for virtio-gpu 8.2.0 → 9.0.1 at
 * pc-q35-8.2 and for a synthetic 30-field device. Prints checked states/s.
 */
import { afterAll, bench, describe } from 'vitest';
import * as D from '../src/vmstate/dsl.js';
import { buildMachines } from '../src/machine/compat.js';
import type { DeviceClass, Release } from '../src/machine/types.js';
import type { State, VMStateField } from '../src/vmstate/types.js';
import { runCase } from '../src/check/run.js';
import { stateArbitrary } from '../src/gen/index.js';
import { releases } from '../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';

const BATCH = 100;
const rel = (n: string) => releases.find((r) => r.name === n)!;

/** 30 scalar fields of every width, a version-gated one and a subsection: a mid-sized ISA device. */
function wide(name: string): Release {
  const makers = [D.VMSTATE_UINT8, D.VMSTATE_UINT16, D.VMSTATE_UINT32, D.VMSTATE_UINT64, D.VMSTATE_INT32, D.VMSTATE_BOOL];
  const fields: VMStateField[] = Array.from({ length: 29 }, (_, i) => makers[i % makers.length]!(`f${i}`));
  fields.push(D.VMSTATE_UINT32_V('f29', 2));
  const dev: DeviceClass = {
    name: 'wide30',
    type: 'wide30',
    parents: ['device'],
    props: {},
    vmsd: {
      name: 'wide30',
      version_id: 2,
      minimum_version_id: 1,
      fields,
      subsections: [{ name: 'wide30/extra', version_id: 1, minimum_version_id: 1, needed: (s) => s.f0 !== 0, fields: [D.VMSTATE_UINT32('extra')] }],
    },
    idstr: 'wide30',
    instanceId: 0,
    reset: () => {
      const s: State = { extra: 0 };
      fields.forEach((f, i) => (s[f.name] = [0, 0, 0, 0n, 0, false][i % 6] ?? 0));
      s.f29 = 0;
      return s;
    },
  };
  return { name, compatArrays: {}, devices: [dev], machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['1.0'] }], {}) };
}

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
