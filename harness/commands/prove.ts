import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { VmError } from '../../src/wire/errors.js';
import { randomSeed } from '../../src/check/seed.js';
import { judgeProve, planProve, type ProveRow } from '../../src/check/prove.js';
import type { ReportCase } from '../../src/check/report-schema.js';
import { defineCommand, int32, parseCommand, positiveInt, repeatable, usageError, applyEngine, ENGINE_HELP } from '../args.js';
import { machineAlias, releaseAlias } from '../names.js';
import { readableFile, releaseSource, writableDir } from '../files.js';
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { SCHEMA_VERSION, summarizeCases, type Report } from '../../src/check/report-schema.js';
import { ALL_REPORTERS, defaultReportDir, parseReporters, writeReports } from '../reporters/index.js';
import { toolVersion } from '../paths.js';

const BUILTIN_QEMU: readonly string[] = ['7.2', '10.0'];
import { caseLine, columnWidths, explain, jsonEnvelope, paint } from '../format.js';
import type { Io } from '../io.js';
import { runCases } from '../pool.js';
import { proveBinaries } from './prove-binaries.js';
import { loadReleases, releaseModules, withPatches } from '../releases.js';

function proveArgs(): Command {
  return defineCommand('prove', {
    usage: '--base R1 --fix R2 --peer R0 [--machine GLOB]... [--device GLOB]... [options]',
    description: `Proves a compat fix: at every machine type the three releases all know
(or those --machine picks), for every device all three have (or those
--device picks), the base release R1 fails against the peer R0 and the
fixed release R2 passes against it in both directions, each with its round
trip. Devices and machine types where both pass are counted as unaffected.

With QEMU binaries for --base, --fix and --peer (a path, or 7.2 / 10.0 for
the provisioned builds once one of them is a path), the real binaries are
migrated instead; then --peer defaults to $QTEST_QEMU_BINARY_SRC and --fix
to $QTEST_QEMU_BINARY_DST, as QEMU's migration-test names them.`,
    after: `Exit 0 when the fix removes every failure and introduces none (and the base
fails somewhere), 1 when not, 2 on a usage error.`,
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
    .option('--patch <FILE>', 'one more release: a copy of the --releases source tree this git diff applies to, with it applied, named <VERSION>+<file stem> (repeatable)', repeatable)
    .option('--reporter <NAME>', `${ALL_REPORTERS.join(' | ')} | none (repeatable or comma-separated; default all), as check writes them`, repeatable)
    .option('--report-dir <DIR>', 'where to write them (default reports/<UTC timestamp>/)')
    .option('--verbose', 'list every unaffected device and machine type')
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
  releases?: string[];
  patch?: string[];
  reporter?: string[];
  reportDir?: string;
  verbose?: boolean;
  json?: boolean;
}

const looksLikeBinary = (s: string) => {
  if (s.includes('/')) return true;
  try {
    return existsSync(s) && statSync(s).isFile();
  } catch {
    return false;
  }
};

/** Where a direction failed, when not on the way out: a failure on the trip back is not a broken forward migration. */
const STAGE: Record<string, string> = { return: ' (on the way back)', compare: ' (round trip)', baseline: " (sender's own save)" };

export function proveCell(c: ReportCase, dir: '→' | '←'): string {
  if (c.status === 'pass') return `✓ ${dir}`;
  if (c.status === 'error') return `! ${dir} error`;
  if (c.status === 'skip') return `- ${dir}`;
  return `✗ ${dir} ${c.kind}${STAGE[c.detail?.stage ?? 'forward'] ?? ''}`;
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
};

export async function proveCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand<ProveOptions>(proveArgs(), argv, io);
  if (!parsed) return 0;
  const values = parsed.opts;
  applyEngine(values.engine);
  // as QEMU's migration-test: the old build is the source, the new one the destination
  if (values.peer === undefined && process.env.QTEST_QEMU_BINARY_SRC) values.peer = process.env.QTEST_QEMU_BINARY_SRC;
  if (values.fix === undefined && process.env.QTEST_QEMU_BINARY_DST) values.fix = process.env.QTEST_QEMU_BINARY_DST;
  const missing = (['base', 'fix', 'peer'] as const).filter((k) => !values[k]);
  if (missing.length) throw usageError(`${missing.map((k) => `--${k}`).join(', ')} required\n(run 'vmcompat prove --help' for the options)`);
  let base = values.base!;
  let fix = values.fix!;
  let peer = values.peer!;
  const binaries = [base, fix, peer].map(looksLikeBinary);
  if (binaries.some(Boolean)) {
    // once one side is a build, 7.2 and 10.0 name the provisioned builds
    const bad = [base, fix, peer].filter((x, i) => !binaries[i] && !BUILTIN_QEMU.includes(x));
    if (bad.length) throw usageError(`--base, --fix and --peer must all be release names or all be QEMU binaries, not a mix (a binary is a path, or 7.2 / 10.0 beside one): ${bad.join(', ')}`);
    return proveBinaries({ base, fix, peer, machines: values.machine?.map(machineAlias), devices: values.device, json: values.json }, io);
  }
  const runs = positiveInt(values.runs!, '--runs');
  const seed = values.seed === undefined ? randomSeed() : int32(values.seed, '--seed');
  const workers = values.workers === undefined ? availableParallelism() : positiveInt(values.workers, '--workers');
  for (const m of values.releases ?? []) releaseSource(m, '--releases');
  const modules = withPatches(releaseModules(values.releases), values.patch);
  const releases = await loadReleases(modules);
  const names = releases.map((r) => r.name);
  [base, fix, peer] = [base, fix, peer].map((n) => releaseAlias(n, names)) as [string, string, string];
  const reporters = parseReporters(values.reporter, values.json ? [] : ALL_REPORTERS);
  if (reporters.length) writableDir(values.reportDir ?? 'reports', '--report-dir');
  const plan = planProve(releases, { base, fix, peer, machine: values.machine?.map(machineAlias), device: values.device });
  const startedAt = new Date();
  const t0 = performance.now();
  const results = await runCases(plan.cases, { workers, releases, config: { examples: false, runs, seed, releaseModules: modules } });
  const verdict = judgeProve(plan, results);
  // the same report check writes: every case of the proof, each expected to pass
  const report: Report = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'vmcompat', version: toolVersion() },
    run: { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), durationMs: Math.round(performance.now() - t0), workers, command: ['vmcompat', 'prove', ...argv].join(' ') },
    config: {
      mode: 'property',
      seed,
      runs,
      selection: { from: [], to: [], pairs: [`${base}:${peer}`, `${fix}:${peer}`, `${base}:${fix}`], machine: values.machine ?? [], device: values.device ?? [], scenarios: [], scenarioOnly: false },
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
    cases: results,
    summary: summarizeCases(results),
  };
  const dir = reporters.length ? (values.reportDir ?? defaultReportDir(startedAt)) : null;
  const files = dir ? writeReports(report, dir, reporters) : [];
  if (values.json) {
    io.out(
      jsonEnvelope(
        'prove',
        {
          base,
          fix,
          peer,
          seed,
          runs,
          machines: plan.machines,
          devices: plan.devices,
          proved: verdict.proved,
          reason: verdict.reason,
          rows: verdict.rows.map((r) => ({
            device: r.device,
            machine: r.machine,
            verdict: r.verdict,
            base: { forward: r.base.forward.id, backward: r.base.backward.id },
            fix: { forward: r.fix.forward.id, backward: r.fix.backward.id },
            across: { forward: r.across.forward.id, backward: r.across.backward.id },
          })),
          reports: files,
          cases: results,
        },
        toolVersion(),
      ),
    );
    return verdict.proved ? 0 : 1;
  }

  io.out(`vmcompat prove — base ${base} · fix ${fix} · peer ${peer} · ${plan.machines.length} machine types · ${plan.devices.length} device${plan.devices.length === 1 ? '' : 's'} · ${runs} states/case · seed ${seed}`);
  // What matters in full: rows that are not plainly unaffected; the unaffected ones as one count.
  const shown = values.verbose ? verdict.rows : verdict.rows.filter(notable);
  const quietRows = verdict.rows.length - verdict.rows.filter(notable).length;
  if (shown.length) {
    const pairCells = (p: { forward: ReportCase; backward: ReportCase }) => `${proveCell(p.forward, '→')}  ${proveCell(p.backward, '←')}`;
    const baseCells = shown.map((r) => pairCells(r.base));
    const fixCells = shown.map((r) => pairCells(r.fix));
    const acrossCells = shown.map((r) => pairCells(r.across));
    const head = { base: `base ${base} ↔ ${peer}`, fix: `fix ${fix} ↔ ${peer}`, across: `${base} ↔ ${fix}` };
    const w = {
      device: Math.max(6, ...shown.map((r) => r.device.length)),
      machine: Math.max(7, ...shown.map((r) => r.machine.length)),
      base: Math.max(head.base.length, ...baseCells.map((x) => x.length)),
      fix: Math.max(head.fix.length, ...fixCells.map((x) => x.length)),
      across: Math.max(head.across.length, ...acrossCells.map((x) => x.length)),
    };
    const multi = plan.devices.length > 1;
    const dev = (x: string) => (multi ? `${x.padEnd(w.device)}  ` : '');
    io.out(`${dev('device')}${'machine'.padEnd(w.machine)}  ${head.base.padEnd(w.base)}  ${head.fix.padEnd(w.fix)}  ${head.across.padEnd(w.across)}  verdict`);
    shown.forEach((r, i) => {
      const good = r.verdict === 'fixed' || r.verdict === 'unaffected';
      const across = passes(r.across.forward) && passes(r.across.backward) ? '' : `; ${base} ↔ ${fix} breaks`;
      io.out(`${dev(r.device)}${r.machine.padEnd(w.machine)}  ${baseCells[i]!.padEnd(w.base)}  ${fixCells[i]!.padEnd(w.fix)}  ${acrossCells[i]!.padEnd(w.across)}  ${paint(io.color, good && !across ? 32 : 31, VERDICT[r.verdict])}${r.verdict === 'fixed' ? ', round trips exact' : ''}${across}`);
    });
    io.out(`(→ the left release sends to the right one, ← the other way; each direction includes its round trip)`);
  }
  if (!values.verbose && quietRows) {
    io.out(`unaffected: ${quietRows} device × machine type combination${quietRows === 1 ? '' : 's'} pass with ${base}, ${fix} and ${base} ↔ ${fix} (--verbose lists them)`);
  }

  const bad = verdict.rows.filter((r) => r.verdict !== 'fixed' && r.verdict !== 'unaffected').flatMap((r) => [r.fix.forward, r.fix.backward].filter((c) => c.status !== 'pass'));
  const acrossBad = verdict.rows.flatMap((r) => [r.across.forward, r.across.backward].filter((c) => c.status !== 'pass'));
  if (acrossBad.length) {
    io.out('');
    io.out(`where ${base} ↔ ${fix} fails (${acrossBad.length} case${acrossBad.length === 1 ? '' : 's'}; the first explained):`);
    const widths = columnWidths(acrossBad);
    acrossBad.forEach((c, i) => {
      if (i < 4) io.out(caseLine({ ...c, unexpected: true, expected: 'pass' }, widths, { color: io.color }));
      if (i === 0) for (const l of explain({ ...c, unexpected: true })) io.out(l);
    });
    if (acrossBad.length > 4) io.out(`     … and ${acrossBad.length - 4} more (every one in the report)`);
  }
  if (bad.length) {
    io.out('');
    io.out(`where ${fix} fails:`);
    const widths = columnWidths(bad);
    // the first two explained in full, the rest one line each with their replay
    bad.forEach((c, i) => {
      io.out(caseLine({ ...c, unexpected: true, expected: 'pass' }, widths, { color: io.color }));
      if (i < 2) for (const l of explain({ ...c, unexpected: true })) io.out(l);
      else if (c.repro) io.out(`     replay:  ${c.repro}`);
    });
  }
  io.out(`${verdict.reason}   (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (dir) io.out(`${relative(process.cwd(), dir) || '.'}/ ${files.map((f) => relative(dir, f)).join(' ')}`);
  return verdict.proved ? 0 : 1;
}
