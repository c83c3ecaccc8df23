import { tokenize, type Token } from './tokens.js';

/** One `#define`, as the header spells it. */
export interface Macro {
  name: string;
  /** Parameter names of a function-like macro (`__VA_ARGS__` last when variadic); absent for an object-like one. */
  params?: string[];
  variadic?: boolean;
  body: Token[];
  file: string;
  line: number;
}

export type MacroTable = ReadonlyMap<string, Macro>;

/** Parses the text after `#define` (continuations already joined). Returns null for a malformed line. */
export function parseDefine(text: string, file: string, line: number): Macro | null {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(\()?/.exec(text);
  if (!m) return null;
  const name = m[1]!;
  let rest = text.slice(m[0].length);
  if (!m[2]) return { name, body: tokenize(rest), file, line };
  const close = rest.indexOf(')');
  if (close < 0) return null;
  const params = rest
    .slice(0, close)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  rest = rest.slice(close + 1);
  let variadic = false;
  const last = params[params.length - 1];
  if (last === '...') {
    variadic = true;
    params[params.length - 1] = '__VA_ARGS__';
  } else if (last?.endsWith('...')) {
    // GNU named variadic parameter: `args...`
    variadic = true;
    params[params.length - 1] = last.slice(0, -3).trim();
  }
  return { name, params, variadic, body: tokenize(rest), file, line };
}

const MAX_STEPS = 200_000;

export class MacroError extends Error {}

/**
 * Expands every macro in `input` (the standard algorithm: arguments are
 * fully expanded before substitution except next to `#` and `##`, the
 * result is rescanned, and a macro is never expanded inside its own
 * expansion). Unknown identifiers stay as they are. `extra` lets a caller
 * supply macros (built-ins, target configuration) without copying a table.
 */
export function expand(input: readonly Token[], macros: MacroTable, extra?: MacroTable): Token[] {
  const lookup = (name: string) => extra?.get(name) ?? macros.get(name);
  let steps = 0;
  const run = (tokens: readonly Token[]): Token[] => {
    const out: Token[] = [];
    const work = [...tokens];
    let i = 0;
    while (i < work.length) {
      const t = work[i]!;
      if (++steps > MAX_STEPS) throw new MacroError('macro expansion did not terminate');
      const m = t.kind === 'ident' ? lookup(t.text) : undefined;
      if (!m || t.hide?.has(t.text)) {
        out.push(t);
        i++;
        continue;
      }
      if (!m.params) {
        const hs = new Set(t.hide ?? []).add(m.name);
        const body = m.body.map((b, k) => ({ ...b, space: k === 0 ? t.space : b.space, hide: union(b.hide, hs), line: t.line }));
        work.splice(i, 1, ...body);
        continue;
      }
      // a function-like macro needs an argument list; without one the name stays
      let j = i + 1;
      if (work[j]?.text !== '(' || work[j]?.kind !== 'punct') {
        out.push(t);
        i++;
        continue;
      }
      const args: Token[][] = [[]];
      let depth = 0;
      j++;
      for (; j < work.length; j++) {
        const a = work[j]!;
        if (a.kind === 'punct' && (a.text === '(' || a.text === '[' || a.text === '{')) depth++;
        else if (a.kind === 'punct' && (a.text === ')' || a.text === ']' || a.text === '}')) {
          if (depth === 0 && a.text === ')') break;
          depth--;
        } else if (a.kind === 'punct' && a.text === ',' && depth === 0 && (!m.variadic || args.length < m.params.length)) {
          args.push([]);
          continue;
        }
        args[args.length - 1]!.push(a);
      }
      if (j >= work.length) throw new MacroError(`unterminated argument list of ${m.name}`);
      if (m.params.length === 0 && args.length === 1 && args[0]!.length === 0) args.length = 0;
      while (m.variadic && args.length < m.params.length) args.push([]);
      if (args.length !== m.params.length) {
        throw new MacroError(`${m.name} takes ${m.params.length} argument(s), got ${args.length} (${m.file}:${m.line})`);
      }
      const hs = new Set(t.hide ?? []).add(m.name);
      const body = substitute(m, args, run).map((b, k) => ({ ...b, space: k === 0 ? t.space : b.space, hide: union(b.hide, hs), line: b.line ?? t.line }));
      work.splice(i, j - i + 1, ...body);
    }
    return out;
  };
  return run(input);
}

function union(a: ReadonlySet<string> | undefined, b: ReadonlySet<string>): ReadonlySet<string> {
  if (!a || a.size === 0) return b;
  const s = new Set(a);
  for (const x of b) s.add(x);
  return s;
}

function substitute(m: Macro, args: Token[][], run: (t: readonly Token[]) => Token[]): Token[] {
  const params = m.params!;
  const index = (t: Token | undefined) => (t?.kind === 'ident' ? params.indexOf(t.text) : -1);
  const expanded = new Map<number, Token[]>();
  const expandedArg = (k: number) => {
    let e = expanded.get(k);
    if (!e) expanded.set(k, (e = run(args[k]!)));
    return e;
  };
  const out: Token[] = [];
  const body = m.body;
  for (let i = 0; i < body.length; i++) {
    const t = body[i]!;
    if (t.kind === 'punct' && t.text === '#' && index(body[i + 1]) >= 0) {
      out.push({ kind: 'string', text: stringize(args[index(body[i + 1])]!), space: t.space });
      i++;
      continue;
    }
    if (t.kind === 'punct' && t.text === '##' && out.length > 0) {
      const next = body[i + 1];
      i++;
      if (!next) break;
      const k = index(next);
      const right = k >= 0 ? args[k]! : [next];
      // GNU: `, ## __VA_ARGS__` drops the comma when the variable part is empty
      if (k >= 0 && m.variadic && k === params.length - 1 && right.length === 0 && out[out.length - 1]!.text === ',') {
        out.pop();
        continue;
      }
      if (right.length === 0) continue;
      const left = out.pop()!;
      out.push(...paste(left, right[0]!), ...right.slice(1));
      continue;
    }
    const k = index(t);
    if (k >= 0) {
      // an operand of ## is substituted unexpanded
      const raw = body[i + 1]?.text === '##';
      const arg = raw ? args[k]! : expandedArg(k);
      arg.forEach((a, n) => out.push(n === 0 ? { ...a, space: t.space } : a));
      continue;
    }
    out.push(t);
  }
  return out;
}

function paste(left: Token, right: Token): Token[] {
  const merged = tokenize(left.text + right.text);
  if (merged.length !== 1) return [left, { ...right, space: false }];
  return [{ ...merged[0]!, space: left.space, hide: left.hide }];
}

function stringize(arg: readonly Token[]): string {
  let s = '';
  for (const t of arg) {
    const text = t.kind === 'string' || t.kind === 'char' ? t.text.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : t.text;
    s += (t.space && s ? ' ' : '') + text;
  }
  return `"${s}"`;
}
