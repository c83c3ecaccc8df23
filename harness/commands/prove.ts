import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { VmError } from '../../src/wire/errors.js';
import { randomSeed } from '../../src/check/seed.js';
import { judgeProve, planProve, type ProveRow } from '../../src/check/prove.js';
import type { ReportCase } from '../../src/check/report-schema.js';
import { int32, positiveInt } from '../args.js';
import { caseLine, columnWidths, explain, paint } from '../format.js';
import type { Io } from '../io.js';
import { runCases } from '../pool.js';
import { proveBinaries } from './prove-binaries.js';
import { loadReleases, releaseModules } from '../releases.js';

export const proveHelp = `usage: vmcompat prove --base R1 --fix R2 --peer R0 [--machine GLOB]... [--device GLOB]...
                      [--runs N] [--seed S] [--workers N] [--releases FILE]... [--json]

Proves a compat fix: at every machine type the three releases all know
(or those --machine picks), for every device all three have (or those
--device picks), the base release R1 fails against the peer R0 and the
fixed release R2 passes against it in both directions, each with its round
trip. A device and machine type where both pass is shown as unaffected.
Exit 0 when the fix removes every failure and introduces none (and the base
fails somewhere), 1 when not, 2 on a usage error.

With paths to QEMU binaries for --base, --fix and --peer (anything with a
'/' in it, or an existing file), the real binaries are migrated instead.`;

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
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      fix: { type: 'string' },
      peer: { type: 'string' },
      machine: { type: 'string', multiple: true },
      device: { type: 'string', multiple: true },
      runs: { type: 'string', default: '100' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      releases: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.out(proveHelp);
    return 0;
  }
  const missing = (['base', 'fix', 'peer'] as const).filter((k) => !values[k]);
  if (missing.length) throw new VmError({ kind: 'bad-input', message: `${missing.map((k) => `--${k}`).join(', ')} required\n${proveHelp}` });
  const base = values.base!;
  const fix = values.fix!;
  const peer = values.peer!;
  const binaries = [base, fix, peer].map(looksLikeBinary);
  if (binaries.some(Boolean)) {
    if (!binaries.every(Boolean)) {
      throw new VmError({ kind: 'bad-input', message: '--base, --fix and --peer must all be release names or all be QEMU binaries, not a mix' });
    }
    return proveBinaries({ base, fix, peer, machines: values.machine, devices: values.device, json: values.json }, io);
  }
  const runs = positiveInt(values.runs!, '--runs');
  const seed = values.seed === undefined ? randomSeed() : int32(values.seed, '--seed');
  const workers = values.workers === undefined ? availableParallelism() : positiveInt(values.workers, '--workers');
  const modules = releaseModules(values.releases);
  const releases = await loadReleases(modules);
  const plan = planProve(releases, { base, fix, peer, machine: values.machine, device: values.device });
  const t0 = performance.now();
  const results = await runCases(plan.cases, { workers, releases, config: { examples: false, runs, seed, releaseModules: modules } });
  const verdict = judgeProve(plan, results);
  if (values.json) {
    io.out(
      JSON.stringify(
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
        null,
        2,
      ),
    );
    return verdict.proved ? 0 : 1;
  }

  io.out(`vmcompat prove — base ${base} · fix ${fix} · peer ${peer} · ${plan.machines.length} machine types · ${plan.devices.length} device${plan.devices.length === 1 ? '' : 's'} · ${runs} states/case · seed ${seed}`);
  // Devices the base and the fix both pass everywhere fold into one line.
  const shown = verdict.rows.filter((r) => verdict.rows.some((x) => x.device === r.device && x.verdict !== 'unaffected'));
  const quiet = plan.devices.filter((d) => !shown.some((r) => r.device === d));
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
  for (const d of quiet) io.out(`${d}: passes with both ${base} and ${fix} at all ${plan.machines.length} machine types (unaffected)`);

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
