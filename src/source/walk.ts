import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The files below `dir` (relative to `root`) whose name passes `test`, as
 * paths relative to the root, in directory order sorted by name; a folder
 * whose relative path `skip` accepts is not entered. A missing folder is
 * empty (not every tree has every folder).
 */
export function walkTree(root: string, dir: string, test: (name: string) => boolean, skip: (rel: string, name: string) => boolean = () => false, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!skip(rel, e.name)) walkTree(root, rel, test, skip, out);
    } else if (test(e.name)) out.push(rel);
  }
  return out;
}
