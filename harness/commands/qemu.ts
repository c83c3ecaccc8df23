import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { SCHEMA_VERSION, summarizeCases, toReportCase, type Report } from '../../src/check/report-schema.js';
import { toolVersion } from '../paths.js';
import { defaultReportDir, parseReporters, writeReports } from '../reporters/index.js';
import { summarize } from '../../src/check/run.js';
import { resolveQemu, type QemuBinary } from '../../src/qemu/binaries.js';
import { runDirection, type RealCaseResult, type RealCaseSpec } from '../../src/qemu/case.js';
import { sharedMachines } from '../../src/qemu/machines.js';
import { mapLimit } from '../../src/qemu/matrix.js';
import { runRealProperty } from '../../src/qemu/property.js';
import { randomSeed } from '../../src/check/seed.js';
import { hexdump } from '../../src/check/hexdump.js';
import { globalsIn, modelByVersion } from '../../src/qemu/model.js';
import { releases as builtinReleases } from '../../scenarios/releases/index.js';
import { VmError, hex } from '../../src/wire/errors.js';
import { int32, positiveInt } from '../args.js';
import type { Io } from '../io.js';

export const qemuHelp = `usage: vmcompat qemu --src BIN --dst BIN --machine M... [--device SPEC]... [options]

Real cross-version cases. The source saves a paused guest, the destination
loads the stream and saves again at the same machine type, and both streams
are decoded and compared device by device, field by field; then the same
the other way round. BIN is a path to a qemu-system-x86_64 build or one of
the provisioned releases 7.2 and 10.0 (\`npm run qemu:setup\`).

  --machine M        a machine type, a glob ('pc-q35-7.*') or 'all' (the
                     versioned types both binaries know); repeatable
  --device SPEC      a -device value, e.g. isa-serial or ipmi-bmc-sim,id=b0; repeatable
  --mem MIB          guest RAM (default 32)
  --arg ARG          extra QEMU argument for both sides (--arg=-global --arg=...); repeatable
  --dst-machine M, --dst-device SPEC, --dst-arg ARG
                     give the destination another setup (reproduce a mismatch)
  --src-global D.P=V, --dst-global D.P=V
                     -global for that binary only, in both directions: a build
                     whose default differs (--src-global
                     virtio-gpu-device.x-scanout-vmstate-version=2 makes 10.0's
                     scanout test always say yes); the release models apply it too
  --one-way          only src → dst
  --stream FILE      load FILE into --dst instead of a fresh --src save (one way)
  --runs N           property-based: N states made by mutating the fields of the
                     sections the devices add (or --mutate 'IDSTR[#FIELD]' globs,
                     e.g. '*ehci#pcidev.config*'), each loaded
                     by the source first (rejected ones are discarded), then taken
                     to the destination and back; failures are shrunk
  --max-mutations N  most fields changed in one state (default 3)
  --seed S, --path P replay a property run (the report prints both)
  --concurrency N    machine types run in parallel (default 1)
  --timeout SEC      per QEMU process (default 30)
  --json             the results as JSON, in the shape of 'check --json'
  --reporter NAMES   also write the reports 'check' writes (junit, json, markdown,
                     html; comma-separated) into --report-dir (default reports/<time>)
Exit 0 when every case passed (skips allowed), 1 when any failed, 2 on a usage
error, a binary that cannot be found, or a run in which every case was skipped.`;

export async function qemuCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      src: { type: 'string' },
      dst: { type: 'string' },
      machine: { type: 'string', multiple: true },
      device: { type: 'string', multiple: true },
      mem: { type: 'string' },
      arg: { type: 'string', multiple: true },
      'dst-machine': { type: 'string' },
      'dst-device': { type: 'string', multiple: true },
      'dst-arg': { type: 'string', multiple: true },
      'src-global': { type: 'string', multiple: true },
      'dst-global': { type: 'string', multiple: true },
      'one-way': { type: 'boolean', default: false },
      stream: { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      path: { type: 'string' },
      mutate: { type: 'string', multiple: true },
      'max-mutations': { type: 'string' },
      concurrency: { type: 'string', default: '1' },
      timeout: { type: 'string', default: '30' },
      json: { type: 'boolean', default: false },
      reporter: { type: 'string', multiple: true },
      'report-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.out(qemuHelp);
    return 0;
  }
  if (!values.src || !values.dst) throw new VmError({ kind: 'bad-input', message: `--src and --dst are required\n${qemuHelp}` });
  if (!values.machine?.length) throw new VmError({ kind: 'bad-input', message: `--machine is required (a name, a glob such as 'pc-q35-7.*', or all)` });
  const [src, dst] = await Promise.all([
    resolveQemu(values.src).then((b) => withGlobals(b, values['src-global'], '--src-global')),
    resolveQemu(values.dst).then((b) => withGlobals(b, values['dst-global'], '--dst-global')),
  ]);
  const machines = await sharedMachines([src, dst], values.machine);
  const streamFile = values.stream;
  const stream = streamFile ? readStream(streamFile) : undefined;
  const oneWay = values['one-way'] || stream !== undefined;
  const spec: Omit<RealCaseSpec, 'machine'> = {
    a: src,
    b: dst,
    devices: values.device ?? [],
    memMb: values.mem ? positiveInt(values.mem, '--mem') : undefined,
    args: values.arg,
    dstMachine: values['dst-machine'],
    dstDevices: values['dst-device'],
    dstArgs: values['dst-arg'],
    timeoutMs: positiveInt(values.timeout!, '--timeout') * 1000,
    models: modelByVersion(builtinReleases),
  };
  const reporters = parseReporters(values.reporter, []);
  const startedAt = new Date();
  const property = values.runs !== undefined;
  const runs = property ? positiveInt(values.runs!, '--runs') : 0;
  const seed = values.seed === undefined ? randomSeed() : int32(values.seed, '--seed');
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

  const perMachine = await mapLimit(machines, positiveInt(values.concurrency!, '--concurrency'), async (machine) => {
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
                maxMutations: values['max-mutations'] ? positiveInt(values['max-mutations'], '--max-mutations') : undefined,
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
    const dir = values['report-dir'] ?? defaultReportDir(startedAt);
    const report = toReport(results, { argv, startedAt, machines, devices: spec.devices, machinePatterns: values.machine, property: property ? { runs, seed } : null });
    written = { dir, files: writeReports(report, dir, reporters) };
  }
  if (values.json) {
    const cases = results.map(({ failure, ...rest }) => ({
      ...rest,
      failure: failure ? { ...failure, bytes: undefined, sentTrace: undefined, readTrace: undefined } : undefined,
    }));
    io.out(
      JSON.stringify(
        {
          src: { name: src.name, path: src.path, version: src.version },
          dst: { name: dst.name, path: dst.path, version: dst.version },
          machines,
          devices: spec.devices,
          seed: property ? seed : null,
          runs: property ? runs : null,
          cases,
          summary,
        },
        (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
        2,
      ),
    );
  } else {
    io.out(
      `${summary.total} cases: ${summary.passed} passed · ${summary.failed} failed · ${summary.skipped} skipped   (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    if (written) io.out(`${relative(process.cwd(), written.dir) || '.'}/ ${written.files.map((f) => relative(written!.dir, f)).join(' ')}`);
  }
  if (summary.failed === 0 && summary.skipped === summary.total) {
    // nothing was checked: never a green run
    io.err(`vmcompat qemu: every case was skipped (${results.map((r) => r.message).filter(Boolean)[0] ?? 'no reason given'}): nothing was checked`);
    return 2;
  }
  return summary.failed === 0 ? 0 : 1;
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

/** The binary with `-global` settings of its own (a build whose defaults differ). */
function withGlobals(b: QemuBinary, globals: string[] | undefined, flag: string): QemuBinary {
  if (!globals?.length) return b;
  for (const g of globals) {
    if (globalsIn(['-global', g]).length !== 1) throw new VmError({ kind: 'bad-input', message: `${flag} ${g}: expected DRIVER.PROPERTY=VALUE (e.g. virtio-gpu-device.x-scanout-vmstate-version=2)` });
  }
  return { ...b, extraArgs: [...b.extraArgs, ...globals.flatMap((g) => ['-global', g])] };
}

function readStream(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new VmError({ kind: 'bad-input', message: `--stream ${file}: ${(e as Error).message}` });
  }
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
