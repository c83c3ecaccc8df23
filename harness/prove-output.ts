/**
 * What `prove` prints, writes and returns, with release models and with real
 * builds alike: the table (base ↔ peer, fix ↔ peer, base ↔ fix per device ×
 * machine type, unaffected rows as one count), the base ↔ fix failures and
 * the fix's failures, the reason, check's reports and the --json result.
 */
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import type { ProvePlan, ProveRow, ProveVerdict } from '../src/check/prove.js';
import { SCHEMA_VERSION, summarizeCases, type Report, type ReportCase } from '../src/check/report-schema.js';
import { caseLine, columnWidths, paint } from './format.js';
import type { Io } from './io.js';
import { toolVersion } from './paths.js';

/** What a cell says of a failure that was not on the way out: a failure on the trip back is not a broken forward migration. */
export type StageLabels = Record<string, string>;
export const MODEL_STAGES: StageLabels = { return: 'on the way back', compare: 'round trip', baseline: "sender's own save" };
/** A real build's `compare` stage: the receiver loaded the stream, and what it saved again differs. */
export const BINARY_STAGES: StageLabels = { compare: 're-save differs' };

export function proveCell(c: ReportCase, dir: '→' | '←', stages: StageLabels = MODEL_STAGES): string {
  if (c.status === 'pass') return `✓ ${dir}`;
  if (c.status === 'error') return `! ${dir} error`;
  if (c.status === 'skip') return `- ${dir} skipped`;
  if (c.status === 'incomplete') return `? ${dir} incomplete`;
  const stage = stages[c.detail?.stage ?? c.stage ?? 'forward'];
  return `✗ ${dir} ${c.kind}${stage ? ` (${stage})` : ''}`;
}

const passes = (c: ReportCase) => c.status === 'pass';
/** A row to show in full: anything but both passing with both releases and base ↔ fix passing too. */
const notable = (r: ProveRow) => r.verdict !== 'unaffected' || !passes(r.across.forward) || !passes(r.across.backward);

const VERDICT: Record<ProveRow['verdict'], string> = {
  fixed: 'fixed',
  unaffected: 'unaffected',
  'not-fixed': 'NOT FIXED',
  regressed: 'REGRESSED',
  error: 'ERROR',
  'could-not-run': 'COULD NOT RUN',
};

export interface ProvePrint {
  verbose?: boolean;
  stages: StageLabels;
  /** What `fixed` rows add ('round trips exact' for models). */
  fixedNote: string;
  legend: string;
  /** The lines under a failing case's line: in full (explanation, hex dump) or just its replay. */
  details: (c: ReportCase, full: boolean) => string[];
}

/** The table, the failures and the reason, in the order a maintainer reads them. */
export function printProve(io: Io, plan: ProvePlan, verdict: ProveVerdict, o: ProvePrint, seconds: number): void {
  const { base, fix, peer } = plan;
  const shown = o.verbose ? verdict.rows : verdict.rows.filter(notable);
  const quietRows = verdict.rows.length - verdict.rows.filter(notable).length;
  if (shown.length) {
    const pairCells = (p: { forward: ReportCase; backward: ReportCase }) => `${proveCell(p.forward, '→', o.stages)}  ${proveCell(p.backward, '←', o.stages)}`;
    const cells = { base: shown.map((r) => pairCells(r.base)), fix: shown.map((r) => pairCells(r.fix)), across: shown.map((r) => pairCells(r.across)) };
    const head = { base: `base ${base} ↔ ${peer}`, fix: `fix ${fix} ↔ ${peer}`, across: `${base} ↔ ${fix}` };
    const w = {
      device: Math.max(6, ...shown.map((r) => r.device.length)),
      machine: Math.max(7, ...shown.map((r) => r.machine.length)),
      base: Math.max(head.base.length, ...cells.base.map((x) => x.length)),
      fix: Math.max(head.fix.length, ...cells.fix.map((x) => x.length)),
      across: Math.max(head.across.length, ...cells.across.map((x) => x.length)),
    };
    const dev = (x: string) => (plan.devices.length > 1 ? `${x.padEnd(w.device)}  ` : '');
    io.out(`${dev('device')}${'machine'.padEnd(w.machine)}  ${head.base.padEnd(w.base)}  ${head.fix.padEnd(w.fix)}  ${head.across.padEnd(w.across)}  verdict`);
    shown.forEach((r, i) => {
      const good = r.verdict === 'fixed' || r.verdict === 'unaffected';
      const xs = [r.across.forward, r.across.backward];
      const across = xs.every(passes) ? '' : `; ${base} ↔ ${fix} breaks${xs.every((c) => passes(c) || c.outcome === 'expected-failure') ? ' (expected)' : ''}`;
      const red = !good || xs.some((c) => c.unexpected || c.status === 'error' || c.status === 'skip');
      io.out(
        `${dev(r.device)}${r.machine.padEnd(w.machine)}  ${cells.base[i]!.padEnd(w.base)}  ${cells.fix[i]!.padEnd(w.fix)}  ${cells.across[i]!.padEnd(w.across)}  ` +
          `${paint(io.color, red ? 31 : 32, VERDICT[r.verdict])}${r.verdict === 'fixed' ? o.fixedNote : ''}${across}`,
      );
    });
    io.out(o.legend);
  }
  if (!o.verbose && quietRows) {
    io.out(`unaffected: ${quietRows} device × machine type combination${quietRows === 1 ? '' : 's'} pass with ${base}, ${fix} and ${base} ↔ ${fix} (--verbose lists them)`);
  }

  const acrossBad = verdict.rows.flatMap((r) => [r.across.forward, r.across.backward].filter((c) => !passes(c) || c.unexpected));
  if (acrossBad.length) {
    const known = acrossBad.filter((c) => c.outcome === 'expected-failure').length;
    io.out('');
    io.out(`where ${base} ↔ ${fix} ${acrossBad.every((c) => c.status === 'pass') ? 'passes unexpectedly' : 'fails'} (${acrossBad.length} case${acrossBad.length === 1 ? '' : 's'}${known ? `, ${known === acrossBad.length ? 'all' : known} expected by a scenario` : ''}; the first explained):`);
    // the unexpected ones first: they are what fails the run
    const ordered = [...acrossBad.filter((c) => c.unexpected), ...acrossBad.filter((c) => !c.unexpected)];
    const widths = columnWidths(ordered);
    ordered.forEach((c, i) => {
      if (i >= 4) return;
      io.out(caseLine(c, widths, { color: io.color }));
      for (const l of o.details(c, i === 0)) io.out(l);
    });
    if (ordered.length > 4) io.out(`     … and ${ordered.length - 4} more (every one in the report)`);
  }
  // the proof expects the fix to pass against the peer, whatever a scenario says
  const bad = verdict.rows.filter((r) => r.verdict !== 'fixed' && r.verdict !== 'unaffected').flatMap((r) => [r.fix.forward, r.fix.backward].filter((c) => c.status !== 'pass'));
  if (bad.length) {
    io.out('');
    io.out(`where ${fix} fails:`);
    const widths = columnWidths(bad);
    bad.forEach((c, i) => {
      io.out(caseLine({ ...c, unexpected: true, expected: 'pass' }, widths, { color: io.color }));
      for (const l of o.details(c, i < 2)) io.out(l);
    });
  }
  io.out(`${verdict.reason}   (${seconds.toFixed(1)} s)`);
}

export interface ProveReportMeta {
  command: string[];
  startedAt: Date;
  durationMs: number;
  workers: number | null;
  seed: number | null;
  runs: number | null;
  machinePatterns: string[];
  devicePatterns: string[];
  scenarios: string[];
}

/** The report check writes: every case of the proof, with what the scenarios expect of it. */
export function proveReport(plan: ProvePlan, cases: ReportCase[], m: ProveReportMeta): Report {
  const { base, fix, peer } = plan;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'vmcompat', version: toolVersion() },
    run: { startedAt: m.startedAt.toISOString(), finishedAt: new Date().toISOString(), durationMs: Math.round(m.durationMs), workers: m.workers, command: m.command.join(' ') },
    config: {
      mode: m.runs === null ? 'examples' : 'property',
      seed: m.seed,
      runs: m.runs,
      selection: { from: [], to: [], pairs: [`${base}:${peer}`, `${fix}:${peer}`, `${base}:${fix}`], machine: m.machinePatterns, device: m.devicePatterns, scenarios: m.scenarios, scenarioOnly: false },
    },
    plan: {
      total: plan.cases.length,
      fingerprint: createHash('sha256').update(JSON.stringify(plan.cases.map((c) => [c.id, c.expect]))).digest('hex'),
      releases: [base, fix, peer],
      pairs: [[base, peer], [fix, peer], [base, fix]],
      devices: plan.devices,
      machines: plan.machines,
    },
    shards: null,
    cases,
    summary: summarizeCases(cases),
  };
}

/** The --json result's verdict part, one row per device × machine type with its case ids. */
export function proveJsonVerdict(verdict: ProveVerdict) {
  return {
    proved: verdict.proved,
    ok: verdict.ok,
    reason: verdict.reason,
    rows: verdict.rows.map((r) => ({
      device: r.device,
      machine: r.machine,
      verdict: r.verdict,
      base: { forward: r.base.forward.id, backward: r.base.backward.id },
      fix: { forward: r.fix.forward.id, backward: r.fix.backward.id },
      across: { forward: r.across.forward.id, backward: r.across.backward.id },
    })),
  };
}

/** The folder and files line under the reason. */
export function reportsLine(dir: string, files: readonly string[]): string {
  return `${relative(process.cwd(), dir) || '.'}/ ${files.map((f) => relative(dir, f)).join(' ')}`;
}
