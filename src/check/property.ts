import fc from 'fast-check';
import type { Engine } from '../machine/engine.js';
import type { State } from '../vmstate/types.js';
import { checkStates, passes, type CaseEngines } from './case.js';
import type { Failure } from './failure.js';

/** Builds the arbitrary of valid states of device `key` under engine A. */
export type ArbitraryFactory = (engine: Engine, key: string) => fc.Arbitrary<State>;

export interface PropertyOptions {
  arbitrary: ArbitraryFactory;
  /** States to generate (ignored when replaying a path). */
  runs: number;
  seed: number;
  /** fast-check's replay path of a shrunk counterexample. */
  path?: string;
  /**
   * How many more states the shrinker may check after the first failure
   * (default {@link DEFAULT_SHRINK_BUDGET}). Counted, not timed, so that the
   * counterexample is the same on every machine and at every worker count.
   * A replay (`path`) never shrinks further: it reproduces the printed state.
   */
  shrinkBudget?: number;
}

export const DEFAULT_SHRINK_BUDGET = 400;

export interface PropertyOutcome {
  failure: Failure | null;
  /** The shrunk states that fail, by device key. */
  counterexample: Record<string, State> | null;
  seed: number;
  /** Replays the counterexample directly: `--seed <seed> --path <path>`. */
  path: string | null;
  runs: number;
  shrinks: number;
}

/**
 * The bidirectional property over generated states: for all states s valid
 * under A, B loads save_A(s) and A loads save_B(load_B(save_A(s))) with the
 * wire projection unchanged. With several keys, s is a whole VM: one state
 * per device instance in one stream. fast-check shrinks the first failure.
 */
export function runProperty(engines: CaseEngines, keys: string[], opts: PropertyOptions): PropertyOutcome {
  const arb = fc.record(Object.fromEntries(keys.map((k) => [k, opts.arbitrary(engines.a, k)])) as Record<string, fc.Arbitrary<State>>);
  const budget = opts.path !== undefined ? 0 : opts.shrinkBudget ?? DEFAULT_SHRINK_BUDGET;
  let failed = false;
  let spent = 0;
  const holds = (s: Record<string, State>): boolean => {
    if (failed && spent++ >= budget) return true; // budget spent: the last failing state stands
    const ok = passes(engines, s);
    if (!ok) failed = true;
    return ok;
  };
  const details = fc.check(
    fc.property(arb, holds),
    { numRuns: opts.runs, seed: opts.seed, path: opts.path, endOnFailure: false },
  );
  if (!details.failed) {
    return { failure: null, counterexample: null, seed: details.seed, path: null, runs: details.numRuns, shrinks: 0 };
  }
  if (!details.counterexample) throw new Error(`the property stopped without a counterexample (${details.interrupted ? 'interrupted' : 'too many skipped runs'})`);
  const cex = details.counterexample[0];
  const failure = checkStates(engines, cex);
  if (!failure) throw new Error('the shrunk counterexample passes when checked again: the property is not deterministic');
  return { failure, counterexample: cex, seed: details.seed, path: details.counterexamplePath, runs: details.numRuns, shrinks: details.numShrinks };
}
