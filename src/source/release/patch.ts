/**
 * A QEMU tree with a patch applied (`--patch FILE`): a copy of the tree
 * under .cache/patched/<VERSION>-<hash of tree path and patch>/, made of
 * hard links (the files the patch touches are copied, so the original tree
 * is never written), then `git apply`. The copy is kept and reused, so its
 * extraction is cached like any tree's (same files, same mtimes).
 *
 * The copy carries its patch's name in PATCH_MARK; a release built from it
 * is named `<VERSION>+<patch file stem>` (10.0.2+revert-v2), never the
 * unpatched tree's name.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { VmError } from '../../wire/errors.js';
import { treeVersion } from '../extract.js';

export const PATCH_MARK = '.vmcompat-patch';

const bad = (message: string) => new VmError({ kind: 'bad-input', message });

/** The patch name a tree copy carries, or null for a tree as unpacked. */
export function patchOf(root: string): string | null {
  const f = join(root, PATCH_MARK);
  return existsSync(f) ? readFileSync(f, 'utf8').trim() || null : null;
}

/** The release name of a tree: its VERSION, `+patch` for a patched copy. */
export function treeReleaseName(root: string, version: string): string {
  const p = patchOf(root);
  return p ? `${version}+${p}` : version;
}

/** The files a git diff writes (its `+++ b/…` and `--- a/…` paths, /dev/null left out). */
export function patchedPaths(diff: string): string[] {
  const out = new Set<string>();
  for (const m of diff.matchAll(/^(?:\+\+\+|---) (?:[ab]\/)?(\S+)/gm)) if (m[1] !== '/dev/null') out.add(m[1]!);
  return [...out];
}

/** Whether the git diff applies to the tree as it is (`git apply --check`, nothing written). */
export function patchApplies(rootArg: string, patchFile: string): boolean {
  const root = resolve(rootArg);
  try {
    execFileSync('git', ['apply', '--check', '-p1', resolve(patchFile)], { cwd: root, stdio: 'pipe', env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(root) } });
    return true;
  } catch {
    return false;
  }
}

/** A copy of `root` with `patchFile` applied (made once, then reused), or a typed error naming the patch and why it does not apply. */
export function patchedTree(rootArg: string, patchFile: string, cacheDir = '.cache/patched'): string {
  const root = resolve(rootArg);
  const version = treeVersion(root);
  const file = resolve(patchFile);
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw bad(`--patch ${patchFile}: no such file`);
  const diff = readFileSync(file, 'utf8');
  const paths = patchedPaths(diff);
  if (!paths.length) throw bad(`--patch ${patchFile}: not a git diff (no '--- a/…' / '+++ b/…' lines)`);
  const stem = basename(file).replace(/\.(diff|patch)$/, '').replace(/[^A-Za-z0-9._-]/g, '-');
  const hash = createHash('sha256').update(`${root}\0`).update(diff).digest('hex').slice(0, 12);
  const dest = resolve(cacheDir, `${version}-${stem}-${hash}`);
  if (existsSync(join(dest, PATCH_MARK))) return dest;
  const tmp = `${dest}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(tmp), { recursive: true });
  try {
    execFileSync('cp', ['-al', root, tmp], { stdio: 'pipe' });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw bad(`--patch ${patchFile}: cannot copy ${root} to ${tmp}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
  }
  // a hard link is the original file: the ones the patch writes become copies first
  for (const p of paths) {
    const f = join(tmp, p);
    if (!existsSync(f)) continue;
    const own = `${f}.vmcompat-copy`;
    copyFileSync(f, own);
    renameSync(own, f);
  }
  try {
    // no repository above the copy is searched for (.cache may sit in one): paths are the diff's, from the copy's root
    execFileSync('git', ['apply', '-p1', file], { cwd: tmp, stdio: 'pipe', env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(tmp) } });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const why = String((e as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(0, 4).join('; ');
    throw bad(`--patch ${patchFile}: does not apply to ${root} (${version}): ${why || 'git apply failed'}`);
  }
  writeFileSync(join(tmp, PATCH_MARK), `${stem}\n`);
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return dest;
}
