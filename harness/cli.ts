/**
 * The vmcompat command line. Every command is registered here by name and
 * summary only; its module is imported when it runs, so that `decode`,
 * `static` and `list` load no QEMU driver, no execa and no release model
 * they do not use. A command is `(argv, io) => exit code`: it parses its
 * own options (harness/args.ts) and prints through the injected Io.
 *
 * Exit codes: 0 as expected, 1 an unexpected result, 2 a usage, scenario or
 * input error (a typed VmError: one line naming what and where; for `qemu`
 * also a run whose failures are all a binary that cannot run), 70 an
 * internal error (a bug of vmcompat's: one line, the stack with --debug).
 */
import { Command, CommanderError } from 'commander';
import { VmError } from '../src/wire/errors.js';
import { processIo, type Io } from './io.js';
import { toolVersion } from './paths.js';

export type CommandFn = (argv: string[], io: Io) => number | Promise<number>;

export interface CommandEntry {
  name: string;
  /** One line for `vmcompat --help`. */
  summary: string;
  /** Imports the command's module: called only when the command runs. */
  load: () => Promise<CommandFn>;
}

export const EXIT = { ok: 0, unexpected: 1, usage: 2, internal: 70 } as const;

export const commands: CommandEntry[] = [];

/** Adds a command; `load` imports its module only when it runs. */
export function register(name: string, summary: string, load: () => Promise<CommandFn>): void {
  if (commands.some((c) => c.name === name)) throw new Error(`vmcompat: command '${name}' registered twice`);
  commands.push({ name, summary, load });
}

register('decode', 'decode a QEMU migration stream: state per device (--json), description (--desc), byte-identical re-encode (--reencode)', async () => (await import('./commands/decode.js')).decodeCommand);
register('diff', 'compare two migration streams section by section and field by field (their own descriptions, or a release model with --release)', async () => (await import('./commands/diff.js')).diffCommand);
register('qemu', 'real QEMU binaries: one saves, the other loads and saves again, both streams compared field by field, both ways', async () => (await import('./commands/qemu.js')).qemuCommand);
register('check', 'run the built-in scenarios and the seed case (--all: the whole release matrix, or --scenario FILE) against their expectations', async () => (await import('./commands/check.js')).checkCommand);
register('merge-reports', "join the report folders of 'check --shard k/n' runs into one report", async () => (await import('./commands/merge-reports.js')).mergeReportsCommand);
register('prove', 'prove a compat fix: --base fails against --peer, --fix passes, at every machine type', async () => (await import('./commands/prove.js')).proveCommand);
register('repro', 're-run one case from a report line (--seed, --path) and explain its failure', async () => (await import('./commands/repro.js')).reproCommand);
register('list', 'list the release models, their machine types and devices, and the scenarios', async () => (await import('./commands/list.js')).listCommand);
register('static', 'compare two releases or -dump-vmstate files schema by schema, per machine type, without running anything', async () => (await import('./commands/static.js')).staticCommand);
register('extract', 'extract the release model of a QEMU source tree (VMSDs, properties, compat arrays, machine types; cached), --validate against the binary built from it', async () => (await import('./commands/extract.js')).extractCommand);
register('dump', "write a binary's -dump-vmstate at one machine type (-M MACHINE -o FILE), with the module and firmware folders it needs", async () => (await import('./commands/dump.js')).dumpCommand);
register('extract-machines', "machine types of a QEMU source tree (compat arrays, option chains) held against the binary's query-machines", async () => (await import('./commands/extract-machines.js')).extractMachinesCommand);

const EPILOG = `Run 'vmcompat help <command>' or 'vmcompat <command> --help' for a command's options.
Exit codes: 0 as expected, 1 an unexpected result, 2 a usage, scenario or input error
(for qemu also a binary that cannot run: start-failed, qmp-protocol, a crash or hang
before it migrated), 70 an internal error (run with --debug for the stack).`;

function program(io: Io, run: (c: CommandEntry, rest: string[]) => Promise<void>, rest: () => string[]): Command {
  const p = new Command('vmcompat')
    .usage('<command> [options]')
    .description('Proves QEMU device state survives live migration between two releases, in both directions.')
    .version(toolVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'this help')
    .option('--debug', 'print the stack of an internal error')
    .helpCommand('help [command]', "a command's help")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureHelp({ helpWidth: 120 })
    .addHelpText('after', `\n${EPILOG}`);
  for (const c of commands) {
    p.command(c.name)
      .description(c.summary)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => run(c, rest()));
  }
  return p;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const debug = argv.includes('--debug') || Boolean(process.env.VMCOMPAT_DEBUG);
  const args = argv.filter((a) => a !== '--debug');
  // the command is the first word that is not a top-level flag (those take no value)
  const at = args.findIndex((a) => !a.startsWith('-'));
  let code: number = EXIT.ok;
  let name = 'vmcompat';
  const run = async (c: CommandEntry, rest: string[]) => {
    name = `vmcompat ${c.name}`;
    code = await (await c.load())(rest, io);
  };
  if (args[at] === 'help' && args[at + 1] !== undefined) {
    // `vmcompat help CMD` is `vmcompat CMD --help`
    const c = commands.find((x) => x.name === args[at + 1]);
    if (c) return guard(() => run(c, ['--help']), io, () => name, debug).then((e) => e ?? code);
  }
  if (at < 0 && args.length === 0) {
    io.err(program(io, run, () => []).helpInformation().trimEnd());
    return EXIT.usage;
  }
  let out = '';
  let err = '';
  const p = program(io, run, () => args.slice(at + 1));
  p.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s), outputError: (s) => (err += s) });
  const failed = await guard(
    async () => {
      try {
        await p.parseAsync(args, { from: 'user' });
      } catch (e) {
        if (!(e instanceof CommanderError)) throw e;
        if (out) io.out(out.trimEnd());
        if (e.exitCode === 0) return;
        io.err(`vmcompat: ${(err || e.message).trim().replace(/^error: /, '')}\n${EPILOG.split('\n')[0]}`);
        code = EXIT.usage;
      }
    },
    io,
    () => name,
    debug,
  );
  return failed ?? code;
}

/** Runs a command; a typed error is one line and exit 2, anything else a bug: one line (the stack with --debug) and exit 70. */
async function guard(f: () => Promise<void>, io: Io, name: () => string, debug: boolean): Promise<number | null> {
  try {
    await f();
    return null;
  } catch (e) {
    if (e instanceof VmError) {
      // the reason on the first line; usage text, if any, after it
      io.err(`${name()}: ${e.message}`);
      return EXIT.usage;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    if (debug) io.err(`${name()}: internal error: ${err.stack ?? err.message}`);
    else io.err(`${name()}: internal error: ${err.message.split('\n')[0]} (run with --debug for the stack)`);
    return EXIT.internal;
  }
}
