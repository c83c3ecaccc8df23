/**
 * The flags that say what a case's VM is, as `check` and `repro` both take
 * them: `--device a,b` (a device list), `--global` / `--src-global` /
 * `--dst-global DRIVER.PROP=VALUE`.
 */
import type { CompatEntry } from '../src/machine/types.js';
import type { SideGlobals } from '../src/check/matrix.js';
import { usageError } from './args.js';

/** `DRIVER.PROP=VALUE`, as QEMU's -global takes it (the driver may not contain a dot; the value may). */
export function parseGlobal(v: string, flag: string): CompatEntry {
  const m = /^([^.=]+)\.([^=]+)=(.*)$/.exec(v);
  if (!m) throw usageError(`${flag} expects DRIVER.PROP=VALUE (as QEMU's -global), got '${v}'`);
  return { driver: m[1]!, property: m[2]!, value: m[3]! };
}

/** Each side's globals: --global on both, then that side's own, in the order given. */
export function sideGlobals(values: { global?: string[]; srcGlobal?: string[]; dstGlobal?: string[] }): SideGlobals {
  const both = (values.global ?? []).map((g) => parseGlobal(g, '--global'));
  return {
    src: [...both, ...(values.srcGlobal ?? []).map((g) => parseGlobal(g, '--src-global'))],
    dst: [...both, ...(values.dstGlobal ?? []).map((g) => parseGlobal(g, '--dst-global'))],
  };
}

/** A --device value that lists a VM's devices (`a,b`), not a glob (`{a,b}` is one: braces list alternatives). */
export const isDeviceList = (v: string): boolean => v.includes(',') && !/[{}]/.test(v);

/** `a,b,c`: device names (no globs: a VM has these devices, in this order). */
export function deviceList(v: string): string[] {
  const names = v.split(',').map((x) => x.trim());
  if (names.some((n) => !n)) throw usageError(`--device ${v}: an empty device name in the list`);
  if (names.some((n) => /[*?[{]/.test(n))) throw usageError(`--device ${v}: a device list names devices, not globs`);
  return names;
}
