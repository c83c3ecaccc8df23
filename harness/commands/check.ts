import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import type { Command } from 'commander';
import { randomSeed } from '../../src/check/seed.js';
import { parseShard, planMatrix, shardCases, type PlannedCase } from '../../src/check/matrix.js';
import { SCHEMA_VERSION, planSummary, summarizeCases, type Report } from '../../src/check/report-schema.js';
import { loadScenarios } from '../scenarios.js';
import { columnWidths, jsonEnvelope, summaryLine } from '../format.js';
import type { Io } from '../io.js';
import { defineCommand, int32, parseCommand, positiveInt, repeatable, usageError } from '../args.js';
import { existingPath, releaseSource, writableDir } from '../files.js';
import { resolveFilters } from '../filters.js';
import { runCases } from '../pool.js';
import { CaseFeed } from '../progress.js';
import { toolVersion } from '../paths.js';
import { ALL_REPORTERS, defaultReportDir, parseReporters, writeReports } from '../reporters/index.js';
import { loadReleases, releaseModules, withPatches } from '../releases.js';

function checkArgs(): Command {
  return defineCommand('check', {
    usage: '[--all | filters | --scenario FILE...] [--runs N] [--seed S] [options]',
    description: `Runs migration cases against their expected outcomes. By default: the cases
the built-in scenarios name (the seed case, virtio-gpu 8.2.0 ↔ 9.0.0 / 9.0.1,
at every machine type, among them). --all: the whole release matrix, every
device either release has × every adjacent release pair × every machine
type either knows × both directions. A filter picks from the whole matrix.
A case that cannot apply (a machine type or device one release lacks) is
counted as skipped, with the reason; a case no scenario names is expected
to pass.

States: N generated states valid under the sender per case (--runs); --seed
makes the run repeatable (each case's seed is derived from it and the case
id, so verdicts do not depend on workers or shards); --examples checks the
device models' hand-written states instead.`,
    after: `Globs take *, ?, [..] and {a,b}; q35 and i440fx stand for pc-q35-* and
pc-i440fx-*, 8.2 for 8.2.0. Off a terminal (CI) passing cases are not
printed (--verbose prints them, --quiet hides them on a terminal too).

Exit 0 when every verdict matched its expectation, 1 when any did not (an
unexpected pass included), 2 on a usage, scenario or input error.`,
  })
    .option('--all', 'the whole built-in release matrix (1011 s at 2 workers, measured)')
    .option('--pair <A:B>', 'these release pairs, both directions, instead of the adjacent ones (repeatable)', repeatable)
    .option('--from <A>', 'only cases sent by A (alone: every pair with A; repeatable)', repeatable)
    .option('--to <B>', 'only cases received by B (alone: every pair with B; repeatable)', repeatable)
    .option('--device <GLOB>', "device names ('virtio-*'; repeatable)", repeatable)
    .option('--machine <GLOB>', "machine types ('pc-q35-*', q35; repeatable)", repeatable)
    .option('--scenario <FILE|DIR>', 'only the cases these scenario files name, with their expectations (repeatable)', repeatable)
    .option('--releases <FILE>', 'add the release models an ES module exports (`export const releases = [...]`; repeatable)', repeatable)
    .option('--patch <FILE>', 'one more release: a copy of the first --releases source tree with this git diff applied, named <VERSION>+<file stem> (repeatable)', repeatable)
    .option('--list', 'print the plan (each case with its expectation or skip reason) and run nothing')
    .option('--runs <N>', 'generated states per case', '100')
    .option('--seed <S>', 'the run seed (a 32-bit integer; default: random)')
    .option('--examples', "the device models' hand-written states instead of generated ones")
    .option('--workers <N>', `worker threads (default: the core count, ${availableParallelism()} here)`)
    .option('--shard <k/n>', "only the k-th of n deterministic slices of the plan (join them with 'vmcompat merge-reports')")
    .option('--reporter <NAME>', `${ALL_REPORTERS.join(' | ')} | none (repeatable or comma-separated; default all)`, repeatable)
    .option('--report-dir <DIR>', 'where to write them (default reports/<UTC timestamp>/)')
    .option('--junit-skips', 'keep the cases that cannot apply in junit.xml (as <skipped>)')
    .option('--quiet', 'print unexpected results, the failure groups and the summary only')
    .option('--verbose', 'print every case, passing ones included, also off a terminal')
    .option('--json', 'print the report on stdout (in the vmcompat envelope) instead of case lines; writes no files unless --reporter is given');
}

interface CheckOptions {
  all?: boolean;
  pair?: string[];
  from?: string[];
  to?: string[];
  device?: string[];
  machine?: string[];
  scenario?: string[];
  releases?: string[];
  patch?: string[];
  list?: boolean;
  runs: string;
  seed?: string;
  examples?: boolean;
  workers?: string;
  shard?: string;
  reporter?: string[];
  'reportDir'?: string;
  junitSkips?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  json?: boolean;
}

export async function checkCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand<CheckOptions>(checkArgs(), argv, io);
  if (!parsed) return 0;
  const values = parsed.opts;
  const runs = positiveInt(values.runs, '--runs');
  const seed = values.seed === undefined ? randomSeed() : int32(values.seed, '--seed');
  const workers = values.workers === undefined ? availableParallelism() : positiveInt(values.workers, '--workers');
  const shard = values.shard === undefined ? null : parseShard(values.shard);
  const reporters = parseReporters(values.reporter, values.json || values.list ? [] : ALL_REPORTERS);
  if (values.quiet && values.verbose) throw usageError('--quiet and --verbose contradict each other');
  // every path before any work: a run must not find out at its end that its reports cannot be written
  if (reporters.length) writableDir(values.reportDir ?? 'reports', '--report-dir');
  for (const m of values.releases ?? []) releaseSource(m, '--releases');
  for (const f of values.scenario ?? []) existingPath(f, '--scenario');
  const startedAt = new Date();
  const t0 = performance.now();

  const modules = withPatches(releaseModules(values.releases), values.patch);
  const releases = await loadReleases(modules);
  const filters = resolveFilters(values, releases);
  const filtered = Object.values(filters).some((f) => f?.length);
  if (values.all && values.scenario?.length) throw usageError('--all runs the whole matrix; --scenario runs only the cases its files name: pick one');
  // plain `check`: the built-in scenarios' cases (the quick answer); --all or a filter: the release matrix
  const scenarioOnly = Boolean(values.scenario?.length) || (!values.all && !filtered);
  const scenarios = loadScenarios(values.scenario ?? []);
  const plan = planMatrix(releases, { scenarioCases: scenarios.flatMap((s) => s.cases), scenarioOnly, filters });
  const cases = shardCases(plan.cases, shard);
  if (values.list) return listPlan(io, cases, values.json === true);
  if (cases.length > 0 && cases.every((c) => c.skip)) {
    const why = [...new Set(cases.map((c) => c.skip))].slice(0, 3).join('; ');
    throw usageError(`every one of the ${cases.length} planned cases is skipped (${why}): nothing would be checked; widen the filters ('--list' prints the plan)`);
  }

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
  const dir = reporters.length ? (values.reportDir ?? defaultReportDir(startedAt)) : null;
  const files = dir ? writeReports(report, dir, reporters) : [];
  if (values.json) io.out(jsonEnvelope('check', report, toolVersion()));
  else {
    io.out(summaryLine(report.summary, report.run.durationMs / 1000));
    if (dir) io.out(`${relative(process.cwd(), dir) || '.'}/ ${files.map((f) => relative(dir, f)).join(' ')}`);
  }
  return report.summary.unexpected === 0 ? 0 : 1;
}

function listPlan(io: Io, cases: readonly PlannedCase[], json: boolean): number {
  if (json) {
    io.out(jsonEnvelope('check', { plan: cases }, toolVersion()));
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
