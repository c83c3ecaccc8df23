import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { resolveQemu, type QemuBinary } from '../../src/qemu/binaries.js';
import { extractMachines, type MachineExtraction } from '../../src/source/machines/extract.js';
import { validateMachines, type MachineValidation, type QueryMachine } from '../../src/source/machines/validate.js';
import { VmError } from '../../src/wire/errors.js';
import type { Io } from '../io.js';
import { defineCommand, parseCommand, usageError } from '../args.js';
import { jsonEnvelope } from '../envelope.js';
import { toolVersion } from '../paths.js';

export const SOURCE_HINT = 'run `npm run source:setup` (bash harness/source-setup.sh) to unpack the QEMU source trees into .cache/src';

/** The source trees the built-in binaries were built from. */
export const BUILTIN_TREES: { tree: string; qemu: '7.2' | '10.0' }[] = [
  { tree: '.cache/src/qemu-10.0.2', qemu: '10.0' },
  { tree: '.cache/src/qemu-7.2.22', qemu: '7.2' },
];

function extractArgs() {
  return defineCommand('extract-machines', {
    usage: '[--tree DIR --qemu BIN] [--json]',
    description: `Extracts the machine types of a QEMU source tree (compat arrays, option
chains) and holds them against query-machines of the binary built from it.
Without --tree: the built-in pairs (${BUILTIN_TREES.map((t) => `${t.tree} with QEMU ${t.qemu}`).join(', ')}).`,
    after: `Exit 0 when every machine type equals the binary's, 1 on a mismatch, 2 on bad input.`,
  })
    .option('--tree <DIR>', 'a QEMU source tree (with --qemu)')
    .option('--qemu <BIN>', 'the binary built from it: a path, or 7.2 / 10.0')
    .option('--json', 'the validations as JSON (in the vmcompat envelope)');
}

/** `query-machines` of a binary, with compat-props where the binary knows the argument (QEMU ≥ 9.1). */
export async function queryMachines(bin: QemuBinary): Promise<QueryMachine[]> {
  const commands = [
    { execute: 'qmp_capabilities' },
    { execute: 'query-machines', arguments: { 'compat-props': true }, id: 'with-compat' },
    { execute: 'query-machines', id: 'plain' },
    { execute: 'quit' },
  ];
  const r = await execa(bin.path, [...bin.extraArgs, '-machine', 'none', '-nodefaults', '-display', 'none', '-qmp', 'stdio'], {
    env: bin.env,
    input: commands.map((c) => JSON.stringify(c)).join('\n') + '\n',
    reject: false,
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const replies = new Map<string, unknown>();
  for (const line of r.stdout.split('\n')) {
    let msg: { id?: string; return?: unknown };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      continue;
    }
    if (msg.id && msg.return !== undefined) replies.set(msg.id, msg.return);
  }
  const result = replies.get('with-compat') ?? replies.get('plain');
  if (!Array.isArray(result)) {
    throw new VmError({ kind: 'bad-input', message: `${bin.path}: query-machines gave no answer (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().slice(0, 400)}` });
  }
  return result as QueryMachine[];
}

/** Extracts from `tree`, queries `bin`, compares. */
export async function checkTree(tree: string, bin: QemuBinary): Promise<MachineValidation> {
  if (!existsSync(join(tree, 'VERSION'))) throw new VmError({ kind: 'bad-input', message: `${tree}: not a QEMU source tree (no VERSION file); ${SOURCE_HINT}` });
  // one after the other: the extraction keeps the event loop busy, and QEMU's replies must be read as they come
  const query = await queryMachines(bin);
  return compareWithBinary(await extractMachines(tree), bin, query);
}

/** Holds an extraction against a binary's `query-machines` answer; a tree of another version than the binary is a mismatch. */
export function compareWithBinary(extracted: MachineExtraction, bin: QemuBinary, query: readonly QueryMachine[]): MachineValidation {
  const v = validateMachines(extracted, query);
  if (!extracted.version.startsWith(bin.version) && bin.version !== extracted.version) {
    v.mismatches.unshift({ machine: '*', kind: 'only-in-source', message: `tree ${extracted.root} is QEMU ${extracted.version}, the binary ${bin.path} reports ${bin.version}` });
  }
  for (const u of extracted.unresolved) v.unchecked.push(`unresolved: ${u.what} (${u.file}:${u.line}): ${u.reason}`);
  return v;
}

/** Whether a machine validation holds: something compared, everything equal. */
export const machinesHold = (v: MachineValidation) => v.mismatches.length === 0 && v.equal === v.binaryMachines && v.binaryMachines > 0;

export function formatValidation(v: MachineValidation): string[] {
  const lines = [`${v.version}: ${v.equal}/${v.binaryMachines} machine types equal query-machines${v.comparedCompat ? ` (${v.comparedEntries} compat entries compared)` : ' (machine list and flags only)'}`];
  for (const m of v.mismatches) lines.push(`  MISMATCH ${m.message}`);
  for (const u of v.unchecked) lines.push(`  unchecked: ${u}`);
  return lines;
}

export async function extractMachinesCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand<{ tree?: string; qemu?: string; json?: boolean }>(extractArgs(), argv, io);
  if (!parsed) return 0;
  const values = parsed.opts;
  if (Boolean(values.tree) !== Boolean(values.qemu)) throw usageError(`--tree and --qemu go together\n(run 'vmcompat extract-machines --help' for the options)`);
  const pairs = values.tree ? [{ tree: resolve(values.tree), qemu: values.qemu! }] : BUILTIN_TREES.map((t) => ({ tree: resolve(t.tree), qemu: t.qemu as string }));
  const results: MachineValidation[] = [];
  for (const p of pairs) results.push(await checkTree(p.tree, await resolveQemu(p.qemu)));
  if (values.json) io.out(jsonEnvelope('extract-machines', results, toolVersion()));
  else for (const r of results) for (const l of formatValidation(r)) io.out(l);
  return results.every(machinesHold) ? 0 : 1;
}
