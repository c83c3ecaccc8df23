import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { defineCommand, parseCommand, positiveInt, usageError } from '../args.js';
import { writableFile } from '../files.js';
import { jsonEnvelope } from '../envelope.js';
import { toolVersion } from '../paths.js';
import type { Io } from '../io.js';
import { resolveQemu } from '../../src/qemu/binaries.js';
import { dumpVmstateText } from '../../src/qemu/dump.js';
import { VmError } from '../../src/wire/errors.js';

function dumpArgs(): Command {
  return defineCommand('dump', {
    usage: 'BIN -M MACHINE -o FILE [--timeout SEC] [--json]',
    description: `Runs BIN -M MACHINE -dump-vmstate FILE: every device class's VMSD as the binary has
it at that machine type, the file 'vmcompat static' (and QEMU's vmstate-static-checker.py)
compare. BIN is a path to a qemu-system-x86_64 build or one of the provisioned releases
7.2 and 10.0; an unpacked build gets its own module and firmware folders.`,
    after: `Exit 0 when FILE was written, 2 when the machine type is unknown to BIN (QEMU's own
words), BIN fails or is killed, or it does not finish within --timeout.`,
  })
    .argument('<BIN>', 'a qemu-system-x86_64 path, or 7.2 / 10.0')
    .option('-M, --machine <MACHINE>', 'the machine type, e.g. pc-q35-7.2 (required)')
    .option('-o, --output <FILE>', 'where to write the dump (required)')
    .option('--timeout <SEC>', 'how long the binary may take', '30')
    .option('--json', 'what was written, as JSON (in the vmcompat envelope)');
}

interface DumpOptions {
  machine?: string;
  output?: string;
  timeout: string;
  json?: boolean;
}

export async function dumpCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand<DumpOptions>(dumpArgs(), argv, io);
  if (!parsed) return 0;
  const o = parsed.opts;
  if (!o.machine) throw usageError('-M MACHINE is required (a machine type of the binary, e.g. pc-q35-7.2)');
  if (!o.output) throw usageError('-o FILE is required (where to write the dump)');
  writableFile(o.output, '-o');
  const timeoutMs = positiveInt(o.timeout, '--timeout') * 1000;
  const bin = await resolveQemu(parsed.args[0]!);
  const text = await dumpVmstateText(bin, o.machine, timeoutMs);
  let classes: number;
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    if (typeof doc !== 'object' || doc === null || !('vmschkmachine' in doc)) throw new Error('no "vmschkmachine" member');
    classes = Object.keys(doc).filter((k) => k !== 'vmschkmachine').length;
  } catch (e) {
    throw new VmError({ kind: 'bad-input', message: `${bin.path} -M ${o.machine} -dump-vmstate wrote something that is not a -dump-vmstate document: ${(e as Error).message}` });
  }
  writeFileSync(o.output, text);
  const result = { binary: bin.path, version: bin.version, machine: o.machine, file: o.output, bytes: Buffer.byteLength(text), classes };
  if (o.json) io.out(jsonEnvelope('dump', result, toolVersion()));
  else io.out(`wrote ${o.output}: ${classes} device classes, ${result.bytes} bytes (QEMU ${bin.version} -M ${o.machine})`);
  return 0;
}
