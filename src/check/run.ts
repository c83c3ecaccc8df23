import { VmError } from '../wire/errors.js';
import type { Release } from '../machine/types.js';
import type { State } from '../vmstate/types.js';
import { caseId, checkStates, makeEngines, skipReason, type CaseEngines, type CaseSpec } from './case.js';
import { Engine } from '../machine/engine.js';
import type { Failure } from './failure.js';
import { explainFailure, type CauseId } from './explain.js';
import { runProperty, type PropertyOptions } from './property.js';
import { caseResult, failureFields } from './result.js';
import { caseSeed, replayLine } from './seed.js';
import { diffFromReset, stateToJson } from '../vmstate/state.js';
import type { Ungenerated } from '../gen/types.js';
import { expectedKindText, failsAsExpected, type Expectation, type ScenarioCase } from './scenario.js';
import { classesOf, runWithInputs, unverifiable } from './extracted.js';
import type { PlannedCase } from './matrix.js';

/** `incomplete`: the property held, but on states where some field never left its reset value (nothing generates it). */
export type CaseStatus = 'pass' | 'fail' | 'skip' | 'incomplete';

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
  /** Why it failed: a cause from the fixed vocabulary (explain-vocabulary.ts, README "Why it failed"), that cause in this case's names in one line, and the usual fix. */
  cause: CauseId | null;
  why: string | null;
  hint: string | null;
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

/**
 * The engines and states (model values, keyed as the engines key devices) a
 * failed case failed with: what `repro --stream-out` saves again. Kept beside the result,
 * not in it, so that no JSON document or worker message carries them.
 */
export const failingStates = new WeakMap<CaseResult, { engines: CaseEngines; states: Record<string, State> }>();

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
  if (status === 'incomplete') return true; // a verdict about fields nobody tested is no verdict
  if (!expect) return status === 'fail';
  if (expect.status === 'pass') return status !== 'pass';
  return status !== 'fail' || !failsAsExpected(expect, kind);
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
  const skip = skipReason(spec);
  const one = (s: CaseSpec) => runOn(id, s, skip ? null : () => makeEngines(s), [s.device], expect, mode, meta, skip);
  if (skip || !classesOf(spec).some((c) => c.extracted)) return one(spec);
  // a class built from a source tree: what its model leaves out is said, never passed over
  const why = unverifiable(spec);
  if (why) {
    const r = runOn(id, spec, null, [spec.device], expect, mode, meta, why);
    Object.assign(r, { status: 'incomplete', message: why, states: 0 });
    r.unexpected = isUnexpected(r.status, r.kind, expect);
    return r;
  }
  const r = runWithInputs(spec, one);
  r.unexpected = isUnexpected(r.status, r.kind, expect);
  return r;
}

/** A whole VM: every device of each release's machine type (or `devices`), in one stream. */
export interface VmCaseSpec {
  from: CaseSpec['from'];
  to: CaseSpec['to'];
  machine: string;
  /** Device names per side; default the machine type's device set, else every device of the release. */
  fromDevices?: string[];
  toDevices?: string[];
  /** Per-side `-global`s. */
  globals?: CaseSpec['globals'];
  /** The case's name in its id (default `vm`; a device list's names joined by `+`). */
  label?: string;
}

export function vmCaseId(from: string, to: string, machine: string): string {
  return caseId('vm', from, to, machine);
}

export function runVmCase(spec: VmCaseSpec, expect: Expectation | null, mode: StateMode, meta: Partial<CaseResult> = {}): CaseResult {
  const name = spec.label ?? 'vm';
  const id = caseId(name, spec.from.name, spec.to.name, spec.machine);
  const skip = [spec.from, spec.to].map((r) => (r.machines.some((m) => m.name === spec.machine) ? null : `${r.name} has no machine type ${spec.machine}`)).find(Boolean) ?? null;
  const engines = () => ({
    a: new Engine(spec.from, spec.machine, { devices: spec.fromDevices, globals: spec.globals?.src }),
    b: new Engine(spec.to, spec.machine, { devices: spec.toDevices, globals: spec.globals?.dst }),
  });
  const label = { device: name, from: spec.from, to: spec.to, machine: spec.machine };
  return runOn(id, label, skip ? null : engines, null, expect, mode, meta, skip);
}

/** One planned case (matrix.ts): a device, a device list or the machine type's devices, with the plan's per-side globals. */
export function runPlannedCase(c: PlannedCase, from: Release, to: Release, mode: StateMode, meta: Partial<CaseResult> = {}): CaseResult {
  if (c.devices) {
    const list = c.devices.length ? c.devices : undefined;
    return runVmCase({ from, to, machine: c.machine, fromDevices: list, toDevices: list, globals: c.globals, label: c.device }, c.expect, mode, meta);
  }
  return runCase({ device: c.device, from, to, machine: c.machine, globals: c.globals }, c.expect, mode, meta);
}

function runOn(
  id: string,
  label: { device: string; from: Release; to: Release; machine: string },
  makeEngines: (() => CaseEngines) | null,
  keys: string[] | null,
  expect: Expectation | null,
  mode: StateMode,
  meta: Partial<CaseResult>,
  skip: string | null,
): CaseResult {
  const result = caseResult(
    { id, device: label.device, from: label.from.name, to: label.to.name, machine: label.machine },
    {
      expected: expect?.status ?? null,
      expectedKind: expect ? expectedKindText(expect) : null,
      scenario: meta.scenario ?? null,
      reference: meta.reference ?? null,
    },
  );
  if (skip || !makeEngines) return { ...result, status: 'skip', message: skip };
  const engines = makeEngines();
  const devices = keys ?? engines.a.instances.map((i) => i.key);
  // A single-device case shows that device's state; a VM case shows every device's.
  const shown = (s: Record<string, State>) => (devices.length === 1 && keys ? s[devices[0]!]! : s);
  const resets = () => Object.fromEntries(devices.map((k) => [k, engines.a.resetState(k)]));
  const fail = (f: Failure, states: Record<string, State>) => {
    failingStates.set(result, { engines, states });
    return Object.assign(result, failureFields(f, explainFailure(f, { device: keys ? label.device : null, from: label.from, to: label.to, machine: label.machine })), {
      counterexample: stateToJson(shown(states)),
      counterexampleDiff: diffFromReset(shown(states), shown(resets())) ?? {},
    });
  };
  if (mode.kind === 'property') {
    const seed = mode.exactSeed ? mode.seed : caseSeed(mode.seed, id);
    const arbitraries = new Map(devices.map((k) => [k, mode.arbitrary(engines.a, k)]));
    const examples = exampleRecords(engines, devices);
    const out = runProperty(engines, devices, { ...mode, seed, arbitrary: (_e, k) => arbitraries.get(k)!, examples });
    result.seed = seed;
    result.states = out.runs;
    const untested = [...arbitraries].flatMap(([k, arb]) => ((arb as { ungenerated?: readonly Ungenerated[] }).ungenerated ?? []).map((u) => ({ k, ...u })));
    if (!out.failure && untested.length) {
      result.status = 'incomplete';
      const who = (u: (typeof untested)[number]) => `${devices.length > 1 ? `${u.k}: ` : ''}${u.vmsd}:${u.field} (${u.reason})`;
      result.message =
        `${out.runs} states passed, but nothing generates ${untested.length === 1 ? 'this field' : `these ${untested.length} fields`}, ` +
        `so every state kept its reset value there: ${untested.map(who).join('; ')}. ` +
        `Give the device class a generator for it (DeviceClass.gen), or declare it fixed with a reason (gen.fixed['vmsd:field']).`;
    }
    if (out.failure) {
      fail(out.failure, out.counterexample!);
      Object.assign(result, {
        replayPath: out.path,
        shrinks: out.shrinks,
        repro: replayLine(id, seed, out.path),
      });
    }
  } else {
    const source = mode.source ?? exampleStates;
    const perDevice = devices.map((k) => [k, [...source(engines, k)]] as const);
    const n = Math.max(...perDevice.map(([, list]) => list.length));
    for (let i = 0; i < n; i++) {
      // the i-th example of every device (the last one where a device has fewer)
      const states = Object.fromEntries(perDevice.map(([k, list]) => [k, list[Math.min(i, list.length - 1)]!]));
      result.states++;
      const f = checkStates(engines, states);
      if (f) {
        fail(f, states);
        break;
      }
    }
  }
  result.unexpected = isUnexpected(result.status, result.kind, expect);
  return result;
}

/**
 * The models' hand-written states (DeviceClass.examples) as whole records,
 * the i-th of every device together (the last one where a device has
 * fewer, its reset state where it has none); none when no device has any.
 */
function exampleRecords({ a }: CaseEngines, devices: readonly string[]): Record<string, State>[] {
  if (!devices.some((k) => a.instance(k).cls.examples)) return [];
  const lists = devices.map((k) => {
    const inst = a.instance(k);
    return [k, inst.cls.examples?.(inst.props) ?? [a.resetState(k)]] as const;
  });
  const n = Math.max(...lists.map(([, l]) => l.length));
  return Array.from({ length: n }, (_, i) => Object.fromEntries(lists.map(([k, l]) => [k, l[Math.min(i, l.length - 1)]!])));
}

export interface Summary {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  incomplete: number;
  unexpected: number;
  expectedFailures: number;
}

export function summarize(results: readonly CaseResult[]): Summary {
  return {
    total: results.length,
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail').length,
    skipped: results.filter((r) => r.status === 'skip').length,
    incomplete: results.filter((r) => r.status === 'incomplete').length,
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
