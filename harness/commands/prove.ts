import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { randomSeed } from '../../src/check/seed.js';
import { judgeProve, planProve } from '../../src/check/prove.js';
import { defineCommand, int32, parseCommand, positiveInt, repeatable, usageError, applyEngine, ENGINE_HELP, CASE_MEMORY_HELP, caseMemory } from '../args.js';
import { machineAlias, releaseAlias } from '../names.js';
import { existingPath, releaseSource, writableDir } from '../files.js';
import { ALL_REPORTERS, defaultReportDir, parseReporters, writeReports } from '../reporters/index.js';
import { toolVersion } from '../paths.js';
import { explain, jsonEnvelope } from '../format.js';
import type { Io } from '../io.js';
import { defaultCaseMemoryMb, runCases } from '../pool.js';
import { loadScenarios } from '../scenarios.js';
import { MODEL_STAGES, printProve, proveJsonVerdict, proveReport, reportsLine } from '../prove-output.js';
import { isBuiltinQemu, proveBinaries } from './prove-binaries.js';
import { commandPath } from '../../src/qemu/binaries.js';
import { loadReleases, releaseModules, withPatches } from '../releases.js';

function proveArgs(): Command {
  return defineCommand('prove', {
    usage: '--base R1 --fix R2 --peer R0 [--machine GLOB]... [--device GLOB]... [options]',
    description: `Proves a compat fix: at every machine type the three releases all know
(or those --machine picks), for every device all three have (or those
--device picks), the base release R1 fails against the peer R0 and the
fixed release R2 passes against it in both directions, each with its round
trip. Devices and machine types where both pass are counted as unaffected.

With QEMU binaries for --base, --fix and --peer (a path, or 7.2 / 10.0 /
7.2.22 for the provisioned builds once one of them is a binary), the real
binaries are migrated instead; --peer defaults to $QTEST_QEMU_BINARY_SRC and
--fix to $QTEST_QEMU_BINARY_DST, as QEMU's migration-test names them, and
what they name is always a binary. A short version names the newest release
model of its series (7.2 is 7.2.3) among models, the provisioned build among
binaries (7.2 is the 7.2 build, whose real version is 7.2.22, as is 7.2.22).`,
    after: `Exit 0 when the fix removes every failure and introduces none (and the base
fails somewhere), 1 when not, 2 on a usage error. With binaries, a case a
build could not run (start-failed, qmp-protocol, qemu-crashed or timeout at
the start) leaves its row unchecked, and the run exits 2 when that is all
that kept the proof from being decided; 1 as soon as the fix fails against
the peer, or a move across the fix fails, as a migration (the base failing
against the peer is what a proof looks for and decides nothing). Stderr
names the cases that could not run and what decided the status.`,
  })
    .option('--base <R1>', 'the release (or binary) with the bug')
    .option('--fix <R2>', 'the release (or binary) with the fix')
    .option('--peer <R0>', 'the release (or binary) both migrate to and from')
    .option('--machine <GLOB>', 'only these machine types (repeatable; q35, i440fx)', repeatable)
    .option('--device <GLOB>', 'only these devices (repeatable; for binaries: -device values)', repeatable)
    .option('--runs <N>', 'generated states per case', '100')
    .option('--seed <S>', 'the run seed (default: random)')
    .option('--workers <N>', 'worker threads (default: the core count)')
    .option('--releases <FILE>', 'add release models (repeatable)', repeatable)
    .option('--scenario <FILE|DIR>', "what the cases are expected to do (repeatable; default the built-in scenarios): a failure one names is an expected failure, as in check", repeatable)
    .option('--patch <FILE>', 'one more release: a copy of the --releases source tree this git diff applies to, with it applied, named <VERSION>+<file stem> (repeatable)', repeatable)
    .option('--reporter <NAME>', `${ALL_REPORTERS.join(' | ')} | none (repeatable or comma-separated; default all), as check writes them`, repeatable)
    .option('--report-dir <DIR>', 'where to write them (default reports/<UTC timestamp>/)')
    .option('--verbose', 'list every unaffected device and machine type')
    .option('--case-memory <MB>', CASE_MEMORY_HELP)
    .option('--engine <KIND>', ENGINE_HELP)
    .option('--json', 'the verdict as JSON (in the vmcompat envelope)');
}

interface ProveOptions {
  engine?: string;
  base?: string;
  fix?: string;
  peer?: string;
  machine?: string[];
  device?: string[];
  runs: string;
  seed?: string;
  workers?: string;
  caseMemory?: string;
  releases?: string[];
  scenario?: string[];
  patch?: string[];
  reporter?: string[];
  reportDir?: string;
  verbose?: boolean;
  json?: boolean;
}

const looksLikeBinary = (s: string) => {
  if (s.includes('/') || commandPath(s) !== null) return true;
  try {
    return existsSync(s) && statSync(s).isFile();
  } catch {
    return false;
  }
};

export { proveCell } from '../prove-output.js';

export async function proveCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand<ProveOptions>(proveArgs(), argv, io);
  if (!parsed) return 0;
  const values = parsed.opts;
  applyEngine(values.engine);
  // as QEMU's migration-test: the old build is the source, the new one the destination;
  // what those variables name is a binary, whatever it looks like (7.2 is the 7.2 build)
  const fromEnv = { base: false, fix: false, peer: false };
  if (values.peer === undefined && process.env.QTEST_QEMU_BINARY_SRC) [values.peer, fromEnv.peer] = [process.env.QTEST_QEMU_BINARY_SRC, true];
  if (values.fix === undefined && process.env.QTEST_QEMU_BINARY_DST) [values.fix, fromEnv.fix] = [process.env.QTEST_QEMU_BINARY_DST, true];
  const missing = (['base', 'fix', 'peer'] as const).filter((k) => !values[k]);
  if (missing.length) throw usageError(`${missing.map((k) => `--${k}`).join(', ')} required\n(run 'vmcompat prove --help' for the options)`);
  let base = values.base!;
  let fix = values.fix!;
  let peer = values.peer!;
  const binaries = [base, fix, peer].map((x, i) => Object.values(fromEnv)[i]! || looksLikeBinary(x));
  // a provisioned build's real version (7.2.22) that no release model is named: that build
  if (!binaries.some(Boolean) && [base, fix, peer].some((x) => isBuiltinQemu(x) && /^\d+\.\d+\.\d+$/.test(x))) {
    for (const m of values.releases ?? []) releaseSource(m, '--releases');
    const names = (await loadReleases(withPatches(releaseModules(values.releases), values.patch))).map((r) => r.name);
    [base, fix, peer].forEach((x, i) => (binaries[i] = isBuiltinQemu(x) && /^\d+\.\d+\.\d+$/.test(x) && !names.includes(x)));
  }
  if (binaries.some(Boolean)) {
    // once one side is a build, 7.2 and 10.0 name the provisioned builds
    const bad = [base, fix, peer].filter((x, i) => !binaries[i] && !isBuiltinQemu(x));
    if (bad.length) throw usageError(`--base, --fix and --peer must all be release names or all be QEMU binaries, not a mix (a binary is a path, or 7.2 / 10.0 beside one): ${bad.join(', ')}`);
    if (values.scenario?.length) throw usageError('--scenario applies to release models: real builds are named by their versions, which no scenario names');
    const reporters = parseReporters(values.reporter, values.json ? [] : ALL_REPORTERS);
    if (reporters.length) writableDir(values.reportDir ?? 'reports', '--report-dir');
    return proveBinaries(
      { base, fix, peer, machines: values.machine?.map(machineAlias), devices: values.device, json: values.json, verbose: values.verbose, reporters, reportDir: values.reportDir, argv },
      io,
    );
  }
  const runs = positiveInt(values.runs!, '--runs');
  const seed = values.seed === undefined ? randomSeed() : int32(values.seed, '--seed');
  const workers = values.workers === undefined ? availableParallelism() : positiveInt(values.workers, '--workers');
  const caseMemoryMb = caseMemory(values.caseMemory, workers, defaultCaseMemoryMb);
  for (const m of values.releases ?? []) releaseSource(m, '--releases');
  const modules = withPatches(releaseModules(values.releases), values.patch);
  const releases = await loadReleases(modules);
  const names = releases.map((r) => r.name);
  [base, fix, peer] = [base, fix, peer].map((n) => releaseAlias(n, names)) as [string, string, string];
  const reporters = parseReporters(values.reporter, values.json ? [] : ALL_REPORTERS);
  if (reporters.length) writableDir(values.reportDir ?? 'reports', '--report-dir');
  for (const f of values.scenario ?? []) existingPath(f, '--scenario');
  const scenarios = loadScenarios(values.scenario ?? []);
  const plan = planProve(releases, { base, fix, peer, machine: values.machine?.map(machineAlias), device: values.device, scenarioCases: scenarios.flatMap((s) => s.cases) });
  const startedAt = new Date();
  const t0 = performance.now();
  const results = await runCases(plan.cases, { workers, caseMemoryMb, releases, config: { examples: false, runs, seed, releaseModules: modules } });
  const verdict = judgeProve(plan, results);
  const report = proveReport(plan, results, {
    command: ['vmcompat', 'prove', ...argv],
    startedAt,
    durationMs: performance.now() - t0,
    workers,
    seed,
    runs,
    machinePatterns: values.machine ?? [],
    devicePatterns: values.device ?? [],
    scenarios: scenarios.map((s) => s.name),
  });
  const dir = reporters.length ? (values.reportDir ?? defaultReportDir(startedAt)) : null;
  const files = dir ? writeReports(report, dir, reporters) : [];
  if (values.json) {
    io.out(jsonEnvelope('prove', { base, fix, peer, seed, runs, machines: plan.machines, devices: plan.devices, ...proveJsonVerdict(verdict), reports: files, cases: results }, toolVersion()));
    return verdict.ok ? 0 : 1;
  }
  io.out(`vmcompat prove — base ${base} · fix ${fix} · peer ${peer} · ${plan.machines.length} machine types · ${plan.devices.length} device${plan.devices.length === 1 ? '' : 's'} · ${runs} states/case · seed ${seed}`);
  printProve(
    io,
    plan,
    verdict,
    {
      verbose: values.verbose,
      stages: MODEL_STAGES,
      fixedNote: ', round trips exact',
      legend: '(→ the left release sends to the right one, ← the other way; each direction includes its round trip)',
      details: (c, full) => (full ? explain({ ...c, unexpected: true }) : c.repro ? [`     replay:  ${c.repro}`] : []),
    },
    (performance.now() - t0) / 1000,
  );
  if (dir) io.out(reportsLine(dir, files));
  return verdict.ok ? 0 : 1;
}
