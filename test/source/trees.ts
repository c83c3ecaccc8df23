import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What the tests over Debian's trees and binaries tell a machine that lacks them. */
export const SETUP = 'run `npm run setup` (harness/setup.sh) to unpack the QEMU source trees and provision the binaries';

/** A QEMU source tree the test needs, resolved; a missing one fails with the set-up command (never a skip). */
export function tree(path: string): string {
  const p = resolve(path);
  if (!existsSync(join(p, 'VERSION'))) throw new Error(`${p}: QEMU source tree missing; ${SETUP}`);
  return p;
}
