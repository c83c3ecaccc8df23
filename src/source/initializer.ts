import type { Tok } from './lex.js';

/** Brace-initialiser structure on tokens: `{ .a = x, .b = { … }, y }`. */

export interface Item {
  /** `.member` designator; null for a positional item. */
  member: string | null;
  toks: Tok[];
}

/** Index of the bracket closing the one at `open` (any of ( [ {), or -1. */
export function matching(toks: readonly Tok[], open: number): number {
  let depth = 0;
  for (let k = open; k < toks.length; k++) {
    const x = toks[k]!.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

/** Splits at top-level commas; empty trailing items are dropped. */
export function splitTop(toks: readonly Tok[]): Tok[][] {
  const out: Tok[][] = [[]];
  let depth = 0;
  for (const t of toks) {
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') depth--;
    if (x === ',' && depth === 0) out.push([]);
    else out[out.length - 1]!.push(t);
  }
  return out.filter((x) => x.length > 0);
}

/** The items of a braced list whose `{` is at toks[0]. */
export function items(braced: readonly Tok[]): Item[] {
  const inner = braced.slice(1, braced.length - 1);
  return splitTop(inner).map((it) => {
    if (it[0]?.text === '.' && it[1]?.kind === 'id' && it[2]?.text === '=') return { member: it[1].text, toks: it.slice(3) };
    return { member: null, toks: it };
  });
}

/** The braced list in a value (`(const T[]) { … }` or `{ … }`), or null. */
export function bracedIn(toks: readonly Tok[]): Tok[] | null {
  let k = 0;
  if (toks[0]?.text === '(') {
    const close = matching(toks, 0);
    if (close < 0) return null;
    k = close + 1;
  }
  if (toks[k]?.text !== '{') return null;
  const end = matching(toks, k);
  if (end < 0 || end !== toks.length - 1) return null;
  return toks.slice(k, end + 1);
}

/** A value that is a bare name: `x`, `&x`, `&(x)`, `(x)`; null otherwise. */
export function bareName(toks: readonly Tok[]): string | null {
  const ts = toks.filter((t) => t.text !== '(' && t.text !== ')');
  if (ts.length === 1 && ts[0]!.kind === 'id') return ts[0]!.text;
  if (ts.length === 2 && ts[0]!.text === '&' && ts[1]!.kind === 'id') return ts[1]!.text;
  return null;
}
