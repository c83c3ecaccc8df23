import { parseArgs } from 'node:util';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { VmError, hex } from '../../src/wire/errors.js';
import { runCase } from '../../src/check/run.js';
import { hexdump } from '../../src/check/hexdump.js';
import { stateToJson } from '../../src/vmstate/state.js';
import { int32, positiveInt } from '../args.js';
import type { Io } from '../io.js';
import { loadReleases, releaseModules } from '../releases.js';

export const reproHelp = `usage: vmcompat repro <device/from->to/machine> --seed S [--path P] [--runs N] [--releases FILE]... [--json]

Re-runs exactly one case with the seed (and replay path) a report printed,
and prints the failure: kind, VMSD, field path, offset, QEMU's lines, the
shrunk counterexample and a hex dump of the stream around the offset,
annotated with what each side put and found there. Exit 1 when the case
fails (the failure reproduced), 0 when it passes, 2 on bad input.`;

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

export function parseCaseId(id: string): { device: string; from: string; to: string; machine: string } {
  const m = /^([^/]+)\/([^/]+)->([^/]+)\/([^/]+)$/.exec(id);
  if (!m) throw new VmError({ kind: 'bad-input', message: `case id '${id}' is not of the form device/from->to/machine` });
  return { device: m[1]!, from: m[2]!, to: m[3]!, machine: m[4]! };
}

export async function reproCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seed: { type: 'string' },
      path: { type: 'string' },
      runs: { type: 'string', default: '100' },
      json: { type: 'boolean', default: false },
      releases: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(reproHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new VmError({ kind: 'bad-input', message: `expected one case id, got ${positionals.length}\n${reproHelp}` });
  if (values.seed === undefined) throw new VmError({ kind: 'bad-input', message: '--seed is required (the seed the report printed)' });
  const id = parseCaseId(positionals[0]!);
  const releases = await loadReleases(releaseModules(values.releases));
  const find = (n: string) => {
    const r = releases.find((x) => x.name === n);
    if (!r) throw new VmError({ kind: 'bad-input', message: `unknown release '${n}' (known: ${releases.map((x) => x.name).join(', ')})` });
    return r;
  };
  const result = runCase({ device: id.device, from: find(id.from), to: find(id.to), machine: id.machine }, null, {
    kind: 'property',
    arbitrary: deviceStateArbitrary,
    runs: positiveInt(values.runs!, '--runs'),
    seed: int32(values.seed, '--seed'),
    path: values.path,
    exactSeed: true,
  });
  if (values.json) {
    const { failure: _f, ...rest } = result;
    io.out(JSON.stringify(rest, null, 2));
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
  io.out(`  ${f.stage}: ${f.saver} saved, ${f.loader} loaded`);
  if (f.vmsd || f.path) io.out(`  at ${[f.vmsd, f.path].filter(Boolean).join(' ')}${f.offset !== null ? ` @${hex(f.offset)}` : ''}`);
  io.out(`  ${f.message}`);
  if (f.origin) {
    const side = (x: typeof f.origin.sent) => (x ? `${x.vmsd}:${x.path} @${hex(x.offset)} (${x.size} bytes)` : 'nothing');
    io.out(`  desync origin: ${f.saver} wrote ${side(f.origin.sent)}; ${f.loader} read ${side(f.origin.read)}`);
  }
  for (const line of f.qemu) io.out(`  qemu: ${line}`);
  if (f.sent !== undefined) io.out(`  ${f.path}: sent ${JSON.stringify(stateToJson(f.sent))}, came back ${JSON.stringify(stateToJson(f.received))}`);
  if (f.bytes && f.offset !== null) {
    io.out('');
    for (const l of hexdump(f.bytes, { offset: f.offset, length: 4, sent: f.sentTrace, read: f.readTrace, sender: f.saver, receiver: f.loader })) io.out(`  ${l}`);
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
