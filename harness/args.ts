/**
 * Option parsing for every command, on commander. A command module declares
 * its options with `defineCommand` and parses its own argv with `parseCommand`,
 * so that it loads only when it runs (harness/cli.ts registers names and
 * summaries, nothing else). Usage errors become VmErrors (exit 2); `--help`
 * prints the command's help through the injected Io.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { VmError } from '../src/wire/errors.js';
import type { Io } from './io.js';

export const usageError = (message: string) => new VmError({ kind: 'bad-input', message });

export function positiveInt(v: string, flag: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) {
    throw usageError(`${flag} expects a positive integer, got '${v}'${/^-\d+$/.test(v) ? ' (negative numbers are refused here)' : ''}`);
  }
  return Number(v);
}

export function int32(v: string, flag: string): number {
  if (!/^-?\d+$/.test(v) || Number(v) < -0x80000000 || Number(v) > 0x7fffffff) {
    throw usageError(`${flag} expects a 32-bit integer, got '${v}'`);
  }
  return Number(v);
}

/** Collects a repeatable option's values in order. */
export const repeatable = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export interface CommandText {
  /** `vmcompat NAME …`: the arguments part of the usage line. */
  usage: string;
  /** The paragraphs under the usage line. */
  description: string;
  /** Printed after the options (exit codes, examples). */
  after?: string;
}

/** A command's parser: options are added by the caller with commander's `.option()` / `.addOption()`. */
export function defineCommand(name: string, text: CommandText): Command {
  const cmd = new Command(`vmcompat ${name}`)
    .usage(text.usage)
    .description(text.description)
    .helpOption('-h, --help', 'this help')
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureHelp({ helpWidth: 100, sortOptions: false });
  if (text.after) cmd.addHelpText('after', `\n${text.after}`);
  return cmd;
}

export { Option, InvalidArgumentError };

export interface Parsed<O> {
  opts: O;
  args: string[];
}

/**
 * Parses argv with the command's declared options. Returns null after
 * printing the help (`-h`/`--help`): the command then exits 0.
 */
export function parseCommand<O>(cmd: Command, argv: readonly string[], io: Io): Parsed<O> | null {
  let help = '';
  let err = '';
  cmd.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (err += s), outputError: (s) => (err += s) });
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') {
        io.out(help.trimEnd());
        return null;
      }
      // commander's own words ("unknown option '--bogus' (Did you mean --json?)"), without its "error: " prefix
      const text = (err || e.message).trim().replace(/^error: /, '');
      throw usageError(`${text}\n(run '${cmd.name()} --help' for the options)`);
    }
    throw e;
  }
  return { opts: cmd.opts<O & object>() as O, args: cmd.args };
}

/** The help text of a command, for the top level's `help CMD` and the README tests. */
export function helpText(cmd: Command): string {
  return cmd.helpInformation().trimEnd();
}

/** `--engine`'s help: the compiled engine unless told otherwise; the interpreter is the reference it is tested against. */
export const CASE_MEMORY_HELP = "each worker's heap cap in MB: a case that exhausts it is that case's error, the run goes on (default: half the machine's memory over the workers, 1024 to 4096)";

/** `--case-memory MB`: at least 64, or the default for this many workers. */
export function caseMemory(v: string | undefined, workers: number, fallback: (workers: number) => number): number {
  if (v === undefined) return fallback(workers);
  const mb = positiveInt(v, '--case-memory');
  if (mb < 64) throw usageError(`--case-memory expects at least 64 (MB), got ${mb}: a worker needs that much to load the models`);
  return mb;
}

export const ENGINE_HELP = 'compiled (default) | interpreted: how VMSDs run (the interpreter is the reference; also VMCOMPAT_ENGINE)';

/** Applies `--engine` for this process and its workers (they inherit the environment); a bad value is a usage error. */
export function applyEngine(kind: string | undefined): void {
  if (kind === undefined) return;
  if (kind !== 'compiled' && kind !== 'interpreted') throw usageError(`--engine expects compiled or interpreted, got '${kind}'`);
  process.env.VMCOMPAT_ENGINE = kind;
}
