#!/usr/bin/env node
/**
 * The long fuzz run: `npm run fuzz -- --n 100000 [--seed S] [--no-qemu] [--hang-ms 5000]`.
 * Mutates streams the engine saves (every built-in release) and, unless --no-qemu,
 * streams real QEMU 7.2 and 10.0 write; runs decode (+ re-encode), walk and
 * Engine.load on each; prints counts per outcome and per error kind, the slowest
 * input, and peak RSS. The work runs in a worker thread so that a hang is seen (and
 * named) by the main thread instead of stopping the run silently. Exit 1 on any
 * crash, incomplete message, re-encode mismatch, slow input or hang.
 */
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { resourceUsage } from 'node:process';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    'no-qemu': { type: 'boolean', default: false },
    'hang-ms': { type: 'string', default: '5000' },
    'slow-ms': { type: 'string', default: '1000' },
  },
});
const n = Number(values.n);
const hangMs = Number(values['hang-ms']);
if (!Number.isSafeInteger(n) || n < 0) {
  console.error(`fuzz: --n expects a non-negative integer, got '${values.n}'`);
  process.exit(2);
}

const t0 = performance.now();
let peakRss = 0;
let current = null;
let hang = null;
const worker = new Worker(new URL('./fuzz-worker.mjs', import.meta.url), {
  workerData: { n, seed: Number(values.seed), qemu: !values['no-qemu'], slowMs: Number(values['slow-ms']) },
});
const watch = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (current && performance.now() - current.since > hangMs) {
    hang = current;
    void worker.terminate();
  }
}, 100);

const report = await new Promise((resolve, reject) => {
  worker.on('message', (m) => {
    if (m.type === 'input') current = { label: m.label, since: performance.now() };
    else if (m.type === 'corpus') console.log(`corpus: ${m.seeds} streams (${m.bytes} bytes): ${m.engine} engine-saved, ${m.qemu} real QEMU`);
    else if (m.type === 'progress') console.log(`  ${m.inputs} inputs · ${((performance.now() - t0) / 1000).toFixed(0)} s · rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
    else if (m.type === 'done') resolve(m.report);
  });
  worker.on('error', reject);
  worker.on('exit', () => resolve(null));
});
clearInterval(watch);
peakRss = Math.max(peakRss, resourceUsage().maxRSS * 1024);

const s = ((performance.now() - t0) / 1000).toFixed(1);
if (hang || !report) {
  console.log(`HANG: ${hang?.label ?? '(the worker stopped)'} ran longer than ${hangMs} ms; stopped after ${s} s`);
  process.exit(1);
}
const sorted = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(' · ');
console.log(`\n${report.inputs} inputs in ${s} s (seed ${values.seed}); each run through decode (+ re-encode) and walk, the engine-saved ones through Engine.load too`);
console.log(`outcomes (per parser run): ${sorted(report.outcomes)}`);
console.log(`hangs (> ${hangMs} ms): 0 · slow (> ${values['slow-ms']} ms): ${report.slow} (of which over that in CPU time: ${report.slowCpu}) · max time per input ${report.maxMs.toFixed(1)} ms (${report.maxMsInput}), max CPU time per input ${report.maxCpuMs.toFixed(1)} ms`);
console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
console.log(`typed error kinds: ${sorted(report.kinds)}`);
console.log(`mutators: ${sorted(report.mutators)}`);
for (const f of report.findings) console.log(`FINDING ${f.parser}: ${f.input}: ${f.detail}`);
const bad = (report.outcomes.crash ?? 0) + (report.outcomes['incomplete-message'] ?? 0) + (report.outcomes['reencode-mismatch'] ?? 0) + report.slowCpu;
process.exit(bad ? 1 : 0);
