import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { walkTree } from '../walk.js';

/**
 * The C files of a tree that an x86_64 system emulator can contain: the
 * device, migration and backend folders, and of the targets only i386.
 * Tests, ROMs, subprojects and the other targets are left out (their
 * code is never in the binary the extraction is held against).
 */
export const SYSTEM_DIRS = ['hw', 'migration', 'net', 'block', 'backends', 'target/i386', 'accel', 'system', 'softmmu', 'audio', 'chardev', 'ui', 'dump', 'crypto', 'io', 'qom', 'replay', 'stats', 'cpu-target.c', 'cpus-common.c', 'block.c', 'blockdev.c'];
const SKIP = new Set(['tests', 'roms', 'subprojects', 'contrib', 'linux-user', 'bsd-user']);

/** Relative paths of the tree's system C files whose text matches `contains`, sorted. */
export function sourceFiles(root: string, contains?: RegExp): string[] {
  const matches = (r: string) => !contains || contains.test(readFileSync(join(root, r), 'utf8'));
  const out: string[] = [];
  for (const d of SYSTEM_DIRS) {
    if (!d.endsWith('.c')) out.push(...walkTree(root, d, (n) => n.endsWith('.c'), (_rel, name) => SKIP.has(name)).filter(matches));
    else if (existsSync(join(root, d)) && matches(d)) out.push(d);
  }
  return out.sort();
}
