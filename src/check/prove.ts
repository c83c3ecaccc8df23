/**
 * Proving a compat fix: at every machine type the base, the fix and the
 * peer all know, the base release fails against the peer and the fixed
 * release passes against it in both directions (each case with its round
 * trip). Base ↔ fix is checked too: a VM moved from the release with the
 * bug to the one with the fix at an old machine type may itself break (a
 * fix that changes what an old machine type sends), and a maintainer sees
 * it before merging; it does not decide the proof. Pure: planning the
 * cases and judging their verdicts.
 */
import { VmError } from '../wire/errors.js';
import type { Release } from '../machine/types.js';
import { caseId } from './case.js';
import { globToRegExp, matchesAny } from './glob.js';
import { scenarioExpectations, type PlannedCase } from './matrix.js';
import type { ScenarioCase } from './scenario.js';
import type { ReportCase } from './report-schema.js';

export interface ProveRequest {
  base: string;
  fix: string;
  peer: string;
  /** Globs; default every machine type all three know, every device all three have. */
  machine?: string[];
  device?: string[];
  /** What the scenarios expect of these cases, matched as check matches them; a case none names is expected to pass. */
  scenarioCases?: readonly ScenarioCase[];
}

export interface ProvePlan {
  base: string;
  fix: string;
  peer: string;
  machines: string[];
  devices: string[];
  /** Per device and machine type: base→peer, peer→base, fix→peer, peer→fix, base→fix, fix→base. */
  cases: PlannedCase[];
  /** Machine types base and fix know and the peer does not: where a fix can apply without being provable against this peer. */
  peerLacks: string[];
}

/** Cases per device × machine type row, in the order planProve lays them out. */
export const CASES_PER_ROW = 6;

const bad = (message: string) => new VmError({ kind: 'bad-input', message });

export function planProve(releases: readonly Release[], req: ProveRequest): ProvePlan {
  const find = (name: string, flag: string) => {
    const r = releases.find((x) => x.name === name);
    if (!r) throw bad(`${flag} ${name}: unknown release (known: ${releases.map((x) => x.name).join(', ')})`);
    return r;
  };
  const base = find(req.base, '--base');
  const fix = find(req.fix, '--fix');
  const peer = find(req.peer, '--peer');
  // base = fix is allowed: a "fix" that changes nothing is simply not proved.
  if (peer === base || peer === fix) throw bad(`--peer ${peer.name} is also the ${peer === base ? 'base' : 'fix'}: a release is not migrated to itself`);
  const all = [base, fix, peer];
  const sharedMachines = base.machines.map((m) => m.name).filter((m) => all.every((r) => r.machines.some((x) => x.name === m)));
  const sharedDevices = peer.devices.map((d) => d.name).filter((d) => all.every((r) => r.devices.some((x) => x.name === d)));
  for (const g of req.machine ?? []) {
    if (!sharedMachines.some((m) => globToRegExp(g).test(m))) {
      throw bad(`--machine '${g}' matches no machine type that ${base.name}, ${fix.name} and ${peer.name} all know (${sharedMachines.join(', ') || 'none'})`);
    }
  }
  for (const g of req.device ?? []) {
    if (!sharedDevices.some((d) => globToRegExp(g).test(d))) {
      throw bad(`--device '${g}' matches no device that ${base.name}, ${fix.name} and ${peer.name} all have (${sharedDevices.join(', ') || 'none'})`);
    }
  }
  const machines = sharedMachines.filter((m) => matchesAny(m, req.machine));
  const devices = sharedDevices.filter((d) => matchesAny(d, req.device));
  if (machines.length === 0) throw bad(`${base.name}, ${fix.name} and ${peer.name} share no machine type`);
  if (devices.length === 0) throw bad(`${base.name}, ${fix.name} and ${peer.name} share no device`);
  const known = new Map(scenarioExpectations(releases, req.scenarioCases ?? []).map((c) => [caseId(c.device, c.from, c.to, c.machine), c]));
  const cases = proveCases({ base: base.name, fix: fix.name, peer: peer.name }, devices, machines, (id) => known.get(id));
  const peerLacks = base.machines.map((m) => m.name).filter((m) => fix.machines.some((x) => x.name === m) && !peer.machines.some((x) => x.name === m));
  return { base: base.name, fix: fix.name, peer: peer.name, machines, devices, cases, peerLacks };
}

/**
 * The cases of a proof in the order judgeProve reads them, CASES_PER_ROW per
 * device × machine type: base→peer, peer→base, fix→peer, peer→fix,
 * base→fix, fix→base. Each carries what a scenario expects of it (`expect`
 * looks a case id up), else it is expected to pass. Release models and real
 * builds (their labels as names) share it.
 */
/** The six directions of a proof row, in the order tables and reports lay them out: base ↔ peer, fix ↔ peer, base ↔ fix. */
export function proveDirections<T>(base: T, fix: T, peer: T): readonly (readonly [T, T])[] {
  return [
    [base, peer],
    [peer, base],
    [fix, peer],
    [peer, fix],
    [base, fix],
    [fix, base],
  ];
}

export function proveCases(
  names: { base: string; fix: string; peer: string },
  devices: readonly string[],
  machines: readonly string[],
  expect: (id: string) => Pick<ScenarioCase, 'expect' | 'scenario' | 'reference'> | undefined = () => undefined,
): PlannedCase[] {
  const { base, fix, peer } = names;
  const cases: PlannedCase[] = [];
  for (const device of devices) {
    for (const machine of machines) {
      for (const [from, to] of proveDirections(base, fix, peer)) {
        const id = caseId(device, from, to, machine);
        const s = expect(id);
        cases.push({ index: cases.length, id, device, from, to, machine, expect: s?.expect ?? { status: 'pass' }, scenario: s?.scenario ?? null, reference: s?.reference ?? null, skip: null });
      }
    }
  }
  return cases;
}

/**
 * `error`: a case of the row threw or was skipped, the tool's fault or the model's;
 * `could-not-run`: a build could not run one (it did not start, spoke no QMP, hung or
 * crashed at the start), the binary's fault. Neither says anything of the fix.
 */
export type RowVerdict = 'fixed' | 'unaffected' | 'not-fixed' | 'regressed' | 'error' | 'could-not-run';

export interface ProveRow {
  device: string;
  machine: string;
  /** `forward`: the release sends to the peer; `backward`: the peer sends to it. */
  base: { forward: ReportCase; backward: ReportCase };
  fix: { forward: ReportCase; backward: ReportCase };
  /** base → fix (`forward`) and fix → base (`backward`): what moving a VM across the fix does. */
  across: { forward: ReportCase; backward: ReportCase };
  verdict: RowVerdict;
}

export interface ProveVerdict {
  rows: ProveRow[];
  proved: boolean;
  /** One line: why it is proved or not. */
  reason: string;
  /** Rows where base ↔ fix fails: shown, and not part of the proof. */
  acrossFailures: number;
  /** base ↔ fix cases whose outcome no scenario expects (an unknown failure, an unexpected pass, an error): they fail the run as they fail check. */
  acrossUnexpected: ReportCase[];
  /** The exit status: proved, and base ↔ fix as the scenarios expect it. */
  ok: boolean;
}

const passes = (c: ReportCase) => c.status === 'pass';
/** The verdict a case must have for the run to be green, as check counts it. */
const asExpected = (c: ReportCase) => c.outcome === 'pass' || c.outcome === 'expected-failure';
/** A case that says nothing about the proof: it threw, or a build could not run it. */
const uncheckedCase = (c: ReportCase) => c.status === 'error' || c.status === 'skip';

export interface JudgeOptions {
  /**
   * Failed cases that say a build could not run them at all (real builds:
   * src/qemu/case.ts's binaryFault), not that the migration broke: like a case
   * that threw, they leave their row unchecked, never fixed, not-fixed or regressed.
   */
  cannotRun?: (c: ReportCase) => boolean;
}

export function judgeProve(plan: ProvePlan, results: readonly ReportCase[], opts: JudgeOptions = {}): ProveVerdict {
  const cannotRun = opts.cannotRun ?? (() => false);
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const rows: ProveRow[] = [];
  for (let i = 0; i < plan.cases.length; i += CASES_PER_ROW) {
    const [bf, bb, ff, fb, xf, xb] = [0, 1, 2, 3, 4, 5].map((k) => byIndex.get(i + k)!) as [ReportCase, ReportCase, ReportCase, ReportCase, ReportCase, ReportCase];
    const all = [bf, bb, ff, fb];
    const fixOk = passes(ff) && passes(fb);
    const baseOk = passes(bf) && passes(bb);
    const verdict: RowVerdict = all.some(uncheckedCase) ? 'error' : all.some(cannotRun) ? 'could-not-run' : fixOk ? (baseOk ? 'unaffected' : 'fixed') : baseOk ? 'regressed' : 'not-fixed';
    rows.push({ device: bf.device, machine: bf.machine, base: { forward: bf, backward: bb }, fix: { forward: ff, backward: fb }, across: { forward: xf, backward: xb }, verdict });
  }
  const n = (v: RowVerdict) => rows.filter((r) => r.verdict === v).length;
  const at = (k: number) => `${k} device × machine type combination${k === 1 ? '' : 's'}`;
  const across = rows.flatMap((r) => [r.across.forward, r.across.backward]);
  // a case a build could not run is no failure of the move across the fix: it is counted as not checked below
  const acrossFailures = rows.filter((r) => [r.across.forward, r.across.backward].some((c) => !passes(c) && !cannotRun(c))).length;
  const acrossUnexpected = across.filter((c) => !asExpected(c));
  let reason: string;
  let proved = false;
  if (n('error') || n('could-not-run')) {
    const parts = [];
    if (n('error')) parts.push(`${at(n('error'))} could not be checked (a case threw or was skipped)`);
    if (n('could-not-run')) parts.push(`${at(n('could-not-run'))} could not be run (a build could not run a case)`);
    reason = `not proved: ${parts.join('; ')}`;
  }
  else if (n('not-fixed') || n('regressed')) {
    const parts = [];
    if (n('not-fixed')) parts.push(`${plan.fix} still fails where ${plan.base} fails at ${at(n('not-fixed'))}`);
    if (n('regressed')) parts.push(`${plan.fix} fails where ${plan.base} passes at ${at(n('regressed'))}`);
    reason = `not proved: ${parts.join('; ')}`;
  } else if (n('fixed') === 0) {
    // both pass everywhere the peer can be checked: whatever the fix changes is elsewhere
    const lacks = plan.peerLacks;
    const where = lacks.length ? `; the fix can only apply at machine types ${plan.peer} does not know (${lacks.length <= 4 ? lacks.join(', ') : `${lacks.slice(0, 4).join(', ')} and ${lacks.length - 4} more`}), so it cannot be proved against ${plan.peer}` : '';
    reason = `not provable: ${plan.base} already passes against ${plan.peer} at every machine type both know${where}`;
  } else {
    proved = true;
    reason = `proved: the fix removes every failure (${at(n('fixed'))}) and introduces none${n('unaffected') ? `; ${at(n('unaffected'))} pass with both` : ''}`;
  }
  if (acrossFailures) {
    const known = across.filter((c) => c.outcome === 'expected-failure');
    const scenarios = [...new Set(known.map((c) => c.scenario).filter((x): x is string => x !== null))];
    const unknown = across.filter((c) => c.status === 'fail' && c.unexpected && !cannotRun(c)).length;
    const how = unknown
      ? `${unknown} case${unknown === 1 ? '' : 's'} no scenario expects${known.length ? `, ${known.length} expected by ${scenarioNames(scenarios)}` : ''}: a VM moved across the fix breaks there, see the table`
      : `every one expected by ${scenarioNames(scenarios)}`;
    reason += `; ${plan.base} ↔ ${plan.fix} fails at ${at(acrossFailures)} (${how})`;
  }
  const surprises = acrossUnexpected.filter((c) => c.status !== 'fail' || cannotRun(c));
  if (surprises.length) {
    const ups = surprises.filter((c) => c.status === 'pass').length;
    const norun = surprises.filter(cannotRun).length;
    const threw = surprises.length - ups - norun;
    const cases = (k: number) => `${k} case${k === 1 ? '' : 's'}`;
    const parts = [
      ups ? `${ups} case${ups === 1 ? ' passes' : 's pass'} that a scenario expects to fail` : '',
      threw ? `${cases(threw)} could not be checked` : '',
      norun ? `${cases(norun)} could not be run` : '',
    ].filter(Boolean);
    reason += `; ${plan.base} ↔ ${plan.fix}: ${parts.join(', ')}`;
  }
  return { rows, proved, reason, acrossFailures, acrossUnexpected, ok: proved && acrossUnexpected.length === 0 };
}

const scenarioNames = (names: readonly string[]) => (names.length === 1 ? `scenario '${names[0]}'` : `scenarios ${names.map((x) => `'${x}'`).join(', ')}`);
