/**
 * `prove` with real QEMU builds in place of release models (--base, --fix
 * and --peer are paths to binaries). The `prove` command delegates here
 * when its arguments are binaries.
 */
import { VmError } from '../../src/wire/errors.js';
import type { Io } from '../io.js';

export interface ProveBinariesArgs {
  base: string;
  fix: string;
  peer: string;
  machines?: string[];
  /** `-device` specs to put in the guest. */
  devices?: string[];
  json?: boolean;
}

export async function proveBinaries(_args: ProveBinariesArgs, _io: Io): Promise<number> {
  throw new VmError({ kind: 'bad-input', message: 'prove with QEMU binaries is not implemented yet' });
}
