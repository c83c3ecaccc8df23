/**
 * Runs planned cases on N worker threads (node:worker_threads over the
 * build in dist/), or on this thread when N is 1. Each worker pulls the next
 * case when it finishes one, so slow cases do not hold up a fixed slice.
 * Results come back in completion order through `onResult` and, at the end,
 * in plan order: a case's verdict depends only on its id and the seed.
 */
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { VmError } from '../src/wire/errors.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';
import type { ReportCase } from '../src/check/report-schema.js';
import type { PlannedCase } from '../src/check/matrix.js';
import type { Release } from '../src/machine/types.js';
import { erroredCase, executor, type ExecConfig } from './execute.js';
import type { WorkerRequest } from './worker.js';
import { packageRoot } from './paths.js';

export interface PoolOptions {
  workers: number;
  /** The release list of this process (built-ins plus config.releaseModules). */
  releases: readonly Release[];
  config: ExecConfig;
  onResult?: (r: ReportCase) => void;
  /**
   * The old-generation heap cap of each worker, in MB. Given, every case runs on a
   * worker thread (one with --workers 1), so that a case that exhausts it is that
   * case's error and the run goes on; absent, one worker runs on this thread.
   */
  caseMemoryMb?: number;
}

/** The default cap: half of this machine's memory shared by the workers, 1 to 4 GB each. */
export function defaultCaseMemoryMb(workers: number, total = totalmem()): number {
  const share = Math.floor(total / 2 / 2 ** 20 / Math.max(1, workers));
  return Math.min(4096, Math.max(1024, share));
}

export function workerScript(): string {
  return join(packageRoot(), 'dist', 'harness', 'worker.js');
}

export async function runCases(cases: readonly PlannedCase[], opts: PoolOptions): Promise<ReportCase[]> {
  const out = new Map<number, ReportCase>();
  const done = (r: ReportCase) => {
    out.set(r.index, r);
    opts.onResult?.(r);
  };
  const local = executor(opts.releases, opts.config, deviceStateArbitrary);
  // Skipped cases cost nothing: never ship them to a worker. Known failures go first: shrinking makes
  // them the slowest cases, and a slow case started last is what keeps the other workers waiting.
  const work = [...cases.filter((c) => !c.skip && c.expect.status === 'fail'), ...cases.filter((c) => !c.skip && c.expect.status !== 'fail')];
  for (const c of cases) if (c.skip) done(local.run(c));
  const n = Math.min(opts.workers, work.length);
  if (n <= 1 && opts.caseMemoryMb === undefined) {
    for (const c of work) {
      done(local.run(c));
      // let the terminal redraw between cases
      await new Promise<void>((r) => setImmediate(r));
    }
  } else {
    await onWorkers(work, Math.max(1, n), opts.config, done, opts.caseMemoryMb);
  }
  return cases.map((c) => out.get(c.index)!);
}

function onWorkers(work: readonly PlannedCase[], n: number, config: ExecConfig, done: (r: ReportCase) => void, capMb?: number): Promise<void> {
  if (work.length === 0) return Promise.resolve();
  const script = workerScript();
  if (!existsSync(script)) {
    throw new VmError({ kind: 'bad-input', message: `${script} is missing: run \`npm run build\` (or use --workers 1)` });
  }
  let next = 0;
  let finished = 0;
  return new Promise<void>((resolve) => {
    const start = () => {
      const w = new Worker(script, { workerData: { config }, ...(capMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: capMb } }) });
      let current: PlannedCase | null = null;
      let t0 = 0;
      const feed = () => {
        if (next >= work.length) {
          current = null;
          void w.terminate();
          return;
        }
        current = work[next++]!;
        t0 = performance.now();
        w.postMessage({ case: current } satisfies WorkerRequest);
      };
      const settle = () => {
        finished++;
        if (finished === work.length) resolve();
      };
      w.on('message', (r: ReportCase) => {
        done(r);
        settle();
        feed();
      });
      // A worker that dies takes only its case down: that case is an error, a fresh worker goes on.
      const lost = (why: string) => {
        if (!current) return;
        const c = current;
        current = null;
        done(erroredCase(c, `the worker died running this case: ${why}`, Math.round(performance.now() - t0), config));
        settle();
        if (next < work.length) start();
      };
      w.on('error', (e: Error & { code?: string }) =>
        lost(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the case exhausted the worker's heap cap of ${capMb} MB (--case-memory raises it)` : (e.stack ?? e.message)),
      );
      w.on('exit', (code) => lost(`it exited with code ${code}`));
      feed();
    };
    for (let i = 0; i < n; i++) start();
  });
}
