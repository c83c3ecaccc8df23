import { createHash } from 'node:crypto';
import { VmError } from '../wire/errors.js';
import type { Release } from '../machine/types.js';
import type { State } from '../vmstate/types.js';
import { caseId, checkState, makeEngines, skipReason, type CaseEngines, type CaseSpec } from './case.js';
import type { Failure } from './failure.js';
import { runProperty, type PropertyOptions } from './property.js';
import { caseSeed } from './seed.js';
import { diffFromReset, stateToJson } from '../vmstate/state.js';
import type { Expectation, ScenarioCase } from './scenario.js';

export type CaseStatus = 'pass' | 'fail' | 'skip';

/** One case's verdict; the names are the JSON contract of `check --json`. */
export interface CaseResult {
  id: string;
  device: string;
  from: string;
  to: string;
  machine: string;
  status: CaseStatus;
  expected: 'pass' | 'fail' | null;
  expectedKind: string | null;
  kind: string | null;
  path: string | null;
  vmsd: string | null;
  offset: number | null;
  stage: string | null;
  message: string | null;
  /** How many states were checked. */
  states: number;
  /** True when the verdict differs from the expectation (an unexpected pass included). */
  unexpected: boolean;
  scenario: string | null;
  reference: string | null;
  /** Property runs: the case's seed, and the path that replays its shrunk counterexample. */
  seed: number | null;
  replayPath: string | null;
  shrinks: number | null;
  /** The shrunk state that fails (JSON-safe: bigints as strings, buffers as hex). */
  counterexample: unknown;
  /** The same, only where it differs from the sender's freshly reset device. */
  counterexampleDiff: unknown;
  /** The command that replays this failure. */
  repro: string | null;
  /** sha256 of the failing stream, so a replay can be checked byte for byte. */
  streamDigest: string | null;
  failure?: Failure;
}

/** How a case gets its states: the models' hand-written examples, or the property over generated states. */
export type StateMode =
  | { kind: 'examples'; source?: StateSource }
  | ({ kind: 'property' } & PropertyOptions & {
      /** Use `seed` as the case's own seed (replaying a reported failure) instead of deriving it. */
      exactSeed?: boolean;
    });

/** Supplies the states a case checks, valid under engine A. */
export type StateSource = (engines: CaseEngines, key: string) => Iterable<State>;

/** The hand-written states of each device model. */
export const exampleStates: StateSource = ({ a }, key) => {
  const inst = a.instance(key);
  return inst.cls.examples ? inst.cls.examples(inst.props) : [inst.cls.reset(inst.props)];
};

export function isUnexpected(status: CaseStatus, kind: string | null, expect: Expectation | null): boolean {
  if (status === 'skip') return false;
  if (!expect) return status === 'fail';
  if (expect.status === 'pass') return status !== 'pass';
  return status !== 'fail' || kind !== expect.kind;
}

export function resolveCase(c: ScenarioCase, releases: readonly Release[]): CaseSpec {
  const find = (n: string) => {
    const r = releases.find((x) => x.name === n);
    if (!r) {
      throw new VmError({
        kind: 'bad-input',
        message: `scenario '${c.scenario}': unknown release '${n}' (known: ${releases.map((x) => x.name).join(', ')})`,
      });
    }
    return r;
  };
  return { device: c.device, from: find(c.from), to: find(c.to), machine: c.machine };
}

/**
 * Runs one case and records its verdict against the expectation. A
 * property run's seed is derived from the run seed and the case id (unless
 * a replay path is given, which belongs to the seed printed with it).
 */
export function runCase(spec: CaseSpec, expect: Expectation | null, mode: StateMode, meta: Partial<CaseResult> = {}): CaseResult {
  const id = caseId(spec.device, spec.from.name, spec.to.name, spec.machine);
  const result: CaseResult = {
    id,
    device: spec.device,
    from: spec.from.name,
    to: spec.to.name,
    machine: spec.machine,
    status: 'pass',
    expected: expect?.status ?? null,
    expectedKind: expect?.status === 'fail' ? expect.kind : null,
    kind: null,
    path: null,
    vmsd: null,
    offset: null,
    stage: null,
    message: null,
    states: 0,
    unexpected: false,
    scenario: meta.scenario ?? null,
    reference: meta.reference ?? null,
    seed: null,
    replayPath: null,
    shrinks: null,
    counterexample: null,
    counterexampleDiff: null,
    repro: null,
    streamDigest: null,
  };
  const skip = skipReason(spec);
  if (skip) return { ...result, status: 'skip', message: skip };
  const engines = makeEngines(spec);
  const fail = (f: Failure) =>
    Object.assign(result, {
      status: 'fail',
      kind: f.kind,
      path: f.path,
      vmsd: f.vmsd,
      offset: f.offset,
      stage: f.stage,
      message: f.message,
      failure: f,
      streamDigest: f.bytes ? createHash('sha256').update(f.bytes).digest('hex') : null,
    });
  if (mode.kind === 'property') {
    const seed = mode.exactSeed ? mode.seed : caseSeed(mode.seed, id);
    const out = runProperty(engines, spec.device, { ...mode, seed });
    result.seed = seed;
    result.states = out.runs;
    if (out.failure) {
      fail(out.failure);
      Object.assign(result, {
        replayPath: out.path,
        shrinks: out.shrinks,
        counterexample: stateToJson(out.counterexample),
        counterexampleDiff: diffFromReset(out.counterexample, engines.a.resetState(spec.device)) ?? {},
        repro: `npx vmcompat repro '${id}' --seed ${seed}${out.path ? ` --path ${out.path}` : ''}`,
      });
    }
  } else {
    for (const s of (mode.source ?? exampleStates)(engines, spec.device)) {
      result.states++;
      const f = checkState(engines, spec.device, s);
      if (f) {
        fail(f);
        result.counterexample = stateToJson(s);
        result.counterexampleDiff = diffFromReset(s, engines.a.resetState(spec.device)) ?? {};
        break;
      }
    }
  }
  result.unexpected = isUnexpected(result.status, result.kind, expect);
  return result;
}

export interface Summary {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  unexpected: number;
  expectedFailures: number;
}

export function summarize(results: readonly CaseResult[]): Summary {
  return {
    total: results.length,
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail').length,
    skipped: results.filter((r) => r.status === 'skip').length,
    unexpected: results.filter((r) => r.unexpected).length,
    expectedFailures: results.filter((r) => r.status === 'fail' && !r.unexpected).length,
  };
}

/** Merges scenario cases by id; two scenarios that expect different things of one case are an error. */
export function dedupeCases(cases: readonly ScenarioCase[]): ScenarioCase[] {
  const byId = new Map<string, ScenarioCase>();
  for (const c of cases) {
    const id = caseId(c.device, c.from, c.to, c.machine);
    const prev = byId.get(id);
    if (prev && JSON.stringify(prev.expect) !== JSON.stringify(c.expect)) {
      throw new VmError({
        kind: 'bad-input',
        message: `case ${id} is expected to ${JSON.stringify(prev.expect)} by scenario '${prev.scenario}' but ${JSON.stringify(c.expect)} by '${c.scenario}'`,
      });
    }
    if (!prev) byId.set(id, c);
  }
  return [...byId.values()];
}
