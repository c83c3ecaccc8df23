/**
 * The flags of a replay line that say what a case's VM is, beyond its id:
 * a device list (`--device a,b`), the machine type's devices (`--vm`), and
 * the per-side `-global`s, spelled so that `check` and `repro` read them
 * back into the same case.
 */
import type { CompatEntry } from '../machine/types.js';
import type { PlannedCase, SideGlobals } from './matrix.js';

/** A word as a POSIX shell reads it back unchanged. */
export const shellWord = (s: string): string => (/^[\w./@:+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

const globalArg = (g: CompatEntry): string => `${g.driver}.${g.property}=${g.value}`;
const same = (a: CompatEntry, b: CompatEntry) => a.driver === b.driver && a.property === b.property && a.value === b.value;

/**
 * `check` builds each side's list as the --global values followed by that
 * side's own: the common prefix is --global, the rest --src-global and
 * --dst-global, which rebuilds both lists in their order.
 */
export function globalFlags(globals: SideGlobals): { global: string[]; src: string[]; dst: string[] } {
  let n = 0;
  while (n < globals.src.length && n < globals.dst.length && same(globals.src[n]!, globals.dst[n]!)) n++;
  return { global: globals.src.slice(0, n).map(globalArg), src: globals.src.slice(n).map(globalArg), dst: globals.dst.slice(n).map(globalArg) };
}

/** ` --device a,b` / ` --vm` and the globals, or '' for a one-device case with the releases' defaults. */
export function replayFlags(c: Pick<PlannedCase, 'devices' | 'globals'>): string {
  const out: string[] = [];
  if (c.devices) out.push(c.devices.length ? `--device ${shellWord(c.devices.join(','))}` : '--vm');
  if (c.globals) {
    const g = globalFlags(c.globals);
    for (const [flag, list] of [['--global', g.global], ['--src-global', g.src], ['--dst-global', g.dst]] as const) {
      for (const v of list) out.push(`${flag} ${shellWord(v)}`);
    }
  }
  return out.map((x) => ` ${x}`).join('');
}
