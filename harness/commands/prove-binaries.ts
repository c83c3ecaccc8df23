/**
 * `prove` with real QEMU builds in place of release models (--base, --fix
 * and --peer are paths to binaries, or 7.2 / 10.0 beside one). The `prove`
 * command delegates here when its arguments are binaries; the cases, the
 * verdict, the table and the reports are model-mode prove's.
 */
import { judgeProve } from '../../src/check/prove.js';
import { toReportCase, type ReportCase } from '../../src/check/report-schema.js';
import { resolveQemu, type QemuBinary } from '../../src/qemu/binaries.js';
import type { RealCaseResult } from '../../src/qemu/case.js';
import { modelByVersion } from '../../src/qemu/model.js';
import { proveExitCode, proveWithBinaries, sortProveFailures } from '../../src/qemu/prove.js';
import { releases as builtinReleases } from '../../scenarios/releases/index.js';
import type { Io } from '../io.js';
import { jsonEnvelope } from '../envelope.js';
import { toolVersion } from '../paths.js';
import { BINARY_STAGES, printProve, proveJsonVerdict, proveReport, reportsLine } from '../prove-output.js';
import { defaultReportDir, writeReports, type ReporterName } from '../reporters/index.js';
import { binaryFaultLine, resultLines } from './qemu.js';

export interface ProveBinariesArgs {
  base: string;
  fix: string;
  peer: string;
  machines?: string[];
  /** `-device` specs to put in the guest. */
  devices?: string[];
  json?: boolean;
  verbose?: boolean;
  /** check's reports (none by default here: the caller picks). */
  reporters?: ReporterName[];
  reportDir?: string;
  /** For the report's command line. */
  argv?: string[];
}

/** `7.2`, `10.0`, or a full version of one (`7.2.22`): the provisioned builds, named as `qemu --src` names them. */
export function isBuiltinQemu(s: string): boolean {
  return /^(7\.2|10\.0)(\.\d+)?$/.test(s);
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
  const names = labels(bins);
  // the labels name the builds in every case and line
  const [base, fix, peer] = bins.map((b, i) => ({ ...b, name: names[i]! })) as [QemuBinary, QemuBinary, QemuBinary];
  const devices = args.devices ?? [];
  const startedAt = new Date();
  const t0 = performance.now();
  const { plan, results } = await proveWithBinaries({ base, fix, peer, machines: args.machines, devices, models: modelByVersion(builtinReleases) });
  const cases: ReportCase[] = results.map((r, i) => toReportCase(r, plan.cases[i]!, Math.round(r.timings.totalMs)));
  // a case a build could not run leaves its row unchecked (never regressed or not fixed)
  const sorted = sortProveFailures(results);
  const cannot = new Set(sorted.cannotRun.map((r) => results.indexOf(r)));
  const verdict = judgeProve(plan, cases, { cannotRun: (c) => cannot.has(c.index) });
  const code = proveExitCode(verdict.ok, sorted);
  const reporters = args.reporters ?? [];
  const dir = reporters.length ? (args.reportDir ?? defaultReportDir(startedAt)) : null;
  const files = dir
    ? writeReports(
        proveReport(plan, cases, {
          command: ['vmcompat', 'prove', ...(args.argv ?? [])],
          startedAt,
          durationMs: performance.now() - t0,
          workers: null,
          seed: null,
          runs: null,
          machinePatterns: args.machines ?? [],
          devicePatterns: devices,
          scenarios: [],
        }),
        dir,
        reporters,
      )
    : [];

  if (args.json) {
    const bin = (b: QemuBinary) => ({ path: b.path, version: b.version });
    io.out(
      jsonEnvelope(
        'prove',
        {
          base: bin(base),
          fix: bin(fix),
          peer: bin(peer),
          machines: plan.machines,
          devices,
          ...proveJsonVerdict(verdict),
          reports: files,
          cases: results.map(({ failure, ...c }) => ({ ...c, failure: failure ? { ...failure, bytes: undefined, sentTrace: undefined, readTrace: undefined } : undefined })),
        },
        toolVersion(),
      ),
    );
    return exitWith(io, code, sorted);
  }

  io.out(
    `vmcompat prove — base ${base.name} (${base.path}) · fix ${fix.name} (${fix.path}) · peer ${peer.name} (${peer.path}) · ` +
      `${plan.machines.length} machine type${plan.machines.length === 1 ? '' : 's'} · devices: ${devices.join(' ') || '(board only)'}`,
  );
  const real = new Map<string, RealCaseResult>(results.map((r) => [r.id, r]));
  const widths = { device: 0, pair: 0, machine: 0 };
  printProve(
    io,
    plan,
    verdict,
    {
      verbose: args.verbose,
      stages: BINARY_STAGES,
      fixedNote: '',
      legend: '(→ the left build sends to the right one, ← the other way; each compared field by field after the receiver saves again)',
      // resultLines' first line is the case line printProve has printed
      details: (c, full) => {
        const lines = resultLines(real.get(c.id)!, widths, io.color).slice(1);
        return full ? lines : lines.filter((l) => /^ {5}(replay|qemu):/.test(l));
      },
    },
    (performance.now() - t0) / 1000,
  );
  if (dir) io.out(reportsLine(dir, files));
  return exitWith(io, code, sorted);
}

/** Says on stderr which cases a build could not run and what decided the exit status beside them. */
function exitWith(io: Io, code: number, sorted: ReturnType<typeof sortProveFailures>): number {
  const { cannotRun, decisive, baseFailures } = sorted;
  if (!cannotRun.length) return code;
  const n = decisive.length;
  const base = baseFailures.length;
  const asides = base ? ` (${base} failure${base === 1 ? '' : 's'} of the base against the peer, which a proof looks for, decide${base === 1 ? 's' : ''} nothing)` : '';
  io.err(
    binaryFaultLine(
      'prove',
      cannotRun,
      n
        ? `${n} other failure${n === 1 ? ' is a migration failure' : 's are migration failures'} of the fix or across it (exit 1)${asides}`
        : `no migration that decides the proof failed${asides}, exit ${code}${code === 2 ? ' (a binary that cannot run)' : ''}`,
    ),
  );
  return code;
}
