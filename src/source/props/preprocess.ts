import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { predefined, X86_64_SOFTMMU, type TargetConfig } from './config.js';
import { evaluate, EvalError } from './evaluate.js';
import { expand, MacroError, parseDefine, type Macro } from './macros.js';
import { stripComments } from '../lex.js';
import { tokenize, type Token } from './tokens.js';

/**
 * A light preprocessor for one translation unit: it follows the file's own
 * `#include "…"` graph through the tree, keeps `#define`/`#undef` in order,
 * and evaluates `#if` families under a target configuration, so a macro
 * means what it means in that file. It does not expand the file's text:
 * extractors expand only the initialisers they read. Inactive lines and
 * directive lines are blanked (newlines kept), so tree-sitter's positions
 * are the file's own lines.
 */
export interface Unit {
  /** Path relative to the tree root. */
  file: string;
  /** The file's text with comments, directives and inactive branches blanked. */
  text: string;
  /** Every macro defined at the end of the file. */
  macros: Map<string, Macro>;
  /** Included names that are not in the tree (generated headers such as trace.h), by including file:line. */
  missingIncludes: { name: string; file: string; line: number }[];
  /** Headers the unit read, in first-inclusion order. */
  headers: string[];
  /** `#if` lines that could not be evaluated (taken as false). */
  badConditions: { text: string; file: string; line: number; reason: string }[];
}

interface Directive {
  line: number;
  name: string;
  rest: string;
  /** A `#define`'s macro, parsed once per header and shared by every unit. */
  macro?: Macro | null;
}

interface Scanned {
  directives: Directive[];
  /** Logical-line start index per directive, to blank lines in the main file. */
  lines: string[];
}

/** One tree's shared state: header scans are cached, macros are per unit. */
export class Tree {
  readonly root: string;
  readonly config: TargetConfig;
  private readonly base: Map<string, Macro>;
  private readonly scans = new Map<string, Scanned | null>();

  constructor(root: string, config: TargetConfig = X86_64_SOFTMMU) {
    this.root = root;
    this.config = config;
    this.base = predefined(root, config);
  }

  private readonly texts = new Map<string, string | null>();

  /** A file's text (cached: headers are read by many units). */
  read(rel: string): string | null {
    let t = this.texts.get(rel);
    if (t !== undefined) return t;
    try {
      t = readFileSync(join(this.root, rel), 'utf8');
    } catch {
      t = null;
    }
    this.texts.set(rel, t);
    return t;
  }

  private scan(rel: string): Scanned | null {
    if (this.scans.has(rel)) return this.scans.get(rel)!;
    const text = this.read(rel);
    const s = text === null ? null : scanText(text);
    this.scans.set(rel, s);
    return s;
  }

  private readonly resolved = new Map<string, string | null>();

  private resolveInclude(from: string, name: string): string | null {
    const key = `${dirname(from)}\0${name}`;
    const hit = this.resolved.get(key);
    if (hit !== undefined) return hit;
    let found: string | null = null;
    for (const dir of [dirname(from), ...this.config.includeDirs]) {
      const rel = join(dir, name);
      if (!rel.startsWith('..') && existsSync(join(this.root, rel))) {
        found = rel;
        break;
      }
    }
    this.resolved.set(key, found);
    return found;
  }

  /** Preprocesses `rel` (a path relative to the root). Throws when the file cannot be read. */
  unit(rel: string): Unit {
    const text = this.read(rel);
    if (text === null) throw new Error(`${join(this.root, rel)}: cannot read`);
    return this.unitOfText(rel, text);
  }

  /** Preprocesses `text` as if it were the file `rel` (unit tests feed snippets this way). */
  unitOfText(rel: string, text: string): Unit {
    const main = scanText(text);
    const macros = new Map(this.base);
    const unit: Unit = { file: rel, text: '', macros, headers: [], missingIncludes: [], badConditions: [] };
    const blank = new Set<number>();
    const visit = (file: string, s: Scanned, depth: number, isMain: boolean) => {
      const stack: { active: boolean; taken: boolean; outer: boolean }[] = [];
      const active = () => stack.every((f) => f.active);
      let skipFrom = -1;
      const cond = (d: Directive): boolean => {
        try {
          return this.condition(d.rest, macros);
        } catch (e) {
          unit.badConditions.push({ text: `#${d.name} ${d.rest}`, file, line: d.line, reason: (e as Error).message });
          return false;
        }
      };
      for (const d of s.directives) {
        const was = active();
        switch (d.name) {
          case 'if':
          case 'ifdef':
          case 'ifndef': {
            let v = false;
            if (was) {
              const name = d.rest.trim().split(/\s/)[0] ?? '';
              v = d.name === 'if' ? cond(d) : d.name === 'ifdef' ? macros.has(name) : !macros.has(name);
            }
            stack.push({ active: v, taken: v, outer: was });
            break;
          }
          case 'elif':
          case 'elifdef':
          case 'elifndef': {
            const f = stack[stack.length - 1];
            if (!f) break;
            if (f.taken || !f.outer) f.active = false;
            else {
              const name = d.rest.trim().split(/\s/)[0] ?? '';
              f.active = d.name === 'elif' ? cond(d) : d.name === 'elifdef' ? macros.has(name) : !macros.has(name);
              f.taken = f.active;
            }
            break;
          }
          case 'else': {
            const f = stack[stack.length - 1];
            if (f) {
              f.active = f.outer && !f.taken;
              f.taken = true;
            }
            break;
          }
          case 'endif':
            stack.pop();
            break;
          case 'define':
            if (was) {
              if (d.macro === undefined) d.macro = parseDefine(d.rest, file, d.line);
              if (d.macro) macros.set(d.macro.name, d.macro);
            }
            break;
          case 'undef':
            if (was) macros.delete(d.rest.trim());
            break;
          case 'include':
            if (was && depth < 64) this.include(file, d, macros, unit, depth, visit);
            break;
        }
        if (isMain) {
          // blank the directive itself and, while inactive, the lines up to the next directive
          blank.add(d.line);
          if (skipFrom >= 0) for (let l = skipFrom; l < d.line; l++) blank.add(l);
          skipFrom = active() ? -1 : d.line + 1;
        }
      }
      if (isMain && skipFrom >= 0) for (let l = skipFrom; l <= s.lines.length; l++) blank.add(l);
    };
    visit(rel, main, 0, true);
    unit.text = main.lines.map((l, i) => (blank.has(i + 1) ? '' : l)).join('\n');
    return unit;
  }

  private include(file: string, d: Directive, macros: Map<string, Macro>, unit: Unit, depth: number, visit: (f: string, s: Scanned, depth: number, isMain: boolean) => void) {
    let spec = d.rest.trim();
    if (!/^["<]/.test(spec)) {
      // a computed include (`#include CONFIG_DEVICES`)
      try {
        spec = expand(tokenize(spec), macros).map((t) => t.text).join('');
      } catch {
        return;
      }
    }
    const m = /^"([^"]+)"/.exec(spec);
    if (!m) return; // <system> headers are not part of the tree
    const target = this.resolveInclude(file, m[1]!);
    const s = target === null ? null : this.scan(target);
    if (!s || target === null) {
      unit.missingIncludes.push({ name: m[1]!, file, line: d.line });
      return;
    }
    if (!unit.headers.includes(target)) unit.headers.push(target);
    visit(target, s, depth + 1, false);
  }

  /** Evaluates an `#if` expression under `macros`. Throws on what it cannot evaluate. */
  condition(text: string, macros: ReadonlyMap<string, Macro>): boolean {
    const raw = tokenize(text);
    const resolved: Token[] = [];
    for (let i = 0; i < raw.length; i++) {
      const t = raw[i]!;
      if (t.kind === 'id' && t.text === 'defined') {
        const paren = raw[i + 1]?.text === '(';
        const name = raw[i + (paren ? 2 : 1)];
        if (!name) throw new EvalError('defined without a name');
        resolved.push({ kind: 'num', text: macros.has(name.text) ? '1' : '0', space: true, line: t.line });
        i += paren ? 3 : 1;
        continue;
      }
      if (t.kind === 'id' && /^__has_(include|include_next|attribute|builtin|feature|warning|cpp_attribute)$/.test(t.text)) {
        // a compiler query: answered no (skip its parenthesised argument)
        let depth = 0;
        let j = i + 1;
        for (; j < raw.length; j++) {
          if (raw[j]!.text === '(') depth++;
          else if (raw[j]!.text === ')' && --depth === 0) break;
        }
        resolved.push({ kind: 'num', text: '0', space: true, line: t.line });
        i = j;
        continue;
      }
      resolved.push(t);
    }
    let tokens: Token[];
    try {
      tokens = expand(resolved, macros);
    } catch (e) {
      throw new EvalError(e instanceof MacroError ? e.message : String(e));
    }
    // identifiers left after expansion are 0 in #if
    const v = evaluate(tokens, { ident: () => ({ kind: 'int', v: 0n, unsigned: false }) });
    return v.kind === 'int' ? v.v !== 0n : true;
  }
}

/** Comments out of the way (newlines kept), continuation lines joined into their directive. */
export function scanText(text: string): Scanned {
  const clean = stripComments(text);
  const lines = clean.split('\n');
  const directives: Directive[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*#\s*([a-z_]+)\b(.*)$/.exec(lines[i]!);
    if (!m) continue;
    let rest = m[2]!;
    const line = i + 1;
    while (rest.endsWith('\\') && i + 1 < lines.length) {
      rest = rest.slice(0, -1) + ' ' + lines[++i]!;
      // continuation lines belong to the directive: blank them in the main text too
      directives.push({ line: i + 1, name: 'continued', rest: '' });
    }
    directives.push({ line, name: m[1]!, rest });
  }
  directives.sort((a, b) => a.line - b.line);
  return { directives, lines };
}

