import { lex, type Tok } from './lex.js';

/**
 * A `#define` as the header wrote it. The expander runs on these only: the
 * VMSTATE_* macros are expanded from vmstate.h's and the device headers'
 * own text, never from a table of ours.
 */
export interface Macro {
  name: string;
  /** null: object-like. */
  params: string[] | null;
  /** The last parameter takes the rest (`...` is named `__VA_ARGS__`). */
  variadic: boolean;
  body: Tok[];
  file: string;
  line: number;
}

export type MacroLookup = (name: string) => Macro | undefined;

export class ExpandError extends Error {}

/** A budget on the tokens one expansion may produce: a runaway (or malicious) macro set stops with an error. */
const BUDGET = 400_000;

/** Parses a `#define` line's tokens (after `define`). */
export function parseDefine(toks: Tok[], file: string, line: number): Macro | null {
  const nameTok = toks[0];
  if (!nameTok || nameTok.kind !== 'id') return null;
  const next = toks[1];
  // function-like only when '(' touches the name
  if (next && next.text === '(' && !next.space) {
    const params: string[] = [];
    let variadic = false;
    let k = 2;
    for (; k < toks.length; k++) {
      const t = toks[k]!;
      if (t.text === ')') break;
      if (t.text === ',') continue;
      if (t.text === '...') {
        params.push('__VA_ARGS__');
        variadic = true;
      } else if (t.kind === 'id') {
        if (toks[k + 1]?.text === '...') {
          // GNU named variadic: `args...`
          params.push(t.text);
          variadic = true;
          k++;
        } else params.push(t.text);
      } else return null;
    }
    return { name: nameTok.text, params, variadic, body: toks.slice(k + 1), file, line };
  }
  return { name: nameTok.text, params: null, variadic: false, body: toks.slice(1), file, line };
}

function withHide(t: Tok, hs: ReadonlySet<string>, line: number): Tok {
  let hide: ReadonlySet<string> = hs;
  if (t.hide && t.hide.size) {
    const u = new Set(t.hide);
    for (const h of hs) u.add(h);
    hide = u;
  }
  return { kind: t.kind, text: t.text, line, space: t.space, hide };
}

function stringify(arg: Tok[]): Tok {
  let s = '';
  arg.forEach((t, k) => {
    if (k && t.space) s += ' ';
    s += t.kind === 'str' || t.kind === 'char' ? t.text.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : t.text;
  });
  return { kind: 'str', text: `"${s}"`, line: arg[0]?.line ?? 0, space: false };
}

/** Splits an invocation's argument tokens (between the parens) at top-level commas. */
function splitArgs(toks: Tok[]): Tok[][] {
  const args: Tok[][] = [[]];
  let depth = 0;
  for (const t of toks) {
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
    if (t.text === ',' && depth === 0) args.push([]);
    else args[args.length - 1]!.push(t);
  }
  return args;
}

/** Index of the ')' matching the '(' at `open`, or -1. */
function closing(toks: readonly Tok[], open: number): number {
  let depth = 0;
  for (let k = open; k < toks.length; k++) {
    const x = toks[k]!.text;
    if (x === '(') depth++;
    else if (x === ')' && --depth === 0) return k;
  }
  return -1;
}

export class Expander {
  private produced = 0;
  constructor(private readonly lookup: MacroLookup) {}

  /** Fully macro-expands a token list. Throws ExpandError on an unbalanced invocation or a runaway expansion. */
  expand(input: readonly Tok[]): Tok[] {
    const out: Tok[] = [];
    let ts: Tok[] = input.slice();
    let i = 0;
    while (i < ts.length) {
      const t = ts[i]!;
      const m = t.kind === 'id' && !(t.hide && t.hide.has(t.text)) ? this.lookup(t.text) : undefined;
      if (!m) {
        out.push(t);
        i++;
        continue;
      }
      let body: Tok[];
      let after: number;
      const hs = new Set(t.hide ?? []);
      hs.add(m.name);
      if (m.params === null) {
        body = this.subst(m, [], hs, t.line);
        after = i + 1;
      } else {
        if (ts[i + 1]?.text !== '(') {
          out.push(t);
          i++;
          continue;
        }
        const end = closing(ts, i + 1);
        if (end < 0) throw new ExpandError(`unterminated invocation of ${m.name} (defined at ${m.file}:${m.line})`);
        let args = splitArgs(ts.slice(i + 2, end));
        if (m.params.length === 0 && args.length === 1 && args[0]!.length === 0) args = [];
        if (m.variadic) {
          const fixed = m.params.length - 1;
          if (args.length > fixed) {
            const rest = args.slice(fixed);
            const joined: Tok[] = [];
            rest.forEach((a, k) => {
              if (k) joined.push({ kind: 'punct', text: ',', line: t.line, space: false });
              joined.push(...a);
            });
            args = [...args.slice(0, fixed), joined];
          } else while (args.length < m.params.length) args.push([]);
        } else if (args.length !== m.params.length) {
          throw new ExpandError(`${m.name} takes ${m.params.length} argument(s), given ${args.length} (defined at ${m.file}:${m.line})`);
        }
        body = this.subst(m, args, hs, t.line);
        after = end + 1;
      }
      this.produced += body.length;
      if (this.produced > BUDGET) throw new ExpandError(`expansion of ${m.name} exceeds ${BUDGET} tokens`);
      if (body[0]) body[0] = { ...body[0], space: t.space };
      // rescan the replacement together with what follows
      ts = body.concat(ts.slice(after));
      i = 0;
    }
    return out;
  }

  private subst(m: Macro, args: Tok[][], hs: ReadonlySet<string>, line: number): Tok[] {
    const params = m.params ?? [];
    const idx = (t: Tok | undefined) => (t && t.kind === 'id' ? params.indexOf(t.text) : -1);
    const expanded = new Map<number, Tok[]>();
    const full = (p: number) => {
      let e = expanded.get(p);
      if (!e) {
        e = new Expander(this.lookup).expand(args[p]!);
        expanded.set(p, e);
      }
      return e;
    };
    const out: (Tok | null)[] = [];
    const body = m.body;
    for (let k = 0; k < body.length; k++) {
      const t = body[k]!;
      if ((t.text === '#' || t.text === '%:') && m.params !== null && idx(body[k + 1]) >= 0) {
        const s = stringify(args[idx(body[k + 1])]!);
        out.push({ ...s, space: t.space });
        k++;
        continue;
      }
      if (t.text === '##' || t.text === '%:%:') {
        const rhs = body[k + 1];
        k++;
        if (!rhs) break;
        const p = idx(rhs);
        const right: Tok[] = p >= 0 ? args[p]!.slice() : [rhs];
        // GNU: `, ## __VA_ARGS__` drops the comma when the variadic part is empty
        if (p >= 0 && m.variadic && p === params.length - 1 && right.length === 0 && out[out.length - 1]?.text === ',') {
          out.pop();
          continue;
        }
        const left = out.pop();
        if (left === undefined || left === null) {
          out.push(...right);
          continue;
        }
        if (right.length === 0) {
          out.push(left);
          continue;
        }
        const pasted = lex(left.text + right[0]!.text);
        out.push(...pasted.map((x) => ({ ...x, line, space: left.space })), ...right.slice(1));
        continue;
      }
      const p = idx(t);
      if (p >= 0 && m.params !== null) {
        const nextIsPaste = body[k + 1]?.text === '##';
        const arg = nextIsPaste ? args[p]! : full(p);
        if (arg.length === 0) {
          if (nextIsPaste) out.push(null);
          continue;
        }
        out.push({ ...arg[0]!, space: t.space }, ...arg.slice(1));
        continue;
      }
      out.push(t);
    }
    return out.filter((x): x is Tok => x !== null).map((x) => withHide(x, hs, line));
  }
}
