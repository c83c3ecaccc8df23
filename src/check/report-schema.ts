/**
 * The JSON report (`report.json`, `check --json`): what a run checked and
 * found, case by case, in plan order. Every reporter renders from it, and
 * `merge-reports` joins shards of one plan back into it. The schema is
 * documented in harness/reporters/report.schema.json; bump SCHEMA_VERSION
 * on any change a reader could trip over.
 */
import { VmError, hex } from '../wire/errors.js';
import { stateToJson } from '../vmstate/state.js';
import { failureHexdump } from './hexdump.js';
import { caseResult } from './result.js';
import { replayLine } from './seed.js';
import type { CaseResult } from './run.js';
import type { DesyncOrigin, Stage } from './failure.js';
import { expectedKindText, type Expectation } from './scenario.js';
import type { Plan, PlannedCase, Shard } from './matrix.js';

export const SCHEMA_VERSION = 1;

/** `incomplete`: the property held, but some field was never generated (CaseStatus). */
export type ReportStatus = 'pass' | 'fail' | 'skip' | 'incomplete' | 'error';

/** The verdict against the expectation, in one word: what the grid colours and JUnit counts. */
export type Outcome = 'pass' | 'expected-failure' | 'skip' | 'incomplete' | 'unexpected-pass' | 'unexpected-failure' | 'error';

/** What the failing stage did, beyond the first-failure fields. */
export interface FailureDetail {
  stage: Stage;
  saver: string;
  loader: string;
  /** QEMU's own error lines, innermost first. */
  qemu: string[];
  qemuKind: string | null;
  origin: DesyncOrigin | null;
  /** For value-changed: the value sent and the value that came back (JSON-safe). */
  sent: unknown;
  received: unknown;
}

/**
 * A report case: a case runner's verdict (CaseResult, whose fields it keeps as
 * they are, the failure object left out) with its place in the plan and the
 * verdict against the expectation; an `error` status for a case whose run threw.
 */
export interface ReportCase extends Omit<CaseResult, 'status' | 'expected' | 'failure'> {
  index: number;
  status: ReportStatus;
  outcome: Outcome;
  expected: 'pass' | 'fail';
  detail: FailureDetail | null;
  /** The stream around `offset`, annotated with what each side wrote and read there. */
  hexdump: string[] | null;
  /** Wall time of this case; like `run`, it varies between identical runs. */
  durationMs: number;
}

export interface ReportSummary {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Cases that held on states where some field never left its reset value: not a pass (counted in `unexpected`). */
  incomplete: number;
  errors: number;
  expectedFailures: number;
  unexpected: number;
  unexpectedPasses: number;
  unexpectedFailures: number;
}

export interface ReportConfig {
  mode: 'property' | 'examples';
  seed: number | null;
  runs: number | null;
  /** The command's selection: filters, scenario files, whether only scenario cases ran. */
  selection: {
    from: string[];
    to: string[];
    pairs: string[];
    machine: string[];
    device: string[];
    /** `--device a,b`: each VM's device list (check only). */
    deviceSets?: string[][];
    /** `--vm`: one case over the machine type's devices (check only). */
    vm?: boolean;
    /** The -globals as given (DRIVER.PROP=VALUE): on both sides, the sender's own, the receiver's own. */
    globals?: { both: string[]; src: string[]; dst: string[] };
    scenarios: string[];
    scenarioOnly: boolean;
  };
}

export interface ReportPlan {
  total: number;
  fingerprint: string;
  releases: string[];
  pairs: [string, string][];
  devices: string[];
  machines: string[];
}

export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'vmcompat'; version: string };
  /** When and how this report was made: the only part (with cases' durationMs) that differs between identical runs. */
  run: { startedAt: string; finishedAt: string; durationMs: number; workers: number | null; command: string };
  config: ReportConfig;
  plan: ReportPlan;
  /** Which shards of the plan the cases come from (null: the whole plan in one run). */
  shards: Shard[] | null;
  cases: ReportCase[];
  summary: ReportSummary;
}

export function outcomeOf(status: ReportStatus, unexpected: boolean): Outcome {
  if (status === 'error') return 'error';
  if (status === 'skip') return 'skip';
  if (status === 'incomplete') return 'incomplete';
  if (status === 'pass') return unexpected ? 'unexpected-pass' : 'pass';
  return unexpected ? 'unexpected-failure' : 'expected-failure';
}

const expectedOf = (e: Expectation) => ({ expected: e.status, expectedKind: expectedKindText(e) });

/** A case runner's verdict as a report case: JSON-safe, with the failure's hex dump rendered. */
export function toReportCase(r: CaseResult, planned: PlannedCase, durationMs: number): ReportCase {
  const f = r.failure;
  const status = r.status as ReportStatus;
  return {
    index: planned.index,
    id: r.id,
    device: r.device,
    from: r.from,
    to: r.to,
    machine: r.machine,
    status,
    outcome: outcomeOf(status, r.unexpected),
    ...expectedOf(planned.expect),
    unexpected: r.unexpected,
    kind: r.kind,
    path: r.path,
    vmsd: r.vmsd,
    offset: r.offset,
    stage: r.stage,
    message: r.message,
    cause: r.cause ?? null,
    why: r.why ?? null,
    hint: r.hint ?? null,
    states: r.states,
    scenario: planned.scenario,
    reference: planned.reference,
    seed: r.seed,
    replayPath: r.replayPath,
    shrinks: r.shrinks,
    counterexample: r.counterexample ?? null,
    counterexampleDiff: r.counterexampleDiff ?? null,
    repro: r.repro,
    streamDigest: r.streamDigest,
    detail: f
      ? {
          stage: f.stage,
          saver: f.saver,
          loader: f.loader,
          qemu: [...f.qemu],
          qemuKind: f.qemuKind,
          origin: f.origin ?? null,
          sent: f.sent === undefined ? null : stateToJson(f.sent),
          received: f.received === undefined ? null : stateToJson(f.received),
        }
      : null,
    hexdump: f ? failureHexdump(f) : null,
    durationMs,
  };
}

/** A case whose run threw (a broken model, a crashed worker): reported, never fatal to the run. */
export function errorCase(planned: PlannedCase, message: string, durationMs: number, seed: number | null): ReportCase {
  const { id, device, from, to, machine } = planned;
  const r = caseResult(
    { id, device, from, to, machine },
    { message, unexpected: true, seed, repro: seed === null ? null : replayLine(planned.id, seed) },
  );
  return { ...toReportCase(r, planned, durationMs), status: 'error', outcome: 'error' };
}

export function summarizeCases(cases: readonly ReportCase[]): ReportSummary {
  const n = (o: Outcome) => cases.filter((c) => c.outcome === o).length;
  return {
    total: cases.length,
    passed: cases.filter((c) => c.status === 'pass').length,
    failed: cases.filter((c) => c.status === 'fail').length,
    skipped: n('skip'),
    incomplete: n('incomplete'),
    errors: n('error'),
    expectedFailures: n('expected-failure'),
    unexpected: cases.filter((c) => c.unexpected).length,
    unexpectedPasses: n('unexpected-pass'),
    unexpectedFailures: n('unexpected-failure'),
  };
}

export function planSummary(plan: Plan): ReportPlan {
  return {
    total: plan.cases.length,
    fingerprint: plan.fingerprint,
    releases: plan.releases,
    pairs: plan.pairs,
    devices: plan.devices,
    machines: plan.machines,
  };
}

/** `where` of a case: kind, VMSD and path, offset. */
export function failureWhere(c: Pick<ReportCase, 'kind' | 'vmsd' | 'path' | 'offset'>): string {
  const parts = [c.kind ?? ''];
  if (c.vmsd || c.path) parts.push(`in ${[c.vmsd, c.path].filter(Boolean).join(' ')}`);
  if (c.offset !== null && c.offset !== undefined) parts.push(`@${hex(c.offset)}`);
  return parts.join(' ');
}

const bad = (message: string) => new VmError({ kind: 'bad-input', message });

/** A report read back from disk: checked enough that the reporters and the merge can trust its shape. */
export function parseReport(text: string, file: string): Report {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(`${file}: not JSON: ${(e as Error).message}`);
  }
  const o = doc as Partial<Report> | null;
  if (!o || typeof o !== 'object') throw bad(`${file}: not a vmcompat report`);
  if (o.schemaVersion !== SCHEMA_VERSION) throw bad(`${file}: schemaVersion ${JSON.stringify(o.schemaVersion)}, this vmcompat reads ${SCHEMA_VERSION}`);
  for (const k of ['run', 'config', 'plan', 'cases', 'summary'] as const) {
    if (o[k] === undefined || o[k] === null) throw bad(`${file}: missing '${k}'`);
  }
  if (!Array.isArray(o.cases)) throw bad(`${file}: 'cases' is not a list`);
  return o as Report;
}

/**
 * Joins the reports of the shards of one plan into the report the whole
 * plan would have given: same cases in plan order, summary recounted. Every
 * shard must be there exactly once, from the same plan, seed and runs.
 */
export function mergeReports(parts: readonly { report: Report; file: string }[]): Report {
  if (parts.length === 0) throw bad('no reports to merge');
  const first = parts[0]!;
  const same = (what: string, get: (r: Report) => unknown) => {
    for (const p of parts) {
      if (JSON.stringify(get(p.report)) !== JSON.stringify(get(first.report))) {
        throw bad(`${p.file} and ${first.file} differ in ${what} (${JSON.stringify(get(p.report))} vs ${JSON.stringify(get(first.report))}): not shards of one run`);
      }
    }
  };
  same('plan', (r) => r.plan.fingerprint);
  same('mode', (r) => r.config.mode);
  same('seed', (r) => r.config.seed);
  same('runs', (r) => r.config.runs);
  const shards: Shard[] = [];
  for (const p of parts) {
    const s = p.report.shards ?? [{ index: 1, count: 1 }];
    shards.push(...s);
  }
  const count = shards[0]!.count;
  for (const s of shards) if (s.count !== count) throw bad(`shards of different splits: ${s.index}/${s.count} and ${shards[0]!.index}/${count}`);
  const seen = new Set<number>();
  for (const s of shards) {
    if (seen.has(s.index)) throw bad(`shard ${s.index}/${count} is given twice`);
    seen.add(s.index);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length) throw bad(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: cannot make the whole report`);
  const cases = parts.flatMap((p) => p.report.cases).sort((a, b) => a.index - b.index);
  cases.forEach((c, i) => {
    if (c.index !== i) throw bad(`case ${i} of the plan is ${c.index > i ? 'missing' : 'given twice'} (at ${c.id})`);
  });
  if (cases.length !== first.report.plan.total) throw bad(`the shards hold ${cases.length} cases, the plan has ${first.report.plan.total}`);
  const startedAt = parts.map((p) => p.report.run.startedAt).sort()[0]!;
  const finishedAt = parts.map((p) => p.report.run.finishedAt).sort().at(-1)!;
  return {
    ...first.report,
    run: {
      startedAt,
      finishedAt,
      durationMs: Date.parse(finishedAt) - Date.parse(startedAt),
      workers: null,
      command: `merge-reports of ${parts.length} report${parts.length === 1 ? '' : 's'}`,
    },
    shards: count === 1 ? null : [...shards].sort((a, b) => a.index - b.index),
    cases,
    summary: summarizeCases(cases),
  };
}
