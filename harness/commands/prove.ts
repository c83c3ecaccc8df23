import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { VmError } from '../../src/wire/errors.js';
import { randomSeed } from '../../src/check/seed.js';
import { judgeProve, planProve, type ProveRow } from '../../src/check/prove.js';
import type { ReportCase } from '../../src/check/report-schema.js';
import { defineCommand, int32, parseCommand, positiveInt, repeatable, usageError, applyEngine, ENGINE_HELP } from '../args.js';
import { machineAlias, releaseAlias } from '../names.js';
import { readableFile } from '../files.js';
import { toolVersion } from '../paths.js';

const BUILTIN_QEMU: readonly string[] = ['7.2', '10.0'];
import { caseLine, columnWidths, explain, jsonEnvelope, paint } from '../format.js';
import type { Io } from '../io.js';
import { runCases } from '../pool.js';
import { proveBinaries } from './prove-binaries.js';
import { loadReleases, releaseModules } from '../releases.js';

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

function cell(c: ReportCase, dir: '→' | '←'): string {
  if (c.status === 'pass') return `✓ ${dir}`;
  if (c.status === 'error') return `! ${dir} error`;
  return `✗ ${dir} ${c.kind}`;
}

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
  for (const m of values.releases ?? []) readableFile(m, '--releases');
  const modules = releaseModules(values.releases);
  const releases = await loadReleases(modules);
  const names = releases.map((r) => r.name);
  [base, fix, peer] = [base, fix, peer].map((n) => releaseAlias(n, names)) as [string, string, string];
  const plan = planProve(releases, { base, fix, peer, machine: values.machine?.map(machineAlias), device: values.device });
  const t0 = performance.now();
  const results = await runCases(plan.cases, { workers, releases, config: { examples: false, runs, seed, releaseModules: modules } });
  const verdict = judgeProve(plan, results);
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
          })),
          cases: results,
        },
        toolVersion(),
      ),
    );
    return verdict.proved ? 0 : 1;
  }

  io.out(`vmcompat prove — base ${base} · fix ${fix} · peer ${peer} · ${plan.machines.length} machine types · ${plan.devices.length} device${plan.devices.length === 1 ? '' : 's'} · ${runs} states/case · seed ${seed}`);
  // What matters in full (a row whose verdict is not 'unaffected'); the unaffected ones as counts.
  const shown = values.verbose ? verdict.rows : verdict.rows.filter((r) => r.verdict !== 'unaffected');
  const quiet = plan.devices.filter((d) => verdict.rows.every((r) => r.device !== d || r.verdict === 'unaffected'));
  const quietRows = verdict.rows.filter((r) => r.verdict === 'unaffected' && !quiet.includes(r.device)).length;
  if (shown.length) {
    const baseCells = shown.map((r) => `${cell(r.base.forward, '→')}  ${cell(r.base.backward, '←')}`);
    const fixCells = shown.map((r) => `${cell(r.fix.forward, '→')}  ${cell(r.fix.backward, '←')}`);
    const w = {
      device: Math.max(6, ...shown.map((r) => r.device.length)),
      machine: Math.max(7, ...shown.map((r) => r.machine.length)),
      base: Math.max(`base ${base} ↔ ${peer}`.length, ...baseCells.map((s) => s.length)),
      fix: Math.max(`fix ${fix} ↔ ${peer}`.length, ...fixCells.map((s) => s.length)),
    };
    const multi = plan.devices.length > 1;
    const dev = (s: string) => (multi ? `${s.padEnd(w.device)}  ` : '');
    io.out(`${dev('device')}${'machine'.padEnd(w.machine)}  ${`base ${base} ↔ ${peer}`.padEnd(w.base)}  ${`fix ${fix} ↔ ${peer}`.padEnd(w.fix)}  verdict`);
    shown.forEach((r, i) => {
      const good = r.verdict === 'fixed' || r.verdict === 'unaffected';
      io.out(`${dev(r.device)}${r.machine.padEnd(w.machine)}  ${baseCells[i]!.padEnd(w.base)}  ${fixCells[i]!.padEnd(w.fix)}  ${paint(io.color, good ? 32 : 31, VERDICT[r.verdict])}${r.verdict === 'fixed' ? ', round trips exact' : ''}`);
    });
    io.out(`(→ ${'the release sends to'} ${peer}, ← ${peer} sends to it; each direction includes its round trip)`);
  }
  if (!values.verbose && quietRows) io.out(`unaffected: ${quietRows} more device × machine type combination${quietRows === 1 ? '' : 's'} above pass with both ${base} and ${fix} (--verbose lists them)`);
  if (!values.verbose && quiet.length) {
    const list = quiet.length <= 6 ? `: ${quiet.join(', ')}` : `: ${quiet.slice(0, 5).join(', ')} and ${quiet.length - 5} more (--verbose lists them)`;
    io.out(`unaffected: ${quiet.length} device${quiet.length === 1 ? '' : 's'} pass with both ${base} and ${fix} at all ${plan.machines.length} machine types${list}`);
  }

  const bad = verdict.rows.filter((r) => r.verdict !== 'fixed' && r.verdict !== 'unaffected').flatMap((r) => [r.fix.forward, r.fix.backward].filter((c) => c.status !== 'pass'));
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
  return verdict.proved ? 0 : 1;
}
