import fc from 'fast-check';
import { VmError } from '../wire/errors.js';
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
  /** fast-check's replay path of a shrunk counterexample (`e<path>`: of a hand-written example). */
  path?: string;
  /**
   * How many more states the shrinker may check after the first failure
   * (default {@link DEFAULT_SHRINK_BUDGET}). Counted, not timed, so that the
   * counterexample is the same on every machine and at every worker count.
   * A replay (`path`) never shrinks further: it reproduces the printed state.
   */
  shrinkBudget?: number;
  /**
   * States always checked, as fast-check `examples` (one state per key
   * each): the models' hand-written states, so that a known failure they
   * show is found at any `runs`. They are checked after the `runs`
   * generated states pass (a generated failure shrinks; a hand-written one
   * is reported as written, its replay path starting with `e`).
   */
  examples?: readonly Record<string, State>[];
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
  const examples = opts.examples ?? [];
  const replay = opts.path !== undefined ? /^(e)?(.*)$/.exec(opts.path)! : null;
  // generated states first, so that their failures shrink; then the hand-written ones (fast-check runs examples first)
  const generated = replay?.[1] ? null : check(engines, arb, opts, { numRuns: opts.runs, path: replay?.[2] });
  if (generated?.failure || examples.length === 0) return generated!;
  const given = check(engines, arb, opts, { numRuns: examples.length, path: replay?.[2], examples: examples.map((e) => [e]) });
  const runs = (generated?.runs ?? 0) + given.runs;
  return { ...given, runs, path: given.path === null ? null : `e${given.path}` };
}

/** One fast-check run of the property; a failure is shrunk within the budget and checked again with its full description. */
function check(
  engines: CaseEngines,
  arb: fc.Arbitrary<Record<string, State>>,
  opts: PropertyOptions,
  run: { numRuns: number; path: string | undefined; examples?: [Record<string, State>][] },
): PropertyOutcome {
  const budget = run.path !== undefined ? 0 : opts.shrinkBudget ?? DEFAULT_SHRINK_BUDGET;
  let failed = false;
  let spent = 0;
  const holds = (s: Record<string, State>): boolean => {
    if (failed) spent++;
    const ok = passes(engines, s);
    if (!ok) failed = true;
    return ok;
  };
  const property = fc.property(arb, holds);
  // Once the budget is spent the run is interrupted and the last failing state stands. Answering
  // "passes" instead would let fast-check walk the rest of the shrink tree, which for a large
  // state is millions of candidates (each one a new state) and looks like a hang.
  const bounded: fc.IRawProperty<[Record<string, State>]> = {
    isAsync: () => false,
    generate: (mrng, runId) => property.generate(mrng, runId),
    shrink: (value) => property.shrink(value),
    run: (v) => (failed && spent >= budget ? new fc.PreconditionFailure(true) : property.run(v)),
    runBeforeEach: () => property.runBeforeEach(),
    runAfterEach: () => property.runAfterEach(),
  };
  let details: fc.RunDetails<[Record<string, State>]>;
  try {
    details = fc.check(bounded, { numRuns: run.numRuns, seed: opts.seed, path: run.path, endOnFailure: false, examples: run.examples }) as fc.RunDetails<[Record<string, State>]>;
  } catch (e) {
    // fast-check refuses a path that leads nowhere from this seed: a replay line of another case, seed or vmcompat
    if (run.path !== undefined && e instanceof Error && /Unable to replay/.test(e.message)) {
      throw new VmError({
        kind: 'bad-input',
        message: `--path ${run.path} leads to no state from seed ${opts.seed} in this case: the replay line comes from another case, another seed or another vmcompat (run check again for a line this one reproduces)`,
      });
    }
    throw e;
  }
  if (!details.failed) {
    return { failure: null, counterexample: null, seed: details.seed, path: null, runs: details.numRuns, shrinks: 0 };
  }
  if (!details.counterexample) throw new Error(`the property stopped without a counterexample (${details.interrupted ? 'interrupted' : 'too many skipped runs'})`);
  const cex = details.counterexample[0];
  const failure = checkStates(engines, cex);
  if (!failure) throw new Error('the shrunk counterexample passes when checked again: the property is not deterministic');
  return { failure, counterexample: cex, seed: details.seed, path: details.counterexamplePath, runs: details.numRuns, shrinks: details.numShrinks };
}
