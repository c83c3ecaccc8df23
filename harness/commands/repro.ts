import type { Command } from 'commander';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { VmError, hex } from '../../src/wire/errors.js';
import { runCase } from '../../src/check/run.js';
import { GENERATOR_VERSION } from '../../src/check/seed.js';
import { failureHexdump } from '../../src/check/hexdump.js';
import { stateToJson } from '../../src/vmstate/state.js';
import { defineCommand, int32, parseCommand, positiveInt, repeatable, usageError, applyEngine, ENGINE_HELP } from '../args.js';
import { readableFile, releaseSource } from '../files.js';
import { jsonEnvelope } from '../format.js';
import { toolVersion } from '../paths.js';
import { didYouMean, resolveRelease } from '../names.js';
import { expandMachineGlobs } from '../../src/check/matrix.js';
import { loadScenarios } from '../scenarios.js';
import type { Io } from '../io.js';
import { loadReleases, releaseModules } from '../releases.js';

function reproArgs(): Command {
  return defineCommand('repro', {
    usage: "'DEVICE/FROM->TO/MACHINE' --seed S [--path P] --gen G [--runs N] [--releases FILE]... [--json]",
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
    .option('--releases <FILE>', 'the release modules the run used (repeatable)', repeatable)
    .option('--engine <KIND>', ENGINE_HELP)
    .option('--json', 'the result as JSON (in the vmcompat envelope)');
}

interface ReproOptions {
  engine?: string;
  seed?: string;
  path?: string;
  gen?: string;
  runs: string;
  releases?: string[];
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
  const positionalId = parsed.args[0]!;
  const id = parseCaseId(positionalId);
  const releases = await loadReleases(releaseModules(values.releases));
  const known = releases.map((x) => x.name);
  const from = releases.find((x) => x.name === resolveRelease(id.from, known, `case ${positionalId}`))!;
  const to = releases.find((x) => x.name === resolveRelease(id.to, known, `case ${positionalId}`))!;
  const devices = [...new Set(releases.flatMap((r) => r.devices.map((d) => d.name)))];
  if (!devices.includes(id.device)) throw usageError(`device '${id.device}': no release has it${didYouMean(id.device, devices)}`);
  const machines = [...new Set(releases.flatMap((r) => r.machines.map((m) => m.name)))];
  if (!machines.includes(id.machine)) throw usageError(`machine type '${id.machine}': no release has it${didYouMean(id.machine, machines)}`);
  // the built-in scenarios say whether this failure is a known one
  const known_ = expandMachineGlobs(
    loadScenarios().flatMap((sc) => sc.cases).filter((c) => c.device === id.device && c.from === from.name && c.to === to.name),
    (n) => releases.find((r) => r.name === n)!,
  ).find((c) => c.machine === id.machine);
  const result = runCase({ device: id.device, from, to, machine: id.machine }, known_?.expect ?? null, {
    kind: 'property',
    arbitrary: deviceStateArbitrary,
    runs,
    seed,
    path: values.path,
    exactSeed: true,
  }, known_ ? { scenario: known_.scenario, reference: known_.reference ?? null } : {});
  if (values.json) {
    const { failure: _f, ...rest } = result;
    io.out(jsonEnvelope('repro', { ...rest, expected: known_?.expect ?? { status: 'pass' } }, toolVersion()));
    return result.status === 'fail' ? 1 : result.status === 'skip' ? 2 : 0;
  }
  if (result.status === 'skip') {
    io.err(`vmcompat repro: ${result.id} does not apply: ${result.message}`);
    return 2;
  }
  if (result.status === 'pass') {
    io.out(`✓ ${result.id} · ${result.states} states pass with seed ${result.seed}${values.path ? ` and path ${values.path}` : ''}: nothing to reproduce`);
    return 0;
  }
  const f = result.failure!;
  io.out(`✗ ${result.device} ${result.from} → ${result.to} @ ${result.machine} · ${f.kind}${f.qemuKind && f.qemuKind !== f.kind ? ` (QEMU: ${f.qemuKind})` : ''}`);
  if (result.cause) {
    io.out(`  why: ${result.cause}: ${result.why}`);
    io.out(`  fix: ${result.hint}`);
  }
  if (known_) io.out(`  a known failure: scenario '${known_.scenario}' expects ${known_.expect.status === 'fail' ? known_.expect.kind : 'a pass'}${result.unexpected ? ' (this is NOT what it expects)' : ''}${known_.reference ? ` · ${known_.reference}` : ''}`);
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
  io.out(`  replay:  ${result.repro}${(values.releases ?? []).map((m) => ` --releases ${m}`).join('')}`);
  return 1;
}
