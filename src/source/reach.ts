import { matching } from './initializer.js';
import { untok, type Tok } from './lex.js';
import type { RegisterGuard, SrcLoc } from './model.js';

/**
 * Where a statement is reached from inside its function: the conditions of
 * the `if`s it sits in (the else branch: the condition negated) and of the
 * early exits before it (`if (!opts) { return; }`: reached only when opts).
 * An early exit that reports an error (error_setg, error_report, exit …)
 * is a failure path, not a condition of the normal configuration: it is
 * not counted. Loops and switches add nothing (their body is taken as
 * reached).
 */
export function localGuards(body: readonly Tok[], target: number, fn: string, file: string): RegisterGuard[] {
  const out: RegisterGuard[] = [];
  walk(body, 0, body.length, target, out, fn, file);
  return out;
}

/** Calls whose presence makes a branch an error path. */
const ERROR_CALLS = /^(error_setg\w*|error_propagate\w*|error_prepend|error_report\w*|error_append_hint|warn_report\w*|exit|abort|g_assert_not_reached|assert|g_assert|fprintf|qemu_log_mask|error_fatal)$/;

function walk(toks: readonly Tok[], start: number, end: number, target: number, out: RegisterGuard[], fn: string, file: string): boolean {
  let k = start;
  while (k < end) {
    const s = statement(toks, k, end);
    if (s.end <= k) return false;
    const inside = target >= k && target < s.end;
    const t = toks[k]!.text;
    if (t === 'if') {
      const close = matching(toks, k + 1);
      const cond = toks.slice(k + 2, close);
      const thenEnd = statement(toks, close + 1, end).end;
      const hasElse = toks[thenEnd]?.text === 'else';
      const at: SrcLoc = { file, line: toks[k]!.line };
      if (inside) {
        // in the condition itself: evaluated whenever the if is
        if (target <= close) return true;
        if (target < thenEnd) {
          out.push({ cond: untok(cond), fn, at });
          return walk(toks, close + 1, thenEnd, target, out, fn, file);
        }
        if (hasElse && target > thenEnd) {
          out.push({ cond: negate(untok(cond)), fn, at });
          return walk(toks, thenEnd + 1, s.end, target, out, fn, file);
        }
        return true;
      }
      // an early exit before the target: what follows runs only when it was not taken
      if (target >= s.end && leaves(toks, close + 1, thenEnd) && !isErrorPath(toks, close + 1, thenEnd) && !readsError(cond)) out.push({ cond: negate(untok(cond)), fn, at });
    } else if (inside) {
      if (t === '{') return walk(toks, k + 1, s.end - 1, target, out, fn, file);
      if (t === 'for' || t === 'while' || t === 'switch') return walk(toks, matching(toks, k + 1) + 1, s.end, target, out, fn, file);
      if (t === 'do') return walk(toks, k + 1, s.end, target, out, fn, file);
      if (toks[k + 1]?.text === ':' && toks[k]!.kind === 'id') return walk(toks, k + 2, s.end, target, out, fn, file);
      if (t === 'case') {
        let j = k;
        while (toks[j]!.text !== ':') j++;
        return walk(toks, j + 1, s.end, target, out, fn, file);
      }
      if (toks[k]!.kind === 'id' && toks[k + 1]?.text === '(') {
        const brace = matching(toks, k + 1) + 1;
        if (toks[brace]?.text === '{' && target > brace) return walk(toks, brace + 1, matching(toks, brace), target, out, fn, file);
      }
      return true;
    }
    if (inside) return true;
    k = s.end;
  }
  return false;
}

/** `FOREACH(...) {`: a macro loop whose body is a block. */
function isBlockMacro(toks: readonly Tok[], k: number, brace: number): boolean {
  if (toks[k]!.kind !== 'id' || toks[k + 1]?.text !== '(') return false;
  return matching(toks, k + 1) === brace - 1;
}

/** The end (exclusive) of the statement that starts at k. */
function statement(toks: readonly Tok[], k: number, end: number): { end: number } {
  const t = toks[k]?.text;
  if (t === undefined || k >= end) return { end: k };
  if (t === '{') return { end: matching(toks, k) + 1 };
  if (t === 'if') {
    const close = matching(toks, k + 1);
    if (close < 0) return { end };
    const thenEnd = statement(toks, close + 1, end).end;
    if (toks[thenEnd]?.text === 'else') return { end: statement(toks, thenEnd + 1, end).end };
    return { end: thenEnd };
  }
  if (t === 'for' || t === 'while' || t === 'switch') {
    const close = matching(toks, k + 1);
    if (close < 0) return { end };
    if (t === 'while' && toks[close + 1]?.text === ';') return { end: close + 2 };
    return statement(toks, close + 1, end);
  }
  if (t === 'do') {
    const bodyEnd = statement(toks, k + 1, end).end;
    let j = bodyEnd;
    while (j < end && toks[j]!.text !== ';') j++;
    return { end: j + 1 };
  }
  // a label (`out:`, `case X:`, `default:`) is followed by its statement
  if (toks[k + 1]?.text === ':' && toks[k]!.kind === 'id' && t !== 'case') return statement(toks, k + 2, end);
  if (t === 'case') {
    let j = k;
    while (j < end && toks[j]!.text !== ':') j++;
    return statement(toks, j + 1, end);
  }
  let j = k;
  while (j < end) {
    const x = toks[j]!.text;
    if (x === ';') return { end: j + 1 };
    if (x === '(' || x === '[') {
      j = matching(toks, j) + 1;
      if (j <= 0) return { end };
      // a macro loop: `QTAILQ_FOREACH(x, h, next) { … }`
      if (toks[j]?.text === '{' && isBlockMacro(toks, k, j)) return { end: matching(toks, j) + 1 };
      continue;
    }
    if (x === '{') {
      j = matching(toks, j) + 1;
      if (j <= 0) return { end };
      continue;
    }
    j++;
  }
  return { end };
}

function leaves(toks: readonly Tok[], from: number, to: number): boolean {
  for (let j = from; j < to; j++) {
    const x = toks[j]!.text;
    if (x === 'return' || x === 'goto') return true;
    if ((x === 'exit' || x === 'abort') && toks[j + 1]?.text === '(') return true;
  }
  return false;
}

function isErrorPath(toks: readonly Tok[], from: number, to: number): boolean {
  for (let j = from; j < to; j++) {
    const t = toks[j]!;
    if (t.kind === 'id' && ERROR_CALLS.test(t.text) && (toks[j + 1]?.text === '(' || t.text === 'error_fatal')) return true;
    // `return -EINVAL;`, `return -1;`
    if (t.text === 'return' && toks[j + 1]?.text === '-') return true;
  }
  return false;
}

/** A condition over an error result (`if (*errp)`, `if (local_err)`, `if (ret < 0)`): its exit is a failure path. */
function readsError(cond: readonly Tok[]): boolean {
  return cond.some((t) => t.kind === 'id' && /^(errp|err|local_err|error|ret|rc)$/.test(t.text));
}

/** `!x` → `x`, `!(a && b)` → `a && b`, `!f(x)` → `f(x)`, else `!(…)`. */
export function negate(c: string): string {
  const s = c.trim();
  if (/^!\s*[A-Za-z_][\w.>-]*$/.test(s)) return s.replace(/^!\s*/, '');
  const call = /^!\s*([A-Za-z_]\w*\s*\(.*\))$/.exec(s);
  if (call && balanced(call[1]!) && matchingClose(call[1]!) === call[1]!.length - 1) return call[1]!;
  const m = /^!\s*\((.*)\)$/.exec(s);
  if (m && balanced(m[1]!)) return m[1]!.trim();
  if (/^[A-Za-z_][\w.>-]*$/.test(s)) return `!${s}`;
  const eq = /^(.*?)\s*==\s*(.*)$/.exec(s);
  if (eq && !/[&|?]/.test(s) && !/==.*==/.test(s)) return `${eq[1]} != ${eq[2]}`;
  return `!(${s})`;
}

/** Index of the `)` closing the string's first `(`. */
function matchingClose(s: string): number {
  let d = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') d++;
    else if (s[i] === ')' && --d === 0) return i;
  }
  return -1;
}

function balanced(s: string): boolean {
  let d = 0;
  for (const ch of s) {
    if (ch === '(') d++;
    else if (ch === ')' && --d < 0) return false;
  }
  return d === 0;
}

/** A function definition's name and body tokens (indices into the file's tokens). */
export interface FnSpan {
  name: string;
  isStatic: boolean;
  /** Index of the body's `{` and its `}`. */
  open: number;
  close: number;
}

/** The function definitions of a file's tokens, in order. */
export function functionsOf(toks: readonly Tok[]): FnSpan[] {
  const out: FnSpan[] = [];
  let depth = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.text === '{') depth++;
    else if (t.text === '}') depth--;
    if (depth !== 0 || t.kind !== 'id' || toks[k + 1]?.text !== '(' || (k > 0 && toks[k - 1]!.text === '=')) continue;
    const close = matching(toks, k + 1);
    if (close < 0 || toks[close + 1]?.text !== '{') continue;
    const end = matching(toks, close + 1);
    if (end < 0) continue;
    let isStatic = false;
    for (let j = k - 1; j >= 0 && j >= k - 6; j--) {
      const x = toks[j]!.text;
      if (x === 'static') isStatic = true;
      if (x === ';' || x === '}' || x === '{') break;
    }
    out.push({ name: t.text, isStatic, open: close + 1, close: end });
    k = end;
  }
  return out;
}

/** A file's tokens (its active text, lexed) and functions, as the caller search reads them. */
export interface ReachFile {
  toks: readonly Tok[];
  fns: readonly FnSpan[];
}

export interface ReachSource {
  /** The files to search, relative to the root. */
  files: readonly string[];
  /** A file's raw text (a cheap first filter). */
  text(file: string): string | null;
  /** A file's active tokens and functions. */
  read(file: string): ReachFile | null;
}

/**
 * When a function is reached, from its callers: one path per call site,
 * each the conditions around that call (localGuards) and those of the
 * caller's own callers, a few levels up. null: unconditionally, as far as
 * the source says (a caller with no conditions, a use other than a call,
 * a function passed as a pointer: realize, init, a notifier; or no caller
 * found in the files read).
 */
export function callerGuards(src: ReachSource, fn: string, file: string, isStatic: boolean, depth = 0, seen: Set<string> = new Set()): RegisterGuard[][] | null {
  // a QMP / HMP command handler is called from generated dispatch code the tree does not hold
  if (depth > 4 || seen.has(fn) || /^(qmp|hmp)_/.test(fn)) return null;
  const inner = new Set(seen).add(fn);
  const re = new RegExp(`\\b${fn}\\b`);
  const paths: RegisterGuard[][] = [];
  for (const f of isStatic ? [file] : src.files) {
    const text = src.text(f);
    if (!text || !re.test(text)) continue;
    const r = src.read(f);
    if (!r) continue;
    const { toks, fns } = r;
    let at = 0;
    for (let k = 0; k < toks.length; k++) {
      if (toks[k]!.text !== fn || toks[k]!.kind !== 'id') continue;
      while (at < fns.length && fns[at]!.close < k) at++;
      const inFn = fns[at] && fns[at]!.open < k && k < fns[at]!.close ? fns[at]! : null;
      if (!inFn) {
        // its own definition, a prototype: not a use; anything else at file scope (a table of pointers) is
        const def = fns[at]?.name === fn && k < fns[at]!.open;
        const proto = toks[k + 1]?.text === '(' && toks[matching(toks, k + 1) + 1]?.text === ';';
        if (!def && !proto) return null;
        continue;
      }
      if (toks[k + 1]?.text !== '(') return null;
      const body = toks.slice(inFn.open + 1, inFn.close);
      const local = localGuards(body, k - inFn.open - 1, inFn.name, f);
      const up = callerGuards(src, inFn.name, f, inFn.isStatic, depth + 1, inner);
      const mine = up === null ? [local] : up.map((p) => [...local, ...p]);
      if (mine.some((p) => p.length === 0)) return null;
      paths.push(...mine);
    }
  }
  return paths.length ? paths : null;
}
