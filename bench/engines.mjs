#!/usr/bin/env node
/**
 * The interpreter and the compiled engine side by side, in one process, on
 * the same generated states: checked bidirectional round trips per second
 * (save A, load A, load B, save B, load A, compare: the property's check
 * of one state, generation excluded) and the ratio. Runs alternate between
 * the engines in short slices so that a noisy machine slows both alike.
 * `npm run bench:engines [-- --states N --seconds S]`.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import * as D from '../dist/src/vmstate/dsl.js';
import { buildMachines } from '../dist/src/machine/compat.js';
import { Engine } from '../dist/src/machine/engine.js';
import { passes } from '../dist/src/check/case.js';
import { stateArbitrary } from '../dist/src/gen/index.js';
import { releases } from '../dist/scenarios/releases/index.js';

const { values } = parseArgs({ options: { states: { type: 'string', default: '200' }, seconds: { type: 'string', default: '2' }, only: { type: 'string' } } });
const STATES = Number(values.states);
const SECONDS = Number(values.seconds);
const rel = (n) => releases.find((r) => r.name === n);

/** 30 scalar fields of every width, a version-gated one and a subsection: the 30-field bench device (bench/property.bench.ts). */
function wide(name) {
  const makers = [D.VMSTATE_UINT8, D.VMSTATE_UINT16, D.VMSTATE_UINT32, D.VMSTATE_UINT64, D.VMSTATE_INT32, D.VMSTATE_BOOL];
  const fields = Array.from({ length: 29 }, (_, i) => makers[i % makers.length](`f${i}`));
  fields.push(D.VMSTATE_UINT32_V('f29', 2));
  const dev = {
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
      const s = { extra: 0 };
      fields.forEach((f, i) => (s[f.name] = [0, 0, 0, 0n, 0, false][i % 6] ?? 0));
      s.f29 = 0;
      return s;
    },
  };
  return { name, compatArrays: {}, devices: [dev], machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['1.0'] }], {}) };
}

const cases = [
  { label: '30-field device w1 -> w2 @ pc-q35-1.0', device: 'wide30', a: wide('w1'), b: wide('w2'), machine: 'pc-q35-1.0' },
  { label: 'virtio-gpu 8.2.0 -> 9.0.1 @ pc-q35-8.2', device: 'virtio-gpu', a: rel('8.2.0'), b: rel('9.0.1'), machine: 'pc-q35-8.2' },
  { label: 'e1000 9.0.0 -> 9.1.0 @ pc-q35-8.2', device: 'e1000', a: rel('9.0.0'), b: rel('9.1.0'), machine: 'pc-q35-8.2' },
  { label: 'ich9-ahci 9.0.0 -> 9.1.0 @ pc-q35-8.2', device: 'ich9-ahci', a: rel('9.0.0'), b: rel('9.1.0'), machine: 'pc-q35-8.2' },
].filter((c) => !values.only || c.label.includes(values.only));

console.log(`checked bidirectional round trips/s (generation excluded) · ${STATES} states per device · ${SECONDS} s per engine · node ${process.version}`);
console.log(`${'case'.padEnd(42)} ${'interpreted'.padStart(12)} ${'compiled'.padStart(12)}   ratio`);
for (const c of cases) {
  const make = (engine) => {
    const opts = { devices: [c.device], engine };
    return { a: new Engine(c.a, c.machine, opts), b: new Engine(c.b, c.machine, opts) };
  };
  const I = make('interpreted');
  const C = make('compiled');
  const states = fc.sample(stateArbitrary(I.a, c.device), { numRuns: STATES, seed: 42 }).map((s) => ({ [c.device]: s }));
  // same verdicts on the same states, or the figures mean nothing
  for (const s of states) {
    if (passes(I, s) !== passes(C, s)) throw new Error(`${c.label}: the engines disagree on a state`);
  }
  const spent = { interpreted: 0, compiled: 0 };
  const done = { interpreted: 0, compiled: 0 };
  const slice = (kind, engines) => {
    const t0 = performance.now();
    for (const s of states) passes(engines, s);
    spent[kind] += performance.now() - t0;
    done[kind] += states.length;
  };
  while (spent.interpreted + spent.compiled < 2 * SECONDS * 1000) {
    slice('interpreted', I);
    slice('compiled', C);
  }
  const rate = (k) => (done[k] / spent[k]) * 1000;
  console.log(`${c.label.padEnd(42)} ${rate('interpreted').toFixed(0).padStart(12)} ${rate('compiled').toFixed(0).padStart(12)}   ×${(rate('compiled') / rate('interpreted')).toFixed(2)}`);
}
