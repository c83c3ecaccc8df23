import { join } from 'node:path';
import { EnumIndex } from './cenums.js';
import { evaluate, EvalError, type CValue } from '../eval.js';
import { expand, MacroError, type MacroTable } from './macros.js';
import { FileCache, Preprocessor } from '../cpp.js';
import { predefined, X86_64_SOFTMMU } from './config.js';
import { qapiEnums, type QapiEnums } from './qapi-enums.js';
import { splitTopLevel, tokenize, untokenize, type Token } from './tokens.js';

/** A place in a tree, for every extracted record and every unresolved one. */
export interface Where {
  file: string;
  line: number;
}

/** Something the extractor read but could not turn into data, and why. */
export interface Unresolved extends Where {
  what: string;
  reason: string;
}

/** One preprocessed .c file as the Property, machine and predicate readers see it. */
export interface Unit {
  /** Path relative to the tree root. */
  file: string;
  /** The file's text with comments, directives and inactive branches blanked (lines kept in place). */
  text: string;
  /** Every macro defined at the end of the file. */
  macros: MacroTable;
  /** Headers the unit read, in first-inclusion order. */
  headers: string[];
}

/**
 * A source tree opened for extraction: the preprocessor (src/source/cpp.ts)
 * under this reader's target configuration, one enum index, the QAPI
 * schema. `files` shares the scanned files with another preprocessor of
 * the same tree (the VMState pass), so each file is read and scanned once.
 */
export class SourceTree {
  readonly files: FileCache;
  readonly pp: Preprocessor;
  readonly enums: EnumIndex;
  readonly qapi: QapiEnums;
  private readonly units = new Map<string, Unit>();

  constructor(
    readonly root: string,
    opts: { files?: FileCache } = {},
  ) {
    this.files = opts.files ?? new FileCache(root);
    this.pp = new Preprocessor(this.files, { predefined: predefined(root, X86_64_SOFTMMU), includeDirs: X86_64_SOFTMMU.includeDirs });
    this.enums = new EnumIndex(this.files);
    this.qapi = qapiEnums(root);
  }

  /** The preprocessed unit of `rel` (a path relative to the root); throws when the file cannot be read. */
  unit(rel: string): Unit {
    let u = this.units.get(rel);
    if (!u) {
      const p = this.pp.unit(rel);
      if (!p) throw new Error(`${join(this.root, rel)}: cannot read`);
      u = { file: rel, text: p.active, macros: p.env, headers: p.includes };
      this.units.set(rel, u);
    }
    return u;
  }

  context(unit: Unit): UnitContext {
    return new UnitContext(this, unit);
  }
}

export type EvalResult = { ok: true; value: CValue } | { ok: false; reason: string };

/** Expansion and evaluation in one unit's macro context. */
export class UnitContext {
  constructor(
    readonly source: SourceTree,
    readonly unit: Unit,
  ) {}

  /** Tokens of a piece of the unit's text (lines numbered from `line`), macros expanded. */
  expand(text: string, line: number): Token[] {
    return expand(tokenize(text, line), this.unit.macros);
  }

  expandTokens(tokens: readonly Token[]): Token[] {
    return expand(tokens, this.unit.macros);
  }

  /** Evaluates expanded tokens; names left over are looked up as QAPI and C enum constants. */
  async evaluate(tokens: readonly Token[]): Promise<EvalResult> {
    const values = new Map<string, CValue>();
    for (const t of tokens) {
      if (t.kind !== 'id' || values.has(t.text) || t.text === 'true' || t.text === 'false') continue;
      const q = this.source.qapi.constants.get(t.text);
      if (q) {
        values.set(t.text, { kind: 'int', v: BigInt(q.value), unsigned: false });
        continue;
      }
      const e = await this.source.enums.lookup(t.text, this.unit.headers, this.unit.macros, { file: this.unit.file, text: this.unit.text });
      if (e !== undefined) values.set(t.text, { kind: 'int', v: e, unsigned: false });
    }
    try {
      return { ok: true, value: evaluate(tokens, { ident: (n) => values.get(n) }) };
    } catch (e) {
      if (e instanceof EvalError || e instanceof MacroError) return { ok: false, reason: e.message };
      throw e;
    }
  }

  /** A string-valued expression (`TYPE_VIRTIO_NET`, `"qemu64" "-" TYPE_X86_CPU`), or the reason it is not one. */
  async string(tokens: readonly Token[]): Promise<{ ok: true; value: string } | { ok: false; reason: string }> {
    const r = await this.evaluate(tokens);
    if (!r.ok) return r;
    if (r.value.kind !== 'str') return { ok: false, reason: `'${untokenize(tokens)}' is not a string` };
    return { ok: true, value: r.value.v };
  }
}

/** A brace initialiser's members: designated (`.defval.u = …`, by designator path) and positional, in order. */
export interface Initializer {
  designated: Map<string, Token[]>;
  positional: Token[][];
}

/** Splits `{ … }` into its members; null when the tokens are not one brace group. */
export function parseInitializer(tokens: readonly Token[]): Initializer | null {
  const t = tokens.filter(Boolean);
  if (t[0]?.text !== '{' || t[t.length - 1]?.text !== '}') return null;
  const out: Initializer = { designated: new Map(), positional: [] };
  for (const part of splitTopLevel(t.slice(1, -1))) {
    if (part.length === 0) continue;
    if (part[0]!.text === '.') {
      const eq = part.findIndex((x) => x.kind === 'punct' && x.text === '=');
      if (eq < 0) return null;
      const path = part
        .slice(0, eq)
        .map((x) => x.text)
        .join('')
        .replace(/^\./, '');
      out.designated.set(path, part.slice(eq + 1));
    } else out.positional.push(part);
  }
  return out;
}

/** Drops the outer `&` and parentheses of `&(qdev_prop_uint32)`. */
export function bareName(tokens: readonly Token[]): string | null {
  let t = tokens.filter((x) => !(x.kind === 'punct' && x.text === '&'));
  while (t[0]?.text === '(' && t[t.length - 1]?.text === ')') t = t.slice(1, -1);
  return t.length === 1 && t[0]!.kind === 'id' ? t[0]!.text : null;
}
