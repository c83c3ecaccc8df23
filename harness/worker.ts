/**
 * A worker thread of `check` and `prove`: runs the cases the pool hands it,
 * one at a time, and posts each report case back. Runs from dist/.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';
import type { PlannedCase } from '../src/check/matrix.js';
import { executor, type ExecConfig } from './execute.js';
import { loadReleases } from './releases.js';

export interface WorkerRequest {
  case: PlannedCase;
}

const port = parentPort;
if (!port) throw new Error('harness/worker.js is a worker thread entry point');
const config = (workerData as { config: ExecConfig }).config;
// messages wait in the port until the listener below is attached
const run = executor(await loadReleases(config.releaseModules ?? []), config, deviceStateArbitrary);
port.on('message', (msg: WorkerRequest) => {
  port.postMessage(run.run(msg.case));
});
