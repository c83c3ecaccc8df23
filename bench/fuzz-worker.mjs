/** The fuzz loop of bench/fuzz.mjs, in a worker thread (see there). */
import { parentPort, workerData } from 'node:worker_threads';
import { engineSeeds, qemuSeeds } from '../dist/test/fuzz/corpus.js';
import { fuzz } from '../dist/test/fuzz/run.js';

const { n, seed, qemu, slowMs } = workerData;
const engine = engineSeeds();
const real = qemu ? await qemuSeeds() : [];
// a quarter of the random mutations go to the real QEMU streams
for (const s of real) s.weight = engine.length / 3 / real.length;
const seeds = [...engine, ...real];
parentPort.postMessage({ type: 'corpus', seeds: seeds.length, engine: engine.length, qemu: real.length, bytes: seeds.reduce((a, s) => a + s.bytes.length, 0) });
let done = 0;
const report = fuzz({
  seeds,
  n,
  seed,
  slowMs,
  maxCuts: 400,
  onBefore: (label) => parentPort.postMessage({ type: 'input', label }),
  onInput: (i, rep) => {
    if (++done % 10000 === 0) parentPort.postMessage({ type: 'progress', inputs: rep.inputs });
  },
});
parentPort.postMessage({ type: 'done', report });
