/**
 * `prove` with real QEMU builds in place of release models (--base, --fix
 * and --peer are paths to binaries). The `prove` command delegates here
 * when its arguments are binaries.
 */
import { resolveQemu, type QemuBinary } from '../../src/qemu/binaries.js';
import type { RealCaseResult } from '../../src/qemu/case.js';
import { proveWithBinaries, type BinaryProveRow } from '../../src/qemu/prove.js';
import type { Io } from '../io.js';
import { jsonEnvelope } from '../format.js';
import { toolVersion } from '../paths.js';
import { resultLines } from './qemu.js';

export interface ProveBinariesArgs {
  base: string;
  fix: string;
  peer: string;
  machines?: string[];
  /** `-device` specs to put in the guest. */
  devices?: string[];
  json?: boolean;
}

const paint = (on: boolean, code: number, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

const VERDICT: Record<BinaryProveRow['verdict'], string> = {
  fixed: 'fixed',
  unaffected: 'unaffected',
  'not-fixed': 'NOT FIXED',
  regressed: 'REGRESSED',
  skipped: 'skipped',
};

function cell(r: RealCaseResult, dir: '→' | '←'): string {
  if (r.status === 'pass') return `✓ ${dir}`;
  if (r.status === 'skip') return `- ${dir}`;
  return `✗ ${dir} ${r.kind}`;
}

/** The version (7.2.22), or the file name or path when two different builds report the same version. */
function labels(bins: QemuBinary[]): string[] {
  return bins.map((b) => {
    const twins = bins.filter((o) => o.version === b.version && o.path !== b.path);
    if (twins.length === 0) return b.version;
    const file = b.path.split('/').pop()!;
    return twins.some((o) => o.path.split('/').pop() === file) ? b.path : `${b.version} ${file}`;
  });
}

export async function proveBinaries(args: ProveBinariesArgs, io: Io): Promise<number> {
  const bins = await Promise.all([resolveQemu(args.base), resolveQemu(args.fix), resolveQemu(args.peer)]);
  const [lb, lf, lp] = labels(bins) as [string, string, string];
  // the labels name the builds in every case and line
  const [base, fix, peer] = bins.map((b, i) => ({ ...b, name: [lb, lf, lp][i]! })) as [QemuBinary, QemuBinary, QemuBinary];
  const devices = args.devices ?? [];
  const t0 = performance.now();
  const out = await proveWithBinaries({ base, fix, peer, machines: args.machines, devices });

  if (args.json) {
    const bin = (b: QemuBinary) => ({ path: b.path, version: b.version });
    io.out(
      jsonEnvelope(
        'prove',
        {
          base: bin(base),
          fix: bin(fix),
          peer: bin(peer),
          machines: out.machines,
          devices,
          proved: out.proved,
          reason: out.reason,
          rows: out.rows.map((r) => ({
            machine: r.machine,
            verdict: r.verdict,
            base: { forward: r.base.forward.id, backward: r.base.backward.id },
            fix: { forward: r.fix.forward.id, backward: r.fix.backward.id },
          })),
          cases: out.rows.flatMap((r) => [r.base.forward, r.base.backward, r.fix.forward, r.fix.backward]).map(({ failure, ...c }) => ({
            ...c,
            failure: failure ? { ...failure, bytes: undefined } : undefined,
          })),
        },
        toolVersion(),
      ),
    );
    return out.proved ? 0 : 1;
  }

  io.out(
    `vmcompat prove — base ${lb} (${base.path}) · fix ${lf} (${fix.path}) · peer ${lp} (${peer.path}) · ` +
      `${out.machines.length} machine type${out.machines.length === 1 ? '' : 's'} · devices: ${devices.join(' ') || '(board only)'}`,
  );
  const baseCells = out.rows.map((r) => `${cell(r.base.forward, '→')}  ${cell(r.base.backward, '←')}`);
  const fixCells = out.rows.map((r) => `${cell(r.fix.forward, '→')}  ${cell(r.fix.backward, '←')}`);
  const w = {
    machine: Math.max(7, ...out.machines.map((m) => m.length)),
    base: Math.max(`base ${lb} ↔ ${lp}`.length, ...baseCells.map((s) => s.length)),
    fix: Math.max(`fix ${lf} ↔ ${lp}`.length, ...fixCells.map((s) => s.length)),
  };
  io.out(`${'machine'.padEnd(w.machine)}  ${`base ${lb} ↔ ${lp}`.padEnd(w.base)}  ${`fix ${lf} ↔ ${lp}`.padEnd(w.fix)}  verdict`);
  out.rows.forEach((r, i) => {
    const good = r.verdict === 'fixed' || r.verdict === 'unaffected';
    io.out(`${r.machine.padEnd(w.machine)}  ${baseCells[i]!.padEnd(w.base)}  ${fixCells[i]!.padEnd(w.fix)}  ${paint(io.color, good ? 32 : 31, VERDICT[r.verdict])}`);
  });
  io.out(`(→ the build sends to the peer, ← the peer sends to it; each compared field by field after the receiver saves again)`);
  const bad = out.rows.filter((r) => r.verdict === 'not-fixed' || r.verdict === 'regressed').flatMap((r) => [r.fix.forward, r.fix.backward].filter((c) => c.status === 'fail'));
  if (bad.length) {
    io.out('');
    io.out(`where the fix fails:`);
    const widths = { device: 0, pair: 0, machine: w.machine };
    for (const c of bad.slice(0, 4)) for (const l of resultLines(c, widths, io.color)) io.out(l);
  }
  io.out(`${out.reason}   (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return out.proved ? 0 : 1;
}
