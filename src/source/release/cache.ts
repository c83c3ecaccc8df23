/**
 * Tree snapshots cached under a folder (default .cache/extract): keyed by
 * the tree's path, its VERSION and a fingerprint of its sources (size and
 * mtime of every file under hw/, include/ and migration/), plus the
 * extractor's version, so an edited or patched tree is read again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXTRACTOR_VERSION, treeVersion } from '../extract.js';
import { decodeSnapshot, encodeSnapshot, snapshotTree, SNAPSHOT_FORMAT, type TreeSnapshot } from './snapshot.js';

/** Bumped when snapshot.ts or translate.ts change what they write. */
export const SNAPSHOT_VERSION = 2;

const FINGERPRINT_DIRS = ['hw', 'include', 'migration'];

export function treeFingerprint(root: string): string {
  const h = createHash('sha256');
  h.update(`${resolve(root)}\0${EXTRACTOR_VERSION}\0${SNAPSHOT_VERSION}\0`);
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(join(root, dir)).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const rel = `${dir}/${n}`;
      const s = statSync(join(root, rel), { throwIfNoEntry: false });
      if (!s) continue;
      if (s.isDirectory()) walk(rel);
      else if (/\.(c|h|inc)$/.test(n)) h.update(`${rel}:${s.size}:${Math.floor(s.mtimeMs)}\n`);
    }
  };
  h.update(readFileSync(join(root, 'VERSION')));
  for (const d of FINGERPRINT_DIRS) walk(d);
  return h.digest('hex').slice(0, 16);
}

export interface CacheOptions {
  dir?: string;
  progress?: (what: string) => void;
}

/** The tree's snapshot, from the cache when it is there and current, else extracted and stored. */
export async function cachedSnapshot(root: string, opts: CacheOptions = {}): Promise<TreeSnapshot> {
  const version = treeVersion(root);
  const dir = resolve(opts.dir ?? '.cache/extract');
  const file = join(dir, `${version}-${treeFingerprint(root)}.json`);
  if (existsSync(file)) {
    const s = decodeSnapshot(readFileSync(file, 'utf8'));
    if (s.format === SNAPSHOT_FORMAT) return s;
  }
  const snap = await snapshotTree(root, opts.progress);
  mkdirSync(dir, { recursive: true });
  // written whole then renamed: a worker never reads half a file
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, encodeSnapshot(snap));
  renameSync(tmp, file);
  return snap;
}
