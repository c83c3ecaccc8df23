#!/usr/bin/env node
/**
 * The interpreter and the compiled engine side by side, in one process, on
 * the same generated states: checked bidirectional round trips per second
 * (save A, load A, load B, save B, load A, compare: the property's check
 * of one state, generation excluded) and the ratio. Runs alternate between
 * the engines in short slices so that a noisy machine slows both alike.
 * `npm run bench:engines [-- --states N --seconds S --only TEXT]`.
 *
 * On a shared machine wall time says more about the neighbours than about
 * the engines: `--clock cpu` times the process's CPU time instead, and
 * `--engine compiled|interpreted` runs one engine alone (its own heap: in one
 * heap, the collection one engine's garbage sets off can land in the other's
 * slice), for two runs to compare.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { Engine } from '../dist/src/machine/engine.js';
import { passes } from '../dist/src/check/case.js';
import { stateArbitrary } from '../dist/src/gen/index.js';
import { releases } from '../dist/scenarios/releases/index.js';
import { wide30Release } from '../dist/src/gen/_test/wide30.js';

const { values } = parseArgs({
  options: { states: { type: 'string', default: '200' }, seconds: { type: 'string', default: '2' }, only: { type: 'string' }, clock: { type: 'string', default: 'wall' }, engine: { type: 'string' } },
});
if (values.clock !== 'wall' && values.clock !== 'cpu') throw new Error(`--clock ${values.clock}: use wall or cpu`);
if (values.engine !== undefined && values.engine !== 'compiled' && values.engine !== 'interpreted') throw new Error(`--engine ${values.engine}: use compiled or interpreted`);
/** ms: wall time, or this process's CPU time (user + system, all its threads) */
const now = values.clock === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
const kinds = values.engine ? [values.engine] : ['interpreted', 'compiled'];
const STATES = Number(values.states);
const SECONDS = Number(values.seconds);
const rel = (n) => releases.find((r) => r.name === n);

const wide = wide30Release;

const cases = [
  { label: '30-field device w1 -> w2 @ pc-q35-1.0', device: 'wide30', a: wide('w1'), b: wide('w2'), machine: 'pc-q35-1.0' },
  { label: 'virtio-gpu 8.2.0 -> 9.0.1 @ pc-q35-8.2', device: 'virtio-gpu', a: rel('8.2.0'), b: rel('9.0.1'), machine: 'pc-q35-8.2' },
  { label: 'e1000 9.0.0 -> 9.1.0 @ pc-q35-8.2', device: 'e1000', a: rel('9.0.0'), b: rel('9.1.0'), machine: 'pc-q35-8.2' },
  { label: 'ich9-ahci 9.0.0 -> 9.1.0 @ pc-q35-8.2', device: 'ich9-ahci', a: rel('9.0.0'), b: rel('9.1.0'), machine: 'pc-q35-8.2' },
].filter((c) => !values.only || c.label.includes(values.only));

console.log(`checked bidirectional round trips/s (generation excluded) · ${STATES} states per device · ${SECONDS} s per engine · ${values.clock} clock · node ${process.version}`);
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
    const t0 = now();
    for (const s of states) passes(engines, s);
    spent[kind] += now() - t0;
    done[kind] += states.length;
  };
  while (spent.interpreted + spent.compiled < kinds.length * SECONDS * 1000) {
    if (kinds.includes('interpreted')) slice('interpreted', I);
    if (kinds.includes('compiled')) slice('compiled', C);
  }
  const rate = (k) => (done[k] / spent[k]) * 1000;
  const shown = (k) => (kinds.includes(k) ? rate(k).toFixed(0) : '-').padStart(12);
  const ratio = kinds.length === 2 ? `×${(rate('compiled') / rate('interpreted')).toFixed(2)}` : '';
  console.log(`${c.label.padEnd(42)} ${shown('interpreted')} ${shown('compiled')}   ${ratio}`);
}
