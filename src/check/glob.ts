/**
 * Shell-style globs for --device and --machine: `*` any run of characters,
 * `?` one character, `[abc]` / `[a-z]` / `[!a]` a class; anything else is
 * literal. A pattern without metacharacters matches only itself.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/[\\\]]/g, '\\$&') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

export function isGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

/** True when `name` matches any of the globs (or there are none). */
export function matchesAny(name: string, globs: readonly string[] | undefined): boolean {
  if (!globs || globs.length === 0) return true;
  return globs.some((g) => globToRegExp(g).test(name));
}
