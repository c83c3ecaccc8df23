import { VmError } from '../src/wire/errors.js';
import { checkCommand } from './commands/check.js';
import { listCommand } from './commands/list.js';
import { staticCommand } from './commands/static.js';
import { reproCommand } from './commands/repro.js';
import { proveCommand } from './commands/prove.js';
import { mergeReportsCommand } from './commands/merge-reports.js';
import { decodeCommand } from './commands/decode.js';
import { qemuCommand } from './commands/qemu.js';
import { extractMachinesCommand } from './commands/extract-machines.js';
import { processIo, type Io } from './io.js';

const usage = `usage: vmcompat <command> [options]

commands:
  decode         decode a QEMU migration stream: state per device (--json), description (--desc), byte-identical re-encode (--reencode)
  qemu           real QEMU binaries: one saves, the other loads and saves again, both streams compared field by field, both ways
  check          run the release matrix (or --scenario FILE) and compare verdicts with the scenarios' expectations
  merge-reports  join the report folders of 'check --shard k/n' runs into one report
  prove          prove a compat fix: --base fails against --peer, --fix passes, at every machine type
  repro          re-run one case from a report line (--seed, --path) and explain its failure
  list           list the release models, their machine types and devices, and the scenarios
  extract-machines  machine types of a QEMU source tree (compat arrays, option chains) held against the binary's query-machines
  static         compare two releases or -dump-vmstate files schema by schema, per machine type, without running anything

Run 'vmcompat <command> --help' for a command's options.
Exit codes: 0 as expected, 1 unexpected result, 2 usage, scenario or input error.`;

const commands: Record<string, (argv: string[], io: Io) => number | Promise<number>> = {
  decode: decodeCommand,
  qemu: qemuCommand,
  check: checkCommand,
  list: listCommand,
  static: staticCommand,
  repro: reproCommand,
  prove: proveCommand,
  'merge-reports': mergeReportsCommand,
  'extract-machines': extractMachinesCommand,
};

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage);
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.err(`vmcompat: unknown command '${name}'\n${usage}`);
    return 2;
  }
  try {
    return await cmd(rest, io);
  } catch (e) {
    if (e instanceof VmError) {
      // the reason on the first line; usage text, if any, after it
      io.err(`vmcompat ${name}: ${e.message}`);
      return 2;
    }
    if (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`vmcompat ${name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
