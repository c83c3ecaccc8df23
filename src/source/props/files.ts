import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) walk(r);
      } else if (e.name.endsWith('.c') && (!contains || contains.test(readFileSync(join(root, r), 'utf8')))) out.push(r);
    }
  };
  for (const d of SYSTEM_DIRS) {
    if (d.endsWith('.c')) {
      try {
        if (!contains || contains.test(readFileSync(join(root, d), 'utf8'))) out.push(d);
      } catch {
        // not in this tree
      }
    } else walk(d);
  }
  return out.sort();
}
