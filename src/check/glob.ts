/**
 * Shell-style globs for --device, --machine and scenario `machine` entries,
 * by picomatch: `*`, `?`, `[abc]` / `[a-z]` / `[!a]` classes and brace sets
 * (`pc-{q35,i440fx}-9.*`, `{8.2,9.0}.0`); anything else is literal. A pattern
 * without metacharacters matches only itself. Names are not paths: `*`
 * matches any run of characters, `/` and a leading `.` included.
 */
import picomatch from 'picomatch';

const OPTIONS = { dot: true, bash: true, nonegate: true, noextglob: true } as const;
const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    // picomatch reads `[!a]` as a class holding '!' and 'a'; the shell's negated class is `[^a]` to it
    re = picomatch.makeRe(glob.replace(/\[!/g, '[^'), OPTIONS);
    cache.set(glob, re);
  }
  return re;
}

export function isGlob(s: string): boolean {
  return picomatch.scan(s, OPTIONS).isGlob;
}

/** True when `name` matches any of the globs (or there are none). */
export function matchesAny(name: string, globs: readonly string[] | undefined): boolean {
  if (!globs || globs.length === 0) return true;
  return globs.some((g) => globToRegExp(g).test(name));
}
