import { availableParallelism } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import { randomSeed } from '../../src/check/seed.js';
import { parseShard, planMatrix, shardCases, type PlannedCase } from '../../src/check/matrix.js';
import { SCHEMA_VERSION, planSummary, summarizeCases, type Report } from '../../src/check/report-schema.js';
import { loadScenarios } from '../scenarios.js';
import { expectedKindText } from '../../src/check/scenario.js';
import { columnWidths, groupLines, jsonEnvelope, summaryLine } from '../format.js';
import { failureGroups } from '../reporters/groups.js';
import type { Io } from '../io.js';
import { defineCommand, int32, parseCommand, positiveInt, repeatable, usageError, applyEngine, ENGINE_HELP, CASE_MEMORY_HELP, caseMemory } from '../args.js';
import { existingPath, releaseSource, writableDir } from '../files.js';
import { resolveFilters } from '../filters.js';
import { defaultCaseMemoryMb, runCases } from '../pool.js';
import { CaseFeed, type CaseShown } from '../progress.js';
import { toolVersion } from '../paths.js';
import { ALL_REPORTERS, defaultReportDir, parseReporters, writeReports } from '../reporters/index.js';
import { loadReleases, releaseModules, withPatches } from '../releases.js';
import { deviceList, isDeviceList, sideGlobals } from '../vm-args.js';

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
pc-i440fx-*, a short version for the newest release of its series (8.2
for 8.2.0, 7.2 for 7.2.3, 8.0 for 8.0.1, 9.0 for 9.0.1). Off a terminal (CI) passing cases are not
printed (--verbose prints them, --quiet hides them on a terminal too).

Exit 0 when every verdict matched its expectation, 1 when any did not (an
unexpected pass included), 2 on a usage, scenario or input error.`,
  })
    .option('--all', 'the whole built-in release matrix (12,386 cases; 104 s at 2 workers)')
    .option('--pair <A:B>', 'these release pairs, both directions, instead of the adjacent ones (repeatable)', repeatable)
    .option('--from <A>', 'only cases sent by A (alone: every pair with A; repeatable)', repeatable)
    .option('--to <B>', 'only cases received by B (alone: every pair with B; repeatable)', repeatable)
    .option('--device <GLOB>', "device names ('virtio-*'; repeatable); a,b: those devices as one VM, in one stream", repeatable)
    .option('--vm', "one case per pair and machine type over the machine type's whole device list, in one stream")
    .option('--global <DRIVER.PROP=VALUE>', 'a -global on both sides (repeatable)', repeatable)
    .option('--src-global <DRIVER.PROP=VALUE>', 'a -global on the sending side only (repeatable)', repeatable)
    .option('--dst-global <DRIVER.PROP=VALUE>', 'a -global on the receiving side only (repeatable)', repeatable)
    .option('--machine <GLOB>', "machine types ('pc-q35-*', q35; repeatable)", repeatable)
    .option('--scenario <FILE|DIR>', 'only the cases these scenario files name, with their expectations (repeatable)', repeatable)
    .option('--releases <FILE>', 'add the release models an ES module exports (`export const releases = [...]`; repeatable)', repeatable)
    .option('--patch <FILE>', 'one more release: a copy of the --releases source tree this git diff applies to, with it applied, named <VERSION>+<file stem> (repeatable)', repeatable)
    .option('--list', 'print the plan (each case with its expectation or skip reason) and run nothing')
    .option('--runs <N>', `generated states per case (default ${QUICK_RUNS} for plain check, ${FULL_RUNS} with --all, a filter or --scenario)`)
    .option('--seed <S>', 'the run seed (a 32-bit integer; default: random)')
    .option('--examples', "the device models' hand-written states instead of generated ones")
    .option('--workers <N>', `worker threads (default: the core count, ${availableParallelism()} here)`)
    .option('--shard <k/n>', "only the k-th of n deterministic slices of the plan (join them with 'vmcompat merge-reports')")
    .option('--reporter <NAME>', `${ALL_REPORTERS.join(' | ')} | none (repeatable or comma-separated; default all)`, repeatable)
    .option('--report-dir <DIR>', 'where to write them (default reports/<UTC timestamp>/)')
    .option('--junit-skips', 'keep the cases that cannot apply in junit.xml (as <skipped>)')
    .option('--quiet', 'print unexpected results, the failure groups and the summary only')
    .option('--verbose', 'print every case, passing ones included, also off a terminal')
    .option('--case-memory <MB>', CASE_MEMORY_HELP)
    .option('--engine <KIND>', ENGINE_HELP)
    .option('--json', 'print the report on stdout (in the vmcompat envelope) instead of case lines; writes no files unless --reporter is given');
}

interface CheckOptions {
  engine?: string;
  all?: boolean;
  pair?: string[];
  from?: string[];
  to?: string[];
  device?: string[];
  vm?: boolean;
  global?: string[];
  srcGlobal?: string[];
  dstGlobal?: string[];
  machine?: string[];
  scenario?: string[];
  releases?: string[];
  patch?: string[];
  list?: boolean;
  runs?: string;
  seed?: string;
  examples?: boolean;
  workers?: string;
  caseMemory?: string;
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
  if (values.quiet && values.verbose) throw usageError('--quiet and --verbose contradict each other');
  applyEngine(values.engine);
  const seed = values.seed === undefined ? randomSeed() : int32(values.seed, '--seed');
  const workers = values.workers === undefined ? availableParallelism() : positiveInt(values.workers, '--workers');
  const caseMemoryMb = caseMemory(values.caseMemory, workers, defaultCaseMemoryMb);
  const shard = values.shard === undefined ? null : parseShard(values.shard);
  const reporters = parseReporters(values.reporter, values.json || values.list ? [] : ALL_REPORTERS);
  // every path before any work: a run must not find out at its end that its reports cannot be written
  if (reporters.length) writableDir(values.reportDir ?? 'reports', '--report-dir');
  for (const m of values.releases ?? []) releaseSource(m, '--releases');
  for (const f of values.scenario ?? []) existingPath(f, '--scenario');
  const startedAt = new Date();
  const t0 = performance.now();

  const modules = withPatches(releaseModules(values.releases), values.patch);
  const releases = await loadReleases(modules);
  // `--device a,b`: those devices as one VM; the other --device values stay filters
  const deviceSets = (values.device ?? []).filter(isDeviceList).map((d) => deviceList(d));
  const filters = resolveFilters({ ...values, device: values.device?.filter((d) => !isDeviceList(d)) }, releases);
  const globals = sideGlobals(values);
  if (deviceSets.length && values.vm) throw usageError('--vm takes the machine type\'s devices; --device a,b names its own: pick one');
  if (deviceSets.length && filters.device?.length) throw usageError('--device a,b (one VM) and a --device filter do not combine: list every device of the VM in one --device');
  const filtered = Object.values(filters).some((f) => f?.length) || deviceSets.length > 0 || values.vm === true;
  if (values.all && values.scenario?.length) throw usageError('--all runs the whole matrix; --scenario runs only the cases its files name: pick one');
  // plain `check`: the built-in scenarios' cases (the quick answer); --all or a filter: the release matrix
  const scenarioOnly = Boolean(values.scenario?.length) || (!values.all && !filtered);
  const scenarios = loadScenarios(values.scenario ?? []);
  // the quick answer checks fewer states per case; --runs says otherwise
  const quick = scenarioOnly && !values.scenario?.length;
  const runs = values.runs === undefined ? (quick ? QUICK_RUNS : FULL_RUNS) : positiveInt(values.runs, '--runs');
  const plan = planMatrix(releases, { scenarioCases: scenarios.flatMap((s) => s.cases), scenarioOnly, filters, deviceSets, vm: values.vm === true, globals });
  const cases = shardCases(plan.cases, shard);
  if (values.list) return listPlan(io, cases, values.json === true);
  if (cases.length > 0 && cases.every((c) => c.skip)) {
    const why = [...new Set(cases.map((c) => c.skip))].slice(0, 3).join('; ');
    throw usageError(`every one of the ${cases.length} planned cases is skipped (${why}): nothing would be checked; widen the filters ('--list' prints the plan)`);
  }

  if (!values.json) {
    const states = values.examples ? 'hand-written states' : `${runs} states/case${quick ? ' (the quick answer: --all for the whole matrix)' : ''} · seed ${seed}`;
    const slice = shard ? ` · shard ${shard.index}/${shard.count}: ${cases.length} of ${plan.cases.length}` : '';
    io.out(`vmcompat — releases ${plan.releases.join(' ')} · ${plural(plan.models.length, 'device')} · ${plural(cases.length, 'case')}${slice} · ${states} · ${workers} worker${workers === 1 ? '' : 's'}`);
  }
  // a terminal shows every case; a log (CI), like --quiet, the unexpected ones (expected failures in their groups), unless --verbose
  const show: CaseShown = values.verbose ? 'all' : values.quiet || !io.status ? 'unexpected' : 'all';
  const feed = values.json ? null : new CaseFeed(io, cases, { lines: true, show });
  let results;
  try {
    results = await runCases(cases, { workers, caseMemoryMb, releases, config: { examples: values.examples!, runs, seed, releaseModules: modules, releaseArgs: replayPaths(values.releases ?? []), ...(quick ? { shrinkBudget: QUICK_SHRINK_BUDGET } : {}) }, onResult: (r) => feed?.add(r) });
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
        deviceSets,
        vm: values.vm === true,
        globals: { both: values.global ?? [], src: values.srcGlobal ?? [], dst: values.dstGlobal ?? [] },
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
  const files = dir ? writeReports(report, dir, reporters, { junitSkips: values.junitSkips === true }) : [];
  if (values.json) io.out(jsonEnvelope('check', report, toolVersion()));
  else {
    if (feed?.hidden) io.out(`(${feed.hidden} case line${feed.hidden === 1 ? '' : 's'} not shown: passes, cases that cannot apply and expected failures, which are grouped below; --verbose prints them)`);
    for (const l of groupLines(failureGroups(results), { color: io.color })) io.out(l);
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
    const what = c.skip ? `skipped: ${c.skip}` : c.expect.status === 'pass' ? 'expect pass' : `expect ${expectedKindText(c.expect)}`;
    io.out(` ${c.skip ? '-' : '·'} ${head}  ${what}${c.scenario ? `  (${c.scenario})` : ''}`);
  }
  const skipped = cases.filter((c) => c.skip).length;
  io.out(`${cases.length} cases planned: ${cases.length - skipped} to run, ${skipped} skipped`);
  return 0;
}

/** States per case of plain `check` (the quick answer) and of everything else. */
export const QUICK_RUNS = 25;
export const FULL_RUNS = 100;
/** Plain `check` shrinks a failure with at most this many more checks (the property's default is 400). */
export const QUICK_SHRINK_BUDGET = 100;

/**
 * --releases paths as a replay line should spell them: relative to the working
 * directory when the file is under it (so a CI job's line works in a checkout
 * elsewhere), otherwise as given.
 */
export function replayPaths(paths: readonly string[], cwd = process.cwd()): string[] {
  return paths.map((p) => {
    if (!isAbsolute(p)) return p;
    const rel = relative(cwd, p);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
  });
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
