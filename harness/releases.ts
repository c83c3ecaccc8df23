/**
 * The release list a command works with: the built-in models, then any the
 * user adds with `--releases FILE` — an ES module (JavaScript; compile a
 * TypeScript one first) that exports `releases` (or a default export): a
 * Release or a list of them, built with vmcompat's own DSL.
 *
 * A release has exactly the devices it declares. One that says
 * `extends: '<release>'` is that release (built-in or earlier in the list)
 * with its own devices in place of the same-named ones and added after
 * them; machines, compat arrays and the rest come from it unless given.
 */
import { undeclaredCompatEntries } from '../src/machine/compat-check.js';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VmError } from '../src/wire/errors.js';
import type { Release } from '../src/machine/types.js';
import { releases as builtin } from '../scenarios/releases/index.js';
import { codecs } from '../scenarios/common/bindings.js';
import { reachableRules, realizeOverrides } from '../scenarios/common/realize.js';
import { stateRules } from '../scenarios/common/tree-gen.js';
import { predicateOverrides } from '../scenarios/common/predicates.js';
import { registrationFacts } from '../scenarios/common/registration.js';
import { treeDomains } from '../scenarios/common/tree-domains.js';
import { virtioBlocked } from '../scenarios/common/virtio-realize.js';
import { existsSync as exists, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { extractCached } from './extract-cache.js';
import { extractorEntry, extractorHash } from './extractor-hash.js';
import { extractCacheDir } from './commands/extract.js';
import { snapshotFromRelease, type TreeSnapshot } from '../src/source/release/snapshot.js';
import { releaseFromSnapshot } from '../src/source/release/convert.js';
import { patchApplies, patchedTree, treeReleaseName } from '../src/source/release/patch.js';
import { treeVersion } from '../src/source/extract.js';
import { vmsdProblems } from '../src/vmstate/check.js';
import { resolveRelease } from './names.js';

const bad = (message: string) => new VmError({ kind: 'bad-input', message });

function isRelease(x: unknown): x is Release {
  const r = x as Release;
  return typeof r === 'object' && r !== null && typeof r.name === 'string' && Array.isArray(r.machines) && Array.isArray(r.devices);
}

/** Absolute paths, so that worker threads resolve them the same way. */
export function releaseModules(paths: readonly string[] | undefined): string[] {
  return (paths ?? []).map((p) => resolve(p));
}

export async function loadReleases(modules: readonly string[]): Promise<Release[]> {
  const all = [...builtin];
  for (const file of modules) {
    if (isSourceTree(file)) {
      const r = await treeRelease(file);
      if (all.some((x) => x.name === r.name)) throw bad(`--releases ${file}: release '${r.name}' (the tree's VERSION) is already defined`);
      all.push(r);
      continue;
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (e) {
      throw bad(`--releases ${file}: cannot be imported: ${(e as Error).message.split('\n')[0]}`);
    }
    const exported = mod.releases ?? mod.default;
    const list = (Array.isArray(exported) ? exported : [exported]).map((x) => extendRelease(x, all, file));
    if (list.length === 0 || !list.every(isRelease)) {
      throw bad(`--releases ${file}: export 'releases' (or a default export): a Release or a list of them, each with a name, machines and devices`);
    }
    for (const r of list) {
      checkRelease(r, file);
      if (all.some((x) => x.name === r.name)) throw bad(`--releases ${file}: release '${r.name}' is already defined`);
      // QEMU refuses to start with a global naming a property nothing declares: so is such a model
      const undeclared = undeclaredCompatEntries(r);
      if (undeclared.length) throw bad(`--releases ${file}: ${undeclared[0]!.message}${undeclared.length > 1 ? ` (and ${undeclared.length - 1} more such entries)` : ''}`);
      all.push(r);
    }
  }
  return all;
}

/** `{ extends: 'R', name, devices, … }` → R with those devices replacing (by name) or joining R's; anything else as it is. */
export function extendRelease(x: unknown, known: readonly Release[], file: string): unknown {
  const r = x as Partial<Release> & { extends?: unknown };
  if (typeof r !== 'object' || r === null || r.extends === undefined) return x;
  const baseName = r.extends;
  const base = known.find((k) => k.name === baseName);
  if (typeof baseName !== 'string' || !base) {
    throw bad(`--releases ${file}: release '${String(r.name)}' extends ${JSON.stringify(baseName)}, which is no known release (known: ${known.map((k) => k.name).join(', ')})`);
  }
  const own = Array.isArray(r.devices) ? r.devices : [];
  const byName = new Map(own.map((d) => [d.name, d]));
  const devices = [...base.devices.map((d) => byName.get(d.name) ?? d), ...own.filter((d) => !base.devices.some((b) => b.name === d.name))];
  const { extends: _base, ...rest } = r;
  return { ...base, ...rest, devices, machines: r.machines ?? base.machines, compatArrays: r.compatArrays ?? base.compatArrays };
}

/** `--release R` of diff and decode: a QEMU source tree folder (its extracted model), else a release name or alias among the built-in and --releases models. */
export async function releaseModel(name: string, modules: readonly string[]): Promise<Release> {
  if (isSourceTree(name)) return treeRelease(name);
  const releases = await loadReleases(modules);
  const found = resolveRelease(name, releases.map((r) => r.name), '--release');
  return releases.find((r) => r.name === found)!;
}

/** A folder given to --releases: a QEMU source tree (VERSION and include/migration/vmstate.h), or a typed error. */
export function isSourceTree(path: string): boolean {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s?.isDirectory()) return false;
  treeVersion(path); // throws the typed error naming what is missing
  return existsSync(join(path, 'VERSION'));
}

const treeReleases = new Map<string, Promise<Release>>();

/** Bumped when what the snapshot adds to the extracted model (the translated predicates and hooks) changes. */
const SNAPSHOT_VERSION = '6hpk';

/**
 * A tree's snapshot from the one extraction `vmcompat extract` caches
 * (.cache/extracted/<key>.json); the only thing it adds, the translated
 * predicates, pre_save hooks, placement facts and KVM-filled hooks, is cached beside it under the same key
 * (<key>.predicates-<N>.json). The model itself is never stored twice.
 */
export async function treeSnapshot(root: string, progress?: (what: string) => void): Promise<TreeSnapshot> {
  const { file, model } = await extractCached(root, { cacheDir: extractCacheDir() });
  // the predicates come from the snapshot's own code (translate.ts …): its hash is in their file name
  const predFile = file.replace(/\.json$/, `.predicates-${SNAPSHOT_VERSION}-${extractorHash(extractorEntry('src/source/release/snapshot.js'))}.json`);
  let known: { predicates: TreeSnapshot['predicates']; hooks: NonNullable<TreeSnapshot['hooks']>; placement: NonNullable<TreeSnapshot['placement']>; outsideFills: NonNullable<TreeSnapshot['outsideFills']> } | undefined;
  if (exists(predFile)) {
    try {
      const k = JSON.parse(readFileSync(predFile, 'utf8')) as typeof known;
      known = k && typeof k.predicates === 'object' && typeof k.hooks === 'object' && typeof k.placement === 'object' && typeof k.outsideFills === 'object' ? k : undefined;
    } catch {
      known = undefined; // a broken file is made again
    }
  }
  const snap = await snapshotFromRelease(model, progress, known);
  if (!known) {
    const tmp = `${predFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ predicates: snap.predicates, hooks: snap.hooks ?? {}, placement: snap.placement ?? { userCreatable: {}, mentions: {} }, outsideFills: snap.outsideFills ?? {} }));
    renameSync(tmp, predFile);
  }
  return snap;
}

/** The release a QEMU source tree is, named from its VERSION (extracted once, then cached under .cache/extract). */
export function treeRelease(root: string, progress?: (what: string) => void): Promise<Release> {
  const key = resolve(root);
  let r = treeReleases.get(key);
  if (!r) {
    r = treeSnapshot(key, progress).then((snap) => ({ ...releaseFromSnapshot(snap, { codecs, realize: realizeOverrides, reachable: reachableRules, stateRules, predicates: predicateOverrides, registration: registrationFacts, domains: treeDomains, blocked: virtioBlocked }), name: treeReleaseName(key, snap.version) }));
    treeReleases.set(key, r);
  }
  return r;
}

/**
 * `--patch FILE` (repeatable): each a copy of the one source tree among the
 * --releases folders the git diff applies to, with the diff applied, added
 * as one more tree (a release named <VERSION>+<patch>). A typed error when
 * no tree was given, or the diff applies to none of them or to several.
 */
export function withPatches(modules: readonly string[], patches: readonly string[] | undefined): string[] {
  if (!patches?.length) return [...modules];
  const trees = modules.filter((m) => isSourceTree(m));
  if (!trees.length) throw bad(`--patch needs a QEMU source tree among --releases to apply to (got ${modules.length ? modules.join(', ') : 'none'})`);
  return [
    ...modules,
    ...patches.map((p) => {
      const fits = trees.filter((t) => patchApplies(t, p));
      // none: patchedTree on the first says why git refuses it
      if (fits.length === 0) return patchedTree(trees[0]!, p);
      if (fits.length > 1) throw bad(`--patch ${p}: applies to ${fits.length} of the --releases trees (${fits.join(', ')}); give only the one it is for`);
      return patchedTree(fits[0]!, p);
    }),
  ];
}

/**
 * A module's release is checked before anything runs it: its device list, and every
 * device's VMSD tables (codecs, nested VMSDs, duplicate fields; see vmstate/check.ts).
 * The error names the module, the release, the device, the VMSD and the field.
 */
export function checkRelease(r: Release, file: string): void {
  const names = new Set<string>();
  r.devices.forEach((d, i) => {
    const where = `--releases ${file}: release '${r.name}'`;
    if (typeof d !== 'object' || d === null || typeof d.name !== 'string') throw bad(`${where}: devices[${i}] is not a device class (expected an object with a name, a vmsd, an idstr)`);
    if (names.has(d.name)) throw bad(`${where}: device '${d.name}' is listed twice`);
    names.add(d.name);
    if (typeof d.idstr !== 'string' || typeof d.reset !== 'function') throw bad(`${where}: device '${d.name}' needs an idstr (its section name) and a reset(props) function`);
    const problems = vmsdProblems(d.vmsd);
    if (problems.length) {
      const p = problems[0]!;
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s) in this device)` : '';
      throw bad(`${where}: device '${d.name}', VMSD '${p.vmsd}'${p.field ? `, field '${p.field}'` : ''}: ${p.message}${more}`);
    }
  });
}
