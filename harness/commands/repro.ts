import type { Command } from 'commander';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { VmError, hex } from '../../src/wire/errors.js';
import { runPlannedCase } from '../../src/check/run.js';
import { caseId } from '../../src/check/case.js';
import { replayFlags, shellWord } from '../../src/check/replay.js';
import { GENERATOR_VERSION } from '../../src/check/seed.js';
import { failureHexdump } from '../../src/check/hexdump.js';
import { stateToJson } from '../../src/vmstate/state.js';
import { defineCommand, int32, parseCommand, positiveInt, repeatable, usageError, applyEngine, ENGINE_HELP } from '../args.js';
import { readableFile, releaseSource, writableDir } from '../files.js';
import { failingStates } from '../../src/check/run.js';
import { makeEngines } from '../../src/check/case.js';
import { caseStreams } from '../../src/check/streams.js';
import { streamLines, writeStream, type WrittenStream } from '../streams.js';
import { jsonEnvelope } from '../envelope.js';
import { toolVersion } from '../paths.js';
import { didYouMean, resolveRelease } from '../names.js';
import { planMatrix } from '../../src/check/matrix.js';
import { deviceList, sideGlobals } from '../vm-args.js';
import { loadScenarios } from '../scenarios.js';
import { expectedKindText } from '../../src/check/scenario.js';
import type { Io } from '../io.js';
import { loadReleases, releaseModules } from '../releases.js';

function reproArgs(): Command {
  return defineCommand('repro', {
    usage: "'DEVICE/FROM->TO/MACHINE' --seed S [--path P] --gen G [--runs N] [--device A,B | --vm] [--global D.P=V]... [--src-global D.P=V]... [--dst-global D.P=V]... [--releases FILE]... [--json]",
    description: `Re-runs exactly one case with the seed (and replay path) a report printed,
and prints the failure: kind, VMSD, field path, offset, QEMU's lines, the
shrunk counterexample and a hex dump of the stream around the offset,
annotated with what each side put and found there.`,
    after: `Exit 1 when the case fails (the failure reproduced), 0 when it passes, 2 on bad input.`,
  })
    .argument('<case>', "the case id a report printed, e.g. 'virtio-gpu/9.0.0->8.2.0/pc-q35-8.2'")
    .option('--seed <S>', 'the seed the report printed (required)')
    .option('--path <P>', 'the replay path the report printed (colon-separated numbers)')
    .option('--gen <G>', `the generation of the state generators the report printed (this vmcompat's: ${GENERATOR_VERSION}); a seed names other states in another`)
    .option('--runs <N>', 'states to try when no --path is given', '100')
    .option('--device <A,B>', "the case's device list, as check's --device a,b took it (the id's device is then a+b)")
    .option('--vm', "the case is over the machine type's devices (the id's device is vm)")
    .option('--global <DRIVER.PROP=VALUE>', 'a -global on both sides, as check took it (repeatable)', repeatable)
    .option('--src-global <DRIVER.PROP=VALUE>', 'a -global on the sending side only (repeatable)', repeatable)
    .option('--dst-global <DRIVER.PROP=VALUE>', 'a -global on the receiving side only (repeatable)', repeatable)
    .option('--releases <FILE>', 'the release modules the run used (repeatable)', repeatable)
    .option('--engine <KIND>', ENGINE_HELP)
    .option('--stream-out <DIR>', "write the case's streams into DIR (created if need be): A's stream, B's re-save, A's save after the return trip")
    .option('--json', 'the result as JSON (in the vmcompat envelope)');
}

interface ReproOptions {
  engine?: string;
  seed?: string;
  path?: string;
  gen?: string;
  runs: string;
  releases?: string[];
  streamOut?: string;
  device?: string;
  vm?: boolean;
  global?: string[];
  srcGlobal?: string[];
  dstGlobal?: string[];
  json?: boolean;
}

/** What the output's own notation means, printed only when the output uses it. */
export function notation(text: string, saver: string, loader: string): string[] {
  const out: string[] = [];
  if (text.includes('the layouts part at')) {
    out.push(`reading it: "the layouts part at V:P (@X)" names the first field where ${saver}'s bytes and ${loader}'s reading of them stop lining up: before it both sides agree on every field and offset; the kind is only where QEMU's first check noticed.`);
  }
  const sub = /\{([^}]+)\}/.exec(text);
  if (sub) out.push(`reading it: {${sub[1]}} in a path is the subsection ${sub[1]} (a VMSD sent after its parent's fields, when its needed() says so).`);
  return out;
}

/**
 * A seed and a path name a state only for the generators that printed them
 * (src/check/seed.ts): a replay line of another generation, or one without
 * `--gen` (vmcompat 0.1), would silently reproduce some other state.
 */
function checkGeneration(gen: string | undefined): void {
  const here = `this vmcompat (${toolVersion()}) generates states with generation ${GENERATOR_VERSION}`;
  const rerun = `run 'vmcompat check' again with this vmcompat for a replay line it reproduces, or replay with the vmcompat that printed it`;
  if (gen === undefined) {
    throw usageError(`--gen is required: a replay line without it comes from vmcompat 0.1, whose generators make other states from the same seed and path; ${here}. ${rerun}`);
  }
  if (!/^\d+$/.test(gen)) throw usageError(`--gen '${gen}': a generation is a whole number, as the replay line printed it`);
  if (Number(gen) !== GENERATOR_VERSION) {
    throw usageError(`--gen ${gen}: this replay line comes from a vmcompat with generation ${gen} of the state generators, which make other states from the same seed and path; ${here}. ${rerun}`);
  }
}

export function parseCaseId(id: string): { device: string; from: string; to: string; machine: string } {
  const m = /^([^/]+)\/([^/]+)->([^/]+)\/([^/]+)$/.exec(id);
  if (!m) throw new VmError({ kind: 'bad-input', message: `case id '${id}' is not of the form device/from->to/machine` });
  return { device: m[1]!, from: m[2]!, to: m[3]!, machine: m[4]! };
}

export async function reproCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand<ReproOptions>(reproArgs(), argv, io);
  if (!parsed) return 0;
  const values = parsed.opts;
  applyEngine(values.engine);
  if (values.seed === undefined) throw usageError('--seed is required (the seed the report printed)');
  const seed = int32(values.seed, '--seed');
  const runs = positiveInt(values.runs, '--runs');
  if (values.path !== undefined && !/^\d+(:\d+)*$/.test(values.path)) {
    throw usageError(`--path '${values.path}': a replay path is numbers separated by colons (e.g. 0:0:1), as the report printed it`);
  }
  checkGeneration(values.gen);
  for (const m of values.releases ?? []) releaseSource(m, '--releases');
  if (values.streamOut !== undefined) writableDir(values.streamOut, '--stream-out');
  const positionalId = parsed.args[0]!;
  const id = parseCaseId(positionalId);
  const releases = await loadReleases(releaseModules(values.releases));
  const known = releases.map((x) => x.name);
  const from = releases.find((x) => x.name === resolveRelease(id.from, known, `case ${positionalId}`))!;
  const to = releases.find((x) => x.name === resolveRelease(id.to, known, `case ${positionalId}`))!;
  const devices = [...new Set(releases.flatMap((r) => r.devices.map((d) => d.name)))];
  const machines = [...new Set(releases.flatMap((r) => r.machines.map((m) => m.name)))];
  if (!machines.includes(id.machine)) throw usageError(`machine type '${id.machine}': no release has it${didYouMean(id.machine, machines)}`);
  const vm = vmOf(id.device, values);
  for (const d of vm.list ?? [id.device]) if (!devices.includes(d)) throw usageError(`device '${d}': no release has it${didYouMean(d, devices)}`);
  const globals = sideGlobals(values);
  // the case as check planned it: its expectation from the built-in scenarios, its skip reason, its globals checked
  const plan = planMatrix(releases, {
    scenarioCases: loadScenarios().flatMap((sc) => sc.cases),
    filters: { pairs: [`${from.name}:${to.name}`], machine: [id.machine], ...(vm.list ? {} : { device: [id.device] }) },
    deviceSets: vm.list && vm.list.length ? [vm.list] : [],
    vm: vm.list !== null && vm.list.length === 0,
    globals,
    allowAllSkipped: true,
  });
  const wanted = caseId(id.device, from.name, to.name, id.machine);
  const planned = plan.cases.find((c) => c.id === wanted);
  if (!planned) throw usageError(`case ${positionalId}: not a case of ${from.name} → ${to.name} at ${id.machine}`);
  const known_ = planned.scenario ? { scenario: planned.scenario, reference: planned.reference, expect: planned.expect } : null;
  const mode = { kind: 'property', arbitrary: deviceStateArbitrary, runs, seed, path: values.path, exactSeed: true } as const;
  const result = runPlannedCase(planned, from, to, mode, known_ ? { scenario: known_.scenario, reference: known_.reference ?? null } : {});
  if (result.repro) result.repro += replayFlags(planned);
  let streams: WrittenStream[] | null = null;
  if (values.streamOut !== undefined && result.status !== 'skip') {
    // a failure's shrunk state on the engines it failed on; a pass: the freshly reset device
    const kept = failingStates.get(result);
    const engines = kept?.engines ?? makeEngines({ device: id.device, from, to, machine: id.machine });
    const states = kept?.states ?? { [id.device]: engines.a.resetState(id.device) };
    streams = caseStreams(engines, states).map((s) => writeStream(values.streamOut!, result.id, s));
  }
  if (values.json) {
    const { failure: _f, ...rest } = result;
    io.out(jsonEnvelope('repro', { ...rest, expected: known_?.expect ?? { status: 'pass' }, ...(streams ? { streams } : {}) }, toolVersion()));
    return result.status === 'fail' ? 1 : result.status === 'skip' ? 2 : 0;
  }
  if (result.status === 'skip') {
    io.err(`vmcompat repro: ${result.id} does not apply: ${result.message}`);
    return 2;
  }
  if (result.status === 'pass') {
    io.out(`✓ ${result.id} · ${result.states} states pass with seed ${result.seed}${values.path ? ` and path ${values.path}` : ''}: nothing to reproduce`);
    if (streams) {
      io.out('  the streams of a freshly reset device:');
      for (const l of streamLines(streams)) io.out(`  ${l}`);
    }
    return 0;
  }
  const f = result.failure!;
  io.out(`✗ ${result.device} ${result.from} → ${result.to} @ ${result.machine} · ${f.kind}${f.qemuKind && f.qemuKind !== f.kind ? ` (QEMU: ${f.qemuKind})` : ''}`);
  if (result.cause) {
    io.out(`  why: ${result.cause}: ${result.why}`);
    io.out(`  fix: ${result.hint}`);
  }
  if (known_) io.out(`  a known failure: scenario '${known_.scenario}' expects ${known_.expect.status === 'fail' ? expectedKindText(known_.expect) : 'a pass'}${result.unexpected ? ' (this is NOT what it expects)' : ''}${known_.reference ? ` · ${known_.reference}` : ''}`);
  io.out(`  ${f.stage}: ${f.saver} saved, ${f.loader} loaded`);
  if (f.vmsd || f.path) io.out(`  at ${[f.vmsd, f.path].filter(Boolean).join(' ')}${f.offset !== null ? ` @${hex(f.offset)}` : ''}`);
  io.out(`  ${f.message}`);
  if (f.origin) {
    const side = (x: typeof f.origin.sent) => (x ? `${x.vmsd}:${x.path} @${hex(x.offset)} (${x.size} bytes)` : 'nothing');
    io.out(`  desync origin: ${f.saver} wrote ${side(f.origin.sent)}; ${f.loader} read ${side(f.origin.read)}`);
  }
  for (const line of f.qemu) io.out(`  qemu: ${line}`);
  if (f.sent !== undefined) io.out(`  ${f.path}: sent ${JSON.stringify(stateToJson(f.sent))}, came back ${JSON.stringify(stateToJson(f.received))}`);
  const dump = failureHexdump(f);
  if (dump) {
    io.out('');
    for (const l of dump) io.out(`  ${l}`);
  }
  io.out('');
  const diff = JSON.stringify(result.counterexampleDiff, null, 2);
  io.out(`  smallest state (shrunk in ${result.shrinks} steps)${diff === '{}' ? ': a freshly reset device' : ', where it differs from a freshly reset device:'}`);
  if (diff !== '{}') for (const l of diff.split('\n')) io.out(`    ${l}`);
  io.out('  (the whole state: --json)');
  for (const l of notation([f.message, f.path ?? '', ...(f.origin ? [f.origin.sent?.path ?? '', f.origin.read?.path ?? ''] : [])].join('\n'), f.saver, f.loader)) io.out(`  ${l}`);
  io.out(`  replay:  ${result.repro}${(values.releases ?? []).map((m) => ` --releases ${shellWord(m)}`).join('')}`);
  if (streams) {
    io.out('  the streams of the smallest state:');
    for (const l of streamLines(streams)) io.out(`  ${l}`);
  }
  return 1;
}

/**
 * The case's VM from its id and flags: a one-device id (list null), an id
 * `a+b` (that list; --device, if given, must name it), or `vm` (the
 * machine type's devices, []; --vm optional).
 */
function vmOf(device: string, values: ReproOptions): { list: string[] | null } {
  if (values.device !== undefined && values.vm) throw usageError("--vm takes the machine type's devices; --device a,b names its own: pick one");
  const given = values.device === undefined ? null : deviceList(values.device);
  if (device === 'vm') {
    if (given) throw usageError(`case device 'vm' is the machine type's devices: --device ${values.device} contradicts it (drop it, or give the case id ${given.join('+')}/…)`);
    return { list: [] };
  }
  if (values.vm) throw usageError(`--vm replays a case whose device is 'vm', not '${device}'`);
  const fromId = device.includes('+') ? device.split('+') : null;
  if (given && (!fromId || given.join('+') !== device)) throw usageError(`--device ${values.device} is not the device list of case device '${device}' (that would be ${given.join('+')})`);
  return { list: fromId };
}
