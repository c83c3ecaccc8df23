import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Command } from 'commander';
import { SCHEMA_VERSION, summarizeCases, toReportCase, type Report } from '../../src/check/report-schema.js';
import { toolVersion } from '../paths.js';
import { defaultReportDir, parseReporters, writeReports } from '../reporters/index.js';
import { summarize } from '../../src/check/run.js';
import { resolveQemu, type QemuBinary } from '../../src/qemu/binaries.js';
import { binaryFault, deviceColumn, runDirection, type RealCaseResult, type RealCaseSpec } from '../../src/qemu/case.js';
import { streamLines, writeStream, type WrittenStream } from '../streams.js';
import { sharedMachines } from '../../src/qemu/machines.js';
import { mapLimit } from '../../src/qemu/matrix.js';
import { runRealProperty } from '../../src/qemu/property.js';
import { randomSeed } from '../../src/check/seed.js';
import { hexdump } from '../../src/check/hexdump.js';
import { globalsIn, modelByVersion } from '../../src/qemu/model.js';
import { releases as builtinReleases } from '../../scenarios/releases/index.js';
import { VmError, hex } from '../../src/wire/errors.js';
import { defineCommand, int32, parseCommand, positiveInt, repeatable, usageError } from '../args.js';
import { readInput, writableDir } from '../files.js';
import { jsonEnvelope } from '../envelope.js';
import { didYouMean, machineAlias } from '../names.js';
import { isGlob } from '../../src/check/glob.js';
import type { Io } from '../io.js';

function qemuArgs(): Command {
  return defineCommand('qemu', {
    usage: '[--src BIN] [--dst BIN] --machine M... [--device SPEC]... [options]',
    description: `Real cross-version cases. The source saves a paused guest, the destination
loads the stream and saves again at the same machine type, and both streams
are decoded and compared device by device, field by field; then the same
the other way round. BIN is a path to a qemu-system-x86_64 build or one of
the provisioned releases 7.2 and 10.0 (\`npm run setup\`); without --src /
--dst, QTEST_QEMU_BINARY_SRC / QTEST_QEMU_BINARY_DST name them, as for
QEMU's migration-test.

--runs N makes it property-based: N states made by mutating the fields of
the sections the devices add (or --mutate 'IDSTR[#FIELD]' globs, e.g.
'*ehci#pcidev.config*'), each loaded by the source first (rejected ones are
discarded), then taken to the destination and back; failures are shrunk.`,
    after: `Exit 0 when every case passed (skips allowed), 1 when a migration failed (a case
failed for any other reason than the ones below), 2 on a usage error, a binary that
cannot be found, a run in which every case was skipped, or one whose failures are
all a binary that cannot run: it exited before QMP answered (start-failed), spoke
something other than QMP (qmp-protocol), or crashed or hung before it migrated
(qemu-crashed, timeout at the start). Each such case is still reported with its kind.`,
  })
    .option('--src <BIN>', 'the source build: a path, or 7.2 / 10.0 (default: $QTEST_QEMU_BINARY_SRC)')
    .option('--dst <BIN>', 'the destination build (default: $QTEST_QEMU_BINARY_DST)')
    .option('--machine <M>', "a machine type, a glob ('pc-q35-7.*'), q35 / i440fx, or 'all' (the versioned types both binaries know); repeatable", repeatable)
    .option('--device <SPEC>', 'a -device value, e.g. isa-serial or ipmi-bmc-sim,id=b0; repeatable', repeatable)
    .option('--mem <MIB>', 'guest RAM (default 32)')
    .option('--arg <ARG>', 'extra QEMU argument for both sides (--arg=-global --arg=...); repeatable', repeatable)
    .option('--dst-machine <M>', 'another machine type for the destination (reproduce a mismatch)')
    .option('--dst-device <SPEC>', 'the destination\'s devices instead of --device; repeatable', repeatable)
    .option('--dst-arg <ARG>', 'the destination\'s extra arguments instead of --arg; repeatable', repeatable)
    .option('--src-global <D.P=V>', "-global for the source binary only, in both directions (a build whose default differs: --src-global virtio-gpu-device.x-scanout-vmstate-version=2 makes 10.0's scanout test always say yes); the release models apply it too; repeatable", repeatable)
    .option('--dst-global <D.P=V>', '-global for the destination binary only; repeatable', repeatable)
    .option('--one-way', 'only src → dst')
    .option('--stream <FILE>', 'load FILE into --dst instead of a fresh --src save (one way)')
    .option('--runs <N>', 'property-based: N mutated states per direction')
    .option('--mutate <GLOB>', "what --runs mutates: 'IDSTR[#FIELD]' globs; repeatable", repeatable)
    .option('--max-mutations <N>', 'most fields changed in one state (default 3)')
    .option('--seed <S>', 'replay a property run (the report prints it)')
    .option('--path <P>', 'replay a property run\'s shrunk state (the report prints it)')
    .option('--keep-streams <DIR>', "write each direction's streams into DIR (created if need be): the source's save and the destination's re-save; with --runs, every state's (mutated, source's save, destination's re-save, source's save back), named by state: run-000 (unmutated), run-NNN, shrink-NNN")
    .option('--concurrency <N>', 'machine types run in parallel', '1')
    .option('--timeout <SEC>', 'per QEMU process', '30')
    .option('--json', 'the results as JSON (in the vmcompat envelope; command "qemu")')
    .option('--reporter <NAMES>', "also write the reports 'check' writes (junit, json, markdown, html; comma-separated or repeatable)", repeatable)
    .option('--report-dir <DIR>', 'where (default reports/<time>)');
}

interface QemuOptions {
  src?: string;
  dst?: string;
  machine?: string[];
  device?: string[];
  mem?: string;
  arg?: string[];
  dstMachine?: string;
  dstDevice?: string[];
  dstArg?: string[];
  srcGlobal?: string[];
  dstGlobal?: string[];
  oneWay?: boolean;
  stream?: string;
  runs?: string;
  mutate?: string[];
  maxMutations?: string;
  seed?: string;
  path?: string;
  keepStreams?: string;
  concurrency: string;
  timeout: string;
  json?: boolean;
  reporter?: string[];
  reportDir?: string;
}

export async function qemuCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand<QemuOptions>(qemuArgs(), argv, io);
  if (!parsed) return 0;
  const values = parsed.opts;
  values.src ??= process.env.QTEST_QEMU_BINARY_SRC || undefined;
  values.dst ??= process.env.QTEST_QEMU_BINARY_DST || undefined;
  if (!values.src || !values.dst) throw usageError(`--src and --dst are required (or QTEST_QEMU_BINARY_SRC and QTEST_QEMU_BINARY_DST): a path to a qemu-system-x86_64 build, or 7.2 / 10.0\n(run 'vmcompat qemu --help' for the options)`);
  if (!values.machine?.length) throw usageError(`--machine is required (a name, a glob such as 'pc-q35-7.*', q35 / i440fx, or all)`);
  // every number and path is checked before a binary starts
  const memMb = values.mem ? positiveInt(values.mem, '--mem') : undefined;
  const timeoutMs = positiveInt(values.timeout, '--timeout') * 1000;
  const concurrency = positiveInt(values.concurrency, '--concurrency');
  const property = values.runs !== undefined;
  const runs = property ? positiveInt(values.runs!, '--runs') : 0;
  const maxMutations = values.maxMutations ? positiveInt(values.maxMutations, '--max-mutations') : undefined;
  const seed = values.seed === undefined ? randomSeed() : int32(values.seed, '--seed');
  const reporters = parseReporters(values.reporter, []);
  if (values.keepStreams !== undefined) {
    writableDir(values.keepStreams, '--keep-streams');
  }
  const kept: KeptFile[] = [];
  if (reporters.length) writableDir(values.reportDir ?? 'reports', '--report-dir');
  const stream = values.stream ? readInput(values.stream, '--stream') : undefined;
  const [src, dst] = await Promise.all([
    resolveQemu(values.src).then((b) => withGlobals(b, values.srcGlobal, '--src-global')),
    resolveQemu(values.dst).then((b) => withGlobals(b, values.dstGlobal, '--dst-global')),
  ]);
  const machines = await sharedMachines([src, dst], values.machine.map(machineAlias), (n, known) => (isGlob(n) ? '' : didYouMean(n, known)));
  const oneWay = values.oneWay || stream !== undefined;
  const spec: Omit<RealCaseSpec, 'machine'> = {
    a: src,
    b: dst,
    devices: values.device ?? [],
    memMb,
    args: values.arg,
    dstMachine: values.dstMachine,
    dstDevices: values.dstDevice,
    dstArgs: values.dstArg,
    timeoutMs,
    models: modelByVersion(builtinReleases),
    onStream: values.keepStreams === undefined ? undefined : (st) => {
      const id = `${deviceColumn(values.device ?? [])}/${st.from.name}->${st.to.name}/${st.machine}${property ? '/property' : ''}`;
      // a property run's states each get their own files, named by the state
      kept.push({ case: id, run: st.run, ...writeStream(values.keepStreams!, st.run ? `${id}/${st.run}` : id, { role: st.role, savedBy: st.savedBy, bytes: st.bytes, stopped: st.stopped }) });
    },
  };
  const startedAt = new Date();
  const started = performance.now();

  if (!values.json) {
    const b = (x: QemuBinary) => `${x.name === x.path ? x.path : `${x.name} (${x.path})`} ${x.version}${globalsIn(x.extraArgs).map((g) => ` -global ${g.driver}.${g.property}=${g.value}`).join('')}`;
    io.out(
      `vmcompat qemu — ${b(src)} ${oneWay ? '→' : '⇄'} ${b(dst)} · ${machines.length} machine type${machines.length === 1 ? '' : 's'} · ` +
        `devices: ${spec.devices.join(' ') || '(board only)'}` +
        (property ? ` · property: ${runs} states/direction · seed ${seed}` : ''),
    );
  }
  const widths = { device: 0, pair: 0, machine: Math.max(7, ...machines.map((m) => m.length)) };
  const print = (rs: RealCaseResult[]) => {
    if (values.json) return;
    for (const r of rs) for (const l of resultLines(r, widths, io.color)) io.out(l);
  };

  const perMachine = await mapLimit(machines, concurrency, async (machine) => {
    const one: RealCaseSpec = { ...spec, machine };
    const dirs: [QemuBinary, QemuBinary][] = oneWay ? [[src, dst]] : [[src, dst], [dst, src]];
    const out: RealCaseResult[] = [];
    for (const [from, to] of dirs) {
      out.push(
        property
          ? await runRealProperty(
              {
                ...one,
                runs,
                seed,
                path: values.path,
                mutate: values.mutate,
                maxMutations,
              },
              from,
              to,
            )
          : await runDirection(one, from, to, stream),
      );
    }
    print(out);
    return out;
  });
  const results = perMachine.flat();
  const summary = summarize(results);
  let written: { dir: string; files: string[] } | null = null;
  if (reporters.length) {
    const dir = values.reportDir ?? defaultReportDir(startedAt);
    const report = toReport(results, { argv, startedAt, machines, devices: spec.devices, machinePatterns: values.machine, property: property ? { runs, seed } : null });
    written = { dir, files: writeReports(report, dir, reporters) };
  }
  if (values.json) {
    const cases = results.map(({ failure, ...rest }) => ({
      ...rest,
      failure: failure ? { ...failure, bytes: undefined, sentTrace: undefined, readTrace: undefined } : undefined,
    }));
    io.out(
      jsonEnvelope(
        'qemu',
        {
          src: { name: src.name, path: src.path, version: src.version },
          dst: { name: dst.name, path: dst.path, version: dst.version },
          machines,
          devices: spec.devices,
          seed: property ? seed : null,
          runs: property ? runs : null,
          cases,
          summary,
          ...(values.keepStreams !== undefined ? { streams: kept } : {}),
        },
        toolVersion(),
      ),
    );
  } else {
    io.out(
      `${summary.total} cases: ${summary.passed} passed · ${summary.failed} failed · ${summary.skipped} skipped   (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    if (written) io.out(`${relative(process.cwd(), written.dir) || '.'}/ ${written.files.map((f) => relative(written!.dir, f)).join(' ')}`);
    for (const l of property ? propertyStreamLines(kept, results) : streamLines(kept)) io.out(l);
  }
  if (summary.failed === 0 && summary.skipped === summary.total) {
    // nothing was checked: never a green run
    io.err(`vmcompat qemu: every case was skipped (${results.map((r) => r.message).filter(Boolean)[0] ?? 'no reason given'}): nothing was checked`);
    return 2;
  }
  // a binary that cannot run a case is no verdict on the migration: exit 2, unless a migration failed too
  const failed = results.filter((r) => r.status === 'fail');
  const broken = failed.filter((r) => binaryFault(r.failure));
  if (broken.length) {
    const rest = failed.length - broken.length;
    io.err(binaryFaultLine('qemu', broken, rest ? `${rest} other failure${rest === 1 ? ' is a migration failure' : 's are migration failures'} (exit 1)` : 'no migration failed, exit 2 (a binary that cannot run)'));
    if (!rest) return 2;
  }
  return summary.failed === 0 ? 0 : 1;
}

/** The stderr line of a run in which a binary could not run some cases: how many, each kind once with its reason, then `verdict`. */
export function binaryFaultLine(command: string, broken: readonly RealCaseResult[], verdict: string): string {
  const why = [...new Map(broken.map((r) => [`${r.kind}`, r])).values()].map((r) => `${r.kind}: ${firstLineOf(r.message)}`);
  return `vmcompat ${command}: ${broken.length} case${broken.length === 1 ? '' : 's'} could not run, the binary's fault (${why.join('; ')}): ${verdict}`;
}

function firstLineOf(s: string | null | undefined): string {
  return (s ?? '').split('\n')[0]!.trim();
}

/** The report `check` writes, for real cases: each expected to pass, in machine order. */
export function toReport(
  results: readonly RealCaseResult[],
  o: { argv: string[]; startedAt: Date; machines: string[]; devices: string[]; machinePatterns: string[]; property: { runs: number; seed: number } | null },
): Report {
  const cases = results.map((r, index) =>
    toReportCase(r, { index, id: r.id, device: r.device, from: r.from, to: r.to, machine: r.machine, expect: { status: 'pass' }, scenario: null, reference: null, skip: null }, Math.round(r.timings.totalMs)),
  );
  const names = [...new Set(results.flatMap((r) => [r.from, r.to]))];
  const pairs = [...new Map(results.map((r) => [`${r.from}>${r.to}`, [r.from, r.to] as [string, string]])).values()];
  const finishedAt = new Date();
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'vmcompat', version: toolVersion() },
    run: { startedAt: o.startedAt.toISOString(), finishedAt: finishedAt.toISOString(), durationMs: finishedAt.getTime() - o.startedAt.getTime(), workers: null, command: ['vmcompat', 'qemu', ...o.argv].join(' ') },
    config: {
      mode: o.property ? 'property' : 'examples',
      seed: o.property?.seed ?? null,
      runs: o.property?.runs ?? null,
      selection: { from: [], to: [], pairs: pairs.map(([a, b]) => `${a}:${b}`), machine: o.machinePatterns, device: o.devices, scenarios: [], scenarioOnly: false },
    },
    plan: {
      total: cases.length,
      fingerprint: createHash('sha256').update(cases.map((c) => c.id).join('\n')).digest('hex').slice(0, 16),
      releases: names,
      pairs,
      devices: [...new Set(results.map((r) => r.device))],
      machines: o.machines,
    },
    shards: null,
    cases,
    summary: summarizeCases(cases),
  };
}

type KeptFile = WrittenStream & { case: string; run: string | null };

/**
 * A property run keeps every state's streams: per case one line with how many
 * states and files, then the counterexample's streams one per line (the files a
 * user opens first).
 */
export function propertyStreamLines(kept: readonly KeptFile[], results: readonly RealCaseResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const mine = kept.filter((k) => k.case === r.id);
    if (!mine.length) continue;
    const runs = [...new Set(mine.map((k) => k.run!))];
    const bytes = mine.reduce((n, k) => n + k.bytes, 0);
    const span = (prefix: string) => {
      const xs = runs.filter((x) => x.startsWith(prefix));
      return xs.length ? `${xs[0]}${xs.length > 1 ? ` … ${xs.at(-1)}` : ''}` : '';
    };
    const dir = dirname(mine[0]!.path);
    out.push(
      `streams of ${r.id}: ${runs.length} state${runs.length === 1 ? '' : 's'} (${[span('run-'), span('shrink-')].filter(Boolean).join(', ')}), ${mine.length} files, ${bytes} bytes in ${relative(process.cwd(), dir) || '.'}/`,
    );
    const cex = r.counterexampleRun ? mine.filter((k) => k.run === r.counterexampleRun) : [];
    if (cex.length) {
      out.push(`  the counterexample (${r.counterexampleRun}):`);
      for (const l of streamLines(cex)) out.push(`  ${l}`);
    }
  }
  return out;
}

/** The binary with `-global` settings of its own (a build whose defaults differ). */
function withGlobals(b: QemuBinary, globals: string[] | undefined, flag: string): QemuBinary {
  if (!globals?.length) return b;
  for (const g of globals) {
    if (globalsIn(['-global', g]).length !== 1) throw usageError(`${flag} ${g}: expected DRIVER.PROPERTY=VALUE (e.g. virtio-gpu-device.x-scanout-vmstate-version=2)`);
  }
  return { ...b, extraArgs: [...b.extraArgs, ...globals.flatMap((g) => ['-global', g])] };
}

const paint = (on: boolean, code: number, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** The reporters' one-line-per-case format, with the real run's details under failures. */
export function resultLines(r: RealCaseResult, w: { device: number; pair: number; machine: number }, color: boolean): string[] {
  const head = `${r.device.padEnd(w.device)}  ${`${r.from} → ${r.to}`.padEnd(w.pair)}  ${r.machine.padEnd(w.machine)}`;
  if (r.status === 'skip') return [` ${paint(color, 90, '-')} ${head}  skipped: ${r.message}`];
  if (r.status === 'pass') return [` ${paint(color, 32, '✓')} ${head}  ${r.message ?? 'pass'}`];
  const vmsd = r.vmsd && r.path && !r.path.includes(r.vmsd) ? `${r.vmsd} ` : '';
  const where = [r.kind, r.path ? `in ${vmsd}${r.path}` : '', r.offset !== null ? `@${hex(r.offset)}` : ''].filter(Boolean).join(' ');
  const out = [` ${paint(color, 31, '✗')} ${head}  FAILED · ${where}`];
  const f = r.failure;
  if (f) out.push(`     ${f.stage}: ${f.saver} saved, ${f.loader} loaded`);
  out.push(`     ${r.message}`);
  for (const l of r.qemu) out.push(`     qemu: ${l}`);
  if (f?.bytes && f.offset !== null && (f.sentTrace || f.readTrace)) {
    for (const l of hexdump(f.bytes, { offset: f.offset, length: 4, sent: f.sentTrace, read: f.readTrace, sender: f.saver, receiver: f.loader })) out.push(`     ${l}`);
  }
  if (r.counterexample) out.push(`     counterexample: ${JSON.stringify(r.counterexample)}`);
  if (r.repro) out.push(`     replay:  ${r.repro}`);
  return out;
}
