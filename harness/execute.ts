/**
 * Runs one planned case to its report case. The same code runs on the main
 * thread (one worker) and in worker threads, so the worker count cannot
 * change a verdict.
 */
import type { Release } from '../src/machine/types.js';
import { runPlannedCase, type StateMode } from '../src/check/run.js';
import { caseSeed } from '../src/check/seed.js';
import { cachedArbitraries } from '../src/check/arbitrary-cache.js';
import { errorCase, toReportCase, type ReportCase } from '../src/check/report-schema.js';
import type { PlannedCase } from '../src/check/matrix.js';
import { replayFlags, shellWord } from '../src/check/replay.js';
import type { ArbitraryFactory } from '../src/check/property.js';

/** How states are made: plain data, so that it can be handed to a worker. */
export interface ExecConfig {
  examples: boolean;
  runs: number;
  seed: number;
  /** `--releases` modules (absolute paths) that add to the built-in release models. */
  releaseModules?: string[];
  /** The same modules as replay lines spell them (relative to the working directory where possible). */
  releaseArgs?: string[];
  /** How many more states a failure's shrinking may check (default: the property's own, 400). */
  shrinkBudget?: number;
}


export interface Executor {
  run(c: PlannedCase): ReportCase;
}

export function executor(releases: readonly Release[], config: ExecConfig, arbitrary: ArbitraryFactory): Executor {
  const byName = new Map(releases.map((r) => [r.name, r]));
  const mode: StateMode = config.examples
    ? { kind: 'examples' }
    : { kind: 'property', runs: config.runs, seed: config.seed, arbitrary: cachedArbitraries(arbitrary), shrinkBudget: config.shrinkBudget };
  return {
    run(c) {
      const t0 = performance.now();
      const ms = () => Math.round(performance.now() - t0);
      try {
        const from = byName.get(c.from);
        const to = byName.get(c.to);
        if (!from || !to) throw new Error(`release ${from ? c.to : c.from} is not in this process's release list`);
        const r = runPlannedCase(c, from, to, mode, {
          scenario: c.scenario,
          reference: c.reference,
        });
        return withReplayContext(toReportCase(r, c, ms()), c, config);
      } catch (e) {
        const err = e as Error;
        const where = err.stack?.split('\n').slice(0, 4).join('\n') ?? String(e);
        return erroredCase(c, `the case threw: ${where}`, ms(), config);
      }
    },
  };
}

/** A replay needs the same VM (device list, globals) and the same release models. */
export function withReplayContext(out: ReportCase, c: PlannedCase, config: ExecConfig): ReportCase {
  if (out.repro) out.repro += replayFlags(c);
  if (out.repro && config.releaseModules?.length) out.repro += (config.releaseArgs ?? config.releaseModules).map((m) => ` --releases ${shellWord(m)}`).join('');
  return out;
}

/** A case that threw or whose worker died: an error, with the replay line a result would have. */
export function erroredCase(c: PlannedCase, message: string, durationMs: number, config: ExecConfig): ReportCase {
  return withReplayContext(errorCase(c, message, durationMs, config.examples ? null : caseSeed(config.seed, c.id)), c, config);
}
