import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { releases as builtinReleases } from '../../scenarios/releases/index.js';
import { randomSeed } from '../../src/check/seed.js';
import { parseShard, planMatrix, shardCases, type MatrixFilters, type PlannedCase } from '../../src/check/matrix.js';
import { SCHEMA_VERSION, planSummary, summarizeCases, type Report } from '../../src/check/report-schema.js';
import { loadScenarios } from '../scenarios.js';
import { columnWidths, summaryLine } from '../format.js';
import type { Io } from '../io.js';
import { int32, positiveInt } from '../args.js';
import { runCases } from '../pool.js';
import { CaseFeed } from '../progress.js';
import { toolVersion } from '../paths.js';
import { ALL_REPORTERS, defaultReportDir, parseReporters, writeReports } from '../reporters/index.js';
import { loadReleases, releaseModules } from '../releases.js';

export const checkHelp = `usage: vmcompat check [filters] [--runs N] [--seed S] [--examples]
                      [--workers N] [--shard k/n] [--reporter NAME]... [--report-dir DIR] [--json]

Runs the release matrix: every device either release has × every release
pair × every machine type either knows × both directions (a case that
cannot apply is listed as skipped, with the reason). The pairs are the
adjacent releases of the release list (${builtinReleases.map((r) => r.name).join(' ')}), plus every case the
built-in scenarios name; the scenarios also say which cases are known
failures (a case no scenario names is expected to pass).

Filters (repeatable):
  --pair A:B        these release pairs, both directions, instead of the adjacent ones
  --from A, --to B  only cases sent by A / received by B (alone: every pair with A / B)
  --device GLOB     device names ('virtio-*')
  --machine GLOB    machine types ('pc-q35-*')
  --scenario FILE|DIR  only the cases these scenario files name, with their expectations
  --list            print the plan (each case with its expectation or skip reason) and run nothing
  --releases FILE   add the release models an ES module exports (\`export const releases = [...]\`)

States: N generated states valid under the sender per case (--runs, default
100); --seed makes the run repeatable (each case's seed is derived from it
and the case id, so verdicts do not depend on workers or shards);
--examples checks the device models' hand-written states instead.

Running:
  --workers N       worker threads (default: the core count, ${availableParallelism()} here)
  --shard k/n       only the k-th of n deterministic slices of the plan; join the
                    slices' report folders with 'vmcompat merge-reports'
Reports (default: all of ${ALL_REPORTERS.join(', ')}, into reports/<timestamp>/):
  --reporter NAME   ${ALL_REPORTERS.join(' | ')} | none (repeatable)
  --report-dir DIR  where to write them
  --json            print the JSON report on stdout instead of case lines
                    (writes no files unless --reporter is given)

Exit 0 when every verdict matched its expectation, 1 when any did not (an
unexpected pass included), 2 on a usage, scenario or input error.`;

export async function checkCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', multiple: true },
      from: { type: 'string', multiple: true },
      to: { type: 'string', multiple: true },
      pair: { type: 'string', multiple: true },
      machine: { type: 'string', multiple: true },
      device: { type: 'string', multiple: true },
      workers: { type: 'string' },
      shard: { type: 'string' },
      reporter: { type: 'string', multiple: true },
      'report-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      runs: { type: 'string', default: '100' },
      seed: { type: 'string' },
      examples: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      releases: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.out(checkHelp);
    return 0;
  }
  const runs = positiveInt(values.runs!, '--runs');
  const seed = values.seed === undefined ? randomSeed() : int32(values.seed, '--seed');
  const workers = values.workers === undefined ? availableParallelism() : positiveInt(values.workers, '--workers');
  const shard = values.shard === undefined ? null : parseShard(values.shard);
  const reporters = parseReporters(values.reporter, values.json ? [] : ALL_REPORTERS);
  const startedAt = new Date();
  const t0 = performance.now();

  const modules = releaseModules(values.releases);
  const releases = await loadReleases(modules);
  const scenarioOnly = Boolean(values.scenario?.length);
  const scenarios = loadScenarios(values.scenario ?? []);
  const filters: MatrixFilters = { from: values.from, to: values.to, pairs: values.pair, machine: values.machine, device: values.device };
  const plan = planMatrix(releases, { scenarioCases: scenarios.flatMap((s) => s.cases), scenarioOnly, filters });
  const cases = shardCases(plan.cases, shard);
  if (values.list) return listPlan(io, cases, values.json!);

  if (!values.json) {
    const states = values.examples ? 'hand-written states' : `${runs} states/case · seed ${seed}`;
    const slice = shard ? ` · shard ${shard.index}/${shard.count}: ${cases.length} of ${plan.cases.length}` : '';
    io.out(`vmcompat — releases ${plan.releases.join(' ')} · ${plural(plan.devices.length, 'device')} · ${plural(cases.length, 'case')}${slice} · ${states} · ${workers} worker${workers === 1 ? '' : 's'}`);
  }
  const feed = values.json ? null : new CaseFeed(io, cases);
  let results;
  try {
    results = await runCases(cases, { workers, releases, config: { examples: values.examples!, runs, seed, releaseModules: modules }, onResult: (r) => feed?.add(r) });
  } finally {
    feed?.finish();
  }
  const finishedAt = new Date();
  const report: Report = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'vmcompat', version: toolVersion() },
    run: { startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), durationMs: Math.round(performance.now() - t0), workers, command: ['vmcompat', 'check', ...argv].join(' ') },
    config: {
      mode: values.examples ? 'examples' : 'property',
      seed: values.examples ? null : seed,
      runs: values.examples ? null : runs,
      selection: {
        from: values.from ?? [],
        to: values.to ?? [],
        pairs: values.pair ?? [],
        machine: values.machine ?? [],
        device: values.device ?? [],
        scenarios: scenarios.map((s) => s.name),
        scenarioOnly,
      },
    },
    plan: planSummary(plan),
    shards: shard ? [shard] : null,
    cases: results,
    summary: summarizeCases(results),
  };
  const dir = reporters.length ? (values['report-dir'] ?? defaultReportDir(startedAt)) : null;
  const files = dir ? writeReports(report, dir, reporters) : [];
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else {
    io.out(summaryLine(report.summary, report.run.durationMs / 1000));
    if (dir) io.out(`${relative(process.cwd(), dir) || '.'}/ ${files.map((f) => relative(dir, f)).join(' ')}`);
  }
  return report.summary.unexpected === 0 ? 0 : 1;
}

function listPlan(io: Io, cases: readonly PlannedCase[], json: boolean): number {
  if (json) {
    io.out(JSON.stringify(cases, null, 2));
    return 0;
  }
  const widths = columnWidths(cases);
  for (const c of cases) {
    const head = `${c.device.padEnd(widths.device)}  ${`${c.from} → ${c.to}`.padEnd(widths.pair)}  ${c.machine.padEnd(widths.machine)}`;
    const what = c.skip ? `skipped: ${c.skip}` : c.expect.status === 'pass' ? 'expect pass' : `expect ${c.expect.kind}`;
    io.out(` ${c.skip ? '-' : '·'} ${head}  ${what}${c.scenario ? `  (${c.scenario})` : ''}`);
  }
  const skipped = cases.filter((c) => c.skip).length;
  io.out(`${cases.length} cases planned: ${cases.length - skipped} to run, ${skipped} skipped`);
  return 0;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
