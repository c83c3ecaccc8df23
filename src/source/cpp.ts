import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { lex, stripComments, type Tok } from './lex.js';
import { Expander, parseDefine, type Macro } from './expand.js';
import { evaluate } from './eval.js';

/**
 * Just enough of a C preprocessor to read a tree without building it:
 * directives (#define, #undef, #if/#ifdef/#elif/#else/#endif, #include with
 * the file's own include graph), evaluated against a target configuration
 * that stands in for configure's generated headers. What it produces is the
 * macro environment at every line of a .c file and the file's active text
 * (inactive branches and directive lines blanked, lines kept in place) for
 * tree-sitter.
 */

export interface Directive {
  /** First physical line (1-based). */
  line: number;
  /** Physical lines the directive spans (continuations). */
  span: number;
  word: string;
  toks: Tok[];
  /** A `#define`'s macro, parsed once per file and shared by every unit that reads it. */
  macro?: Macro | null;
}

export interface Scanned {
  /** Path relative to the tree root. */
  path: string;
  /** Comment-stripped text. */
  text: string;
  lineCount: number;
  directives: Directive[];
}

/** One macro's history in a .c file: what it was from which line on (null: undefined there). */
interface Entry {
  line: number;
  m: Macro | null;
}

/** The macros visible in one translation unit, by line of the main file. */
export class MacroEnv {
  private readonly map = new Map<string, Entry[]>();
  constructor(base?: ReadonlyMap<string, Macro>) {
    if (base) for (const [k, m] of base) this.map.set(k, [{ line: 0, m }]);
  }
  set(name: string, m: Macro | null, line: number): void {
    const h = this.map.get(name);
    if (h) h.push({ line, m });
    else this.map.set(name, [{ line, m }]);
  }
  /** The definition in force at `line` of the main file (Infinity: at its end). */
  at(name: string, line = Infinity): Macro | undefined {
    const h = this.map.get(name);
    if (!h) return undefined;
    for (let k = h.length - 1; k >= 0; k--) if (h[k]!.line <= line) return h[k]!.m ?? undefined;
    return undefined;
  }
  has(name: string, line = Infinity): boolean {
    return this.at(name, line) !== undefined;
  }
  /** The definition at the end of the unit (a macro table for the expander). */
  get(name: string): Macro | undefined {
    return this.at(name);
  }
  /** Every macro defined at the end of the unit. */
  *all(): Iterable<Macro> {
    for (const h of this.map.values()) {
      const m = h[h.length - 1]!.m;
      if (m) yield m;
    }
  }
}

export interface Unit {
  path: string;
  env: MacroEnv;
  /** The main file's text with inactive lines and directives blanked. */
  active: string;
  /** Headers read (transitively), relative to the root, in first-inclusion order. */
  includes: string[];
  /** #include names that matched no file (generated headers, system headers are not listed). */
  missing: string[];
}

const DIRECTIVE = /^\s*#\s*([a-z_]+)?/;

export function scanText(text: string, path: string): Scanned {
  const stripped = stripComments(text);
  const lines = stripped.split('\n');
  const directives: Directive[] = [];
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k]!;
    const m = DIRECTIVE.exec(l);
    if (!m) continue;
    let body = l.slice(m[0].length);
    let span = 1;
    while (body.endsWith('\\') && k + span < lines.length) {
      body = body.slice(0, -1) + '\n' + lines[k + span]!;
      span++;
    }
    directives.push({ line: k + 1, span, word: m[1] ?? '', toks: lex(body, k + 1) });
    k += span - 1;
  }
  return { path, text: stripped, lineCount: lines.length, directives };
}

/** Reads and scans source files of one tree, once each (several preprocessors may share it). */
export class FileCache {
  private readonly scans = new Map<string, Scanned | null>();
  constructor(readonly root: string) {}
  get(rel: string): Scanned | null {
    let s = this.scans.get(rel);
    if (s === undefined) {
      const abs = join(this.root, rel);
      s = existsSync(abs) && statSync(abs).isFile() ? scanText(readFileSync(abs, 'utf8'), rel) : null;
      this.scans.set(rel, s);
    }
    return s;
  }
  exists(rel: string): boolean {
    return this.get(rel) !== null;
  }
}

export interface CppConfig {
  /** Predefined macros: the compiler's, the target's (TARGET_*), the host's and the devices' CONFIG_*. */
  predefined: ReadonlyMap<string, Macro>;
  /** Include folders relative to the root, searched in order after the including file's own folder. */
  includeDirs: string[];
}

/** Blanks every line of `text` whose mask byte is 0. */
export function blankLines(text: string, keep: Uint8Array): string {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) if (!keep[k]) lines[k] = '';
  return lines.join('\n');
}

export class Preprocessor {
  constructor(
    readonly files: FileCache,
    readonly config: CppConfig,
  ) {}

  private readonly resolved = new Map<string, string | null>();
  /** Active-line mask of each header at its first inclusion by this preprocessor (for parsing its types). */
  readonly headerActive = new Map<string, Uint8Array>();

  private resolve(name: string, from: string, quoted: boolean): string | null {
    const key = `${quoted ? dirname(from) : ''}|${name}`;
    let r = this.resolved.get(key);
    if (r === undefined) this.resolved.set(key, (r = this.search(name, from, quoted)));
    return r;
  }

  private search(name: string, from: string, quoted: boolean): string | null {
    if (quoted) {
      const here = join(dirname(from), name);
      if (this.files.exists(here)) return here;
    }
    for (const d of this.config.includeDirs) {
      const p = join(d, name);
      if (this.files.exists(p)) return p;
    }
    return null;
  }

  /** Preprocesses one .c file (relative path) against the configuration. */
  unit(path: string): Unit | null {
    const main = this.files.get(path);
    if (!main) return null;
    const env = new MacroEnv(this.config.predefined);
    const includes: string[] = [];
    const seen = new Set<string>();
    const missing: string[] = [];
    const mask = new Uint8Array(main.lineCount);
    const ctx = { env, includes, seen, missing, depth: 0 };
    this.run(main, ctx, null, mask);
    return { path, env, active: blankLines(main.text, mask), includes, missing };
  }

  private run(
    file: Scanned,
    ctx: { env: MacroEnv; includes: string[]; seen: Set<string>; missing: string[]; depth: number },
    atLine: number | null,
    mask: Uint8Array | null,
  ): void {
    const env = ctx.env;
    // [active now, some branch taken, parent active]
    const stack: [boolean, boolean, boolean][] = [];
    let active = true;
    let nextLine = 1;
    const lineOf = (d: Directive) => atLine ?? d.line;
    const markTo = (upTo: number) => {
      // lines nextLine .. upTo-1 (1-based) take the current state
      if (mask && active) for (let k = nextLine; k < upTo; k++) mask[k - 1] = 1;
    };
    const cond = (d: Directive) => {
      const line = lineOf(d);
      return evalCondition(d.toks, (n) => env.at(n, line), `${file.path}:${d.line}`) !== 0;
    };
    for (const d of file.directives) {
      markTo(d.line);
      nextLine = d.line + d.span;
      switch (d.word) {
        case 'if':
        case 'ifdef':
        case 'ifndef': {
          if (!active) {
            stack.push([false, true, false]);
            break;
          }
          let v: boolean;
          if (d.word === 'if') v = cond(d);
          else {
            const n = d.toks[0]?.text ?? '';
            v = env.has(n, lineOf(d)) === (d.word === 'ifdef');
          }
          stack.push([v, v, true]);
          active = v;
          break;
        }
        case 'elif':
        case 'elifdef':
        case 'elifndef': {
          const top = stack[stack.length - 1];
          if (!top) break;
          if (!top[2] || top[1]) {
            top[0] = false;
          } else {
            const v = d.word === 'elif' ? cond(d) : env.has(d.toks[0]?.text ?? '', lineOf(d)) === (d.word === 'elifdef');
            top[0] = v;
            if (v) top[1] = true;
          }
          active = top[0];
          break;
        }
        case 'else': {
          const top = stack[stack.length - 1];
          if (!top) break;
          top[0] = top[2] && !top[1];
          top[1] = true;
          active = top[0];
          break;
        }
        case 'endif': {
          stack.pop();
          const top = stack[stack.length - 1];
          active = top ? top[0] : true;
          break;
        }
        case 'define': {
          if (!active) break;
          if (d.macro === undefined) d.macro = parseDefine(d.toks, file.path, d.line);
          if (d.macro) env.set(d.macro.name, d.macro, lineOf(d));
          break;
        }
        case 'undef': {
          if (!active) break;
          const n = d.toks[0]?.text;
          if (n) env.set(n, null, lineOf(d));
          break;
        }
        case 'include':
        case 'include_next': {
          if (!active || ctx.depth > 60) break;
          let name: string | null = null;
          let quoted = false;
          const t0 = d.toks[0];
          if (t0?.kind === 'str') {
            name = t0.text.slice(1, -1);
            quoted = true;
          } else if (t0?.text === '<') {
            name = d.toks
              .slice(1)
              .filter((t) => t.text !== '>')
              .map((t) => t.text)
              .join('');
          }
          // a computed include (`#include CONFIG_TARGET`) names a generated header: nothing to read
          if (name === null) break;
          const target = this.resolve(name, file.path, quoted);
          if (!target) {
            if (quoted) ctx.missing.push(name);
            break;
          }
          const inc = this.files.get(target)!;
          if (!ctx.seen.has(target)) {
            ctx.seen.add(target);
            ctx.includes.push(target);
          }
          let hmask: Uint8Array | null = null;
          if (!this.headerActive.has(target)) {
            hmask = new Uint8Array(inc.lineCount);
            this.headerActive.set(target, hmask);
          }
          ctx.depth++;
          this.run(inc, ctx, atLine ?? d.line, hmask);
          ctx.depth--;
          break;
        }
        default:
          break;
      }
    }
    markTo(file.lineCount + 1);
  }
}

/** `#if` expression: `defined` first, then macros, then unknown names are 0 (C's rule). */
export function evalCondition(toks: Tok[], lookup: (n: string) => Macro | undefined, where: string): number {
  const pre: Tok[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.text === 'defined') {
      let name: string | undefined;
      if (toks[k + 1]?.text === '(') {
        name = toks[k + 2]?.text;
        k += 3;
      } else {
        name = toks[k + 1]?.text;
        k += 1;
      }
      pre.push({ kind: 'num', text: name && lookup(name) ? '1' : '0', line: t.line, space: true });
    } else pre.push(t);
  }
  let expanded: Tok[];
  try {
    expanded = new Expander(lookup).expand(pre);
  } catch {
    return 0;
  }
  // compiler feature tests and leftover names: 0
  const flat: Tok[] = [];
  for (let k = 0; k < expanded.length; k++) {
    const t = expanded[k]!;
    if (t.kind === 'id' && t.text !== 'true' && t.text !== 'false') {
      if (expanded[k + 1]?.text === '(') {
        let depth = 0;
        let j = k + 1;
        for (; j < expanded.length; j++) {
          if (expanded[j]!.text === '(') depth++;
          else if (expanded[j]!.text === ')' && --depth === 0) break;
        }
        k = j;
      }
      flat.push({ kind: 'num', text: '0', line: t.line, space: true });
    } else flat.push(t);
  }
  try {
    const v = evaluate(flat);
    return v.kind === 'int' ? (v.v !== 0n ? 1 : 0) : 1;
  } catch {
    void where;
    return 0;
  }
}

export const relTo = (root: string, abs: string) => relative(root, abs);
