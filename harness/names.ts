/**
 * Names a user types: aliases (`8.2` for `8.2.0`, `q35` for every `pc-q35-*`
 * machine type) and "did you mean" for releases, devices, machine types and
 * commands. A name that matches nothing is a usage error that says what did
 * not match and the nearest names that exist.
 */
import { usageError } from './args.js';
import { globToRegExp, isGlob } from '../src/check/glob.js';

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known names nearest to `name` (at most three), closest first; none when nothing is close. */
export function nearest(name: string, known: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const scored = [...new Set(known)]
    .map((k) => {
      const kl = k.toLowerCase();
      let dist = editDistance(lower, kl);
      // a fragment of a longer name ('gpu', 'ehci') is close too
      if (lower.length >= 3 && kl.includes(lower)) dist = Math.min(dist, 1);
      return { k, dist };
    })
    .filter(({ k, dist }) => dist <= Math.max(1, Math.floor(Math.min(name.length, k.length) / 3)))
    .sort((x, y) => x.dist - y.dist || x.k.localeCompare(y.k));
  return scored.slice(0, 3).map((x) => x.k);
}

export function didYouMean(name: string, known: readonly string[]): string {
  const near = nearest(name, known);
  return near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : '';
}

/**
 * A short version names the newest release of that series the list has, as a
 * maintainer means it (`7.2` → `7.2.3` beside 7.2.0 and 7.2.1, `8.2` → `8.2.0`, `10.0`
 * → `10.0.2` once a 10.0.2 tree is added); a name the list has is kept.
 * Only plain `X.Y.Z` names belong to a series (not `9.0.0-patched`).
 */
export function releaseAlias(name: string, known: readonly string[]): string {
  if (known.includes(name)) return name;
  if (!/^\d+\.\d+$/.test(name)) return name;
  let best: string | null = null;
  let micro = -1;
  for (const k of known) {
    const m = /^(\d+\.\d+)\.(\d+)$/.exec(k);
    if (m && m[1] === name && Number(m[2]) > micro) [best, micro] = [k, Number(m[2])];
  }
  return best ?? name;
}

/** A release name (or alias) the list has, or a usage error with the nearest names. */
export function resolveRelease(name: string, known: readonly string[], what: string): string {
  const r = releaseAlias(name, known);
  if (known.includes(r)) return r;
  throw usageError(`${what}: unknown release '${name}'${didYouMean(name, known)} (known: ${known.join(', ')})`);
}

/** QEMU's short machine names as the filters read them: every versioned type of the family. */
const MACHINE_ALIASES: Record<string, string> = { q35: 'pc-q35-*', i440fx: 'pc-i440fx-*', pc: 'pc-i440fx-*', virt: 'virt-*' };

export function machineAlias(glob: string): string {
  return MACHINE_ALIASES[glob] ?? glob;
}

/**
 * Globs over names (--device, --machine): aliases applied, and each must
 * match at least one name, else a usage error naming it with the nearest names.
 */
export function resolveGlobs(globs: readonly string[] | undefined, known: readonly string[], what: string, alias: (g: string) => string = (g) => g): string[] | undefined {
  if (!globs) return undefined;
  return globs.map((g) => {
    const a = alias(g);
    const re = globToRegExp(a);
    if (known.some((k) => re.test(k))) return a;
    const kind = what === '--device' ? 'device' : what === '--machine' ? 'machine type' : 'name';
    const near = isGlob(a) ? '' : didYouMean(a, known);
    throw usageError(`${what} '${g}'${a !== g ? ` (${a})` : ''} matches no ${kind}${near}${near ? '' : ` (${known.length} known: 'vmcompat list' prints them)`}`);
  });
}
