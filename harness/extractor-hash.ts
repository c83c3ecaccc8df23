import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the extractor is, as a hash for the extract cache key: the text of
 * every module the extraction entry (src/source/release) reaches through
 * its relative imports (the TypeScript sources in a checkout, see
 * extractorEntry), and the name@version of each
 * package they load (web-tree-sitter, the tree-sitter-c grammar). Editing
 * any file the model comes from changes the hash, so a model cached by
 * another extractor is never read.
 */

/**
 * An extractor entry module (default: the extraction, src/source/release).
 * In a checkout the TypeScript sources are hashed whether the code runs
 * from dist/ (the CLI, `npm run setup`'s warm-up) or from src/ (vitest), so
 * both share one cache entry (dist/ is built from those sources before any
 * test: `pretest`); an installed package without sources hashes its dist/.
 */
export function extractorEntry(module = 'src/source/release.js'): string {
  const ts = module.replace(/\.js$/, '.ts');
  for (const up of ['..', '../..']) {
    const src = fileURLToPath(new URL(`${up}/${ts}`, import.meta.url));
    if (existsSync(src)) return src;
  }
  return fileURLToPath(new URL(`../${module}`, import.meta.url));
}

const RELATIVE = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
const PACKAGE = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\.resolve\(\s*)['"]((?:@[\w.-]+\/)?[\w.-]+)(?:\/[^'"]*)?['"]/g;

/** A relative import's file: the `.js` named, else the `.ts` it is compiled from. */
function resolveImport(from: string, spec: string): string | null {
  const p = resolve(dirname(from), spec);
  if (existsSync(p)) return p;
  const ts = p.replace(/\.js$/, '.ts');
  return existsSync(ts) ? ts : null;
}

/** The modules reachable from `entry` (itself included), sorted, and the packages they load. */
export function extractorClosure(entry = extractorEntry()): { files: string[]; packages: string[] } {
  if (!existsSync(entry)) throw new Error(`extractor hash: no entry module ${entry}`);
  const files = new Set<string>([entry]);
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(RELATIVE)) {
      // a name that is no file is text (a comment's example), not an import the module could run with
      const r = resolveImport(f, m[1]!);
      if (r && !files.has(r)) files.add(r), todo.push(r);
    }
    for (const m of text.matchAll(PACKAGE)) if (!m[1]!.startsWith('node:') && !m[1]!.startsWith('.')) packages.add(m[1]!);
  }
  return { files: [...files].sort(), packages: [...packages].filter((p) => !BUILTIN.has(p)).sort() };
}

const BUILTIN = new Set(['fs', 'path', 'os', 'url', 'crypto', 'module', 'util', 'child_process', 'worker_threads', 'events', 'stream', 'assert']);

function packageVersion(name: string, from: string): string {
  const req = createRequire(from);
  let dir = dirname(from);
  for (;;) {
    const p = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version ?? '?';
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  try {
    return (JSON.parse(readFileSync(req.resolve(`${name}/package.json`), 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return 'not-found';
  }
}

/** 16 hex digits over the closure's file texts (by path relative to the entry's folder) and package versions. */
export function extractorHash(entry = extractorEntry()): string {
  const { files, packages } = extractorClosure(entry);
  const base = dirname(entry);
  const h = createHash('sha256');
  for (const f of files) h.update(`${relative(base, f)}\0`).update(readFileSync(f)).update('\0');
  // packages resolve from this install (where the running extractor loads them from)
  for (const p of packages) h.update(`${p}@${packageVersion(p, fileURLToPath(import.meta.url))}\n`);
  return h.digest('hex').slice(0, 16);
}
