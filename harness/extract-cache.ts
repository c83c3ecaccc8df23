import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VmError } from '../src/wire/errors.js';
import { EXTRACTOR_VERSION, treeVersion, type ExtractOptions } from '../src/source/extract.js';
import type { ExtractedRelease } from '../src/source/model.js';
import { extractRelease } from '../src/source/release.js';
import { walkTree } from '../src/source/walk.js';
import { extractorHash } from './extractor-hash.js';

/**
 * Extracted releases cached as JSON files, one per (tree version, target,
 * EXTRACTOR_VERSION, hash of the extractor's own code (extractor-hash.ts),
 * fingerprint of the tree's files). The fingerprint is
 * cheap: the path, size and mtime of every file the extraction can read
 * (C sources and headers, Kconfig, configs, QAPI schemas, VERSION), not
 * their text. Editing a tree changes its key; a stale file is never read.
 */

/** Folders that never hold anything the extraction reads. */
const SKIP_DIRS = new Set(['.git', 'tests', 'roms', 'subprojects', 'docs', 'python', 'build', 'pc-bios', 'contrib', 'linux-user', 'bsd-user', 'po', 'rust']);
const READ = /\.(c|h|inc|json|mak)$|^(Kconfig.*|VERSION|meson\.build)$/;

export function treeFingerprint(root: string): string {
  const h = createHash('sha256');
  for (const r of walkTree(root, '', (name) => READ.test(name), (_rel, name) => SKIP_DIRS.has(name))) {
    try {
      const s = statSync(join(root, r));
      h.update(`${r}\0${s.size}\0${Math.floor(s.mtimeMs)}\n`);
    } catch {
      // gone while walking: not part of the tree
    }
  }
  return h.digest('hex').slice(0, 16);
}

export interface CacheOptions extends ExtractOptions {
  /** Filled with the milliseconds of each extraction phase (when it extracts). */
  timings?: Record<string, number>;
  /** Folder of the cached models (`.cache/extracted`). */
  cacheDir: string;
  /** Extract even when a cached model exists (and replace it). */
  refresh?: boolean;
}

export interface Cached {
  model: ExtractedRelease;
  /** The cached model's file. */
  file: string;
  /** Whether it was read from the cache (false: extracted now). */
  hit: boolean;
  /** Milliseconds spent (reading, or extracting and writing). */
  ms: number;
}

export function cacheKey(root: string, target = 'x86_64-softmmu', extractor = extractorHash()): string {
  const version = treeVersion(root);
  return `qemu-${version}-${target}-x${EXTRACTOR_VERSION}-${extractor}-${treeFingerprint(root)}`;
}

/** The tree's release model, from the cache when its key matches, else extracted and stored. */
export async function extractCached(rootArg: string, opts: CacheOptions): Promise<Cached> {
  const t0 = Date.now();
  const root = resolve(rootArg);
  if (!existsSync(root)) throw new VmError({ kind: 'bad-input', message: `${rootArg}: no such folder (expected a QEMU source tree)` });
  if (!statSync(root).isDirectory()) throw new VmError({ kind: 'bad-input', message: `${rootArg}: is a file, not a QEMU source tree` });
  const key = cacheKey(root, opts.target);
  const file = join(opts.cacheDir, `${key}.json`);
  if (!opts.refresh && !opts.only && existsSync(file)) {
    const model = readModel(file);
    if (model && model.key === key && model.tree === root) {
      touch(file);
      return { model, file, hit: true, ms: Date.now() - t0 };
    }
  }
  const model = await extractRelease(root, opts);
  if (model.vmsds.length === 0) {
    throw new VmError({ kind: 'bad-input', message: `${rootArg}: no VMStateDescription in the ${model.files} C files read (QEMU ${model.version}): not a QEMU source tree with device models` });
  }
  model.key = key;
  if (!opts.only) {
    writeModel(file, model);
    pruneCache(opts.cacheDir);
  }
  return { model, file, hit: false, ms: Date.now() - t0 };
}

/** A cached model, or null when the file is not one (truncated, another format): it is then extracted again. */
function readModel(file: string): ExtractedRelease | null {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as ExtractedRelease;
    return m.format === 'vmcompat-extract/1' && Array.isArray(m.vmsds) && Array.isArray(m.machines) ? m : null;
  } catch {
    return null;
  }
}

/** Written beside and renamed: a reader never sees half a file. */
export function writeModel(file: string, model: ExtractedRelease): void {
  mkdirSync(resolve(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(model));
  renameSync(tmp, file);
}

/** How many models of one tree version and target the cache keeps: the most recently used. */
export const KEEP_PER_TREE = 4;
const MODEL_FILE = /^qemu-(.+)-([A-Za-z0-9_]+-[a-z]+)-x\d+-[0-9a-f]+-[0-9a-f]+\.json$/;
/** A write that died half-way leaves `<file>.<pid>.tmp`: an hour later, nobody is finishing it. */
const STALE_TMP_MS = 3_600_000;

/** Marks a model as used now: pruning keeps the most recently used. */
function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // read-only cache: pruning then goes by when it was written
  }
}

/**
 * Keeps, per tree version and target, the `keep` most recently used models
 * (every edit of a tree or of the extractor makes a new key, 2.5 MB each) and
 * the predicate files beside them; removes the others' predicate files, the
 * predicate files whose model is gone and stale half-written files. Returns
 * the names removed.
 */
export function pruneCache(cacheDir: string, keep = KEEP_PER_TREE): string[] {
  let names: string[];
  try {
    names = readdirSync(cacheDir);
  } catch {
    return [];
  }
  const mtime = (name: string) => {
    try {
      return statSync(join(cacheDir, name)).mtimeMs;
    } catch {
      return -1;
    }
  };
  const groups = new Map<string, { name: string; t: number }[]>();
  for (const name of names) {
    const m = MODEL_FILE.exec(name);
    if (!m) continue;
    const g = `${m[1]}\0${m[2]}`;
    groups.set(g, [...(groups.get(g) ?? []), { name, t: mtime(name) }]);
  }
  const gone: string[] = [];
  for (const models of groups.values()) {
    models.sort((a, b) => b.t - a.t || (a.name < b.name ? -1 : 1));
    gone.push(...models.slice(keep).map((m) => m.name));
  }
  const present = new Set(names.filter((n) => !gone.includes(n)));
  for (const name of names) {
    const companion = /^(.+)\.predicates-.+\.json$/.exec(name);
    if (companion && !present.has(`${companion[1]}.json`)) gone.push(name);
    if (name.endsWith('.tmp') && Date.now() - mtime(name) > STALE_TMP_MS) gone.push(name);
  }
  const removed: string[] = [];
  for (const name of new Set(gone)) {
    try {
      rmSync(join(cacheDir, name), { force: true });
      removed.push(name);
    } catch {
      // another run removed it, or the cache is read-only: nothing to do
    }
  }
  return removed.sort();
}
