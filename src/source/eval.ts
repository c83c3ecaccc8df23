import { keywordType, SYSTEM_TYPES, TYPE_KEYWORDS, type CType, type Member, type RecordDef } from './ctypes.js';
import { lex as lexType, type Tok } from './lex.js';

/**
 * Constant expressions on macro-expanded tokens: what `#if` needs (integers)
 * and what a VMStateField initialiser needs (sizeof, offsetof, typeof,
 * member access through `((T *)0)->f`, casts, string concatenation).
 * Names it cannot give a number stay symbolic (`&vmstate_info_uint8`,
 * a test function's name), which is what the extracted model records.
 */

export class EvalError extends Error {}

export interface Scope {
  typedef(name: string): CType | undefined;
  record(tag: string, union: boolean): RecordDef | undefined;
  enumConst(name: string): number | undefined;
  /** A file-scope variable's type (arrays counted by ARRAY_SIZE). */
  variable(name: string): CType | undefined;
  /** Macro-expands tokens taken from a declaration (array lengths). */
  expand(toks: Tok[]): Tok[];
}

export type Val = number | { str: string } | { sym: string; addr: boolean };

type Node =
  | { t: 'num'; v: number; long: boolean }
  | { t: 'str'; s: string }
  | { t: 'id'; name: string }
  | { t: 'un'; op: string; e: Node }
  | { t: 'bin'; op: string; l: Node; r: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node }
  | { t: 'cast'; type: CType; e: Node }
  | { t: 'sizeofT'; type: CType; align: boolean }
  | { t: 'sizeofE'; e: Node; align: boolean }
  | { t: 'offsetof'; type: CType; path: (string | Node)[] }
  | { t: 'call'; f: Node; args: Node[] }
  | { t: 'member'; e: Node; name: string; arrow: boolean }
  | { t: 'index'; e: Node; i: Node }
  | { t: 'compound'; type: CType }
  | { t: 'zero' };

const BIN_PREC: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7,
  '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

const EMPTY_SCOPE: Scope = {
  typedef: (n) => SYSTEM_TYPES[n],
  record: () => undefined,
  enumConst: () => undefined,
  variable: () => undefined,
  expand: (t) => t,
};

function parseNumber(text: string): { v: number; long: boolean } {
  const s = text.replace(/[uUlL]+$/, '');
  const long = /[lL]/.test(text.slice(s.length)) || false;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return { v: Number.parseInt(s.slice(2), 16), long };
  if (/^0[bB][01]+$/.test(s)) return { v: Number.parseInt(s.slice(2), 2), long };
  if (/^0[0-7]+$/.test(s)) return { v: Number.parseInt(s.slice(1), 8), long };
  if (/^[0-9]+$/.test(s)) return { v: Number.parseInt(s, 10), long };
  const f = Number.parseFloat(text.replace(/[fFlL]$/, ''));
  if (Number.isNaN(f)) throw new EvalError(`not a number: ${text}`);
  return { v: f, long };
}

const ESC: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' };

function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
    return ESC[e] ?? e;
  });
}

/** A string or character literal's text between its quotes (any u8/L/u/U prefix dropped). */
const body = (t: string) => t.slice(t.indexOf(t.endsWith("'") ? "'" : '"') + 1, -1);

export class Evaluator {
  private toks: Tok[] = [];
  private pos = 0;
  constructor(readonly scope: Scope = EMPTY_SCOPE) {}

  // ---------- parsing ----------

  parse(toks: Tok[]): Node {
    const saved = [this.toks, this.pos] as const;
    this.toks = toks;
    this.pos = 0;
    try {
      const n = this.comma();
      if (this.pos < this.toks.length) throw new EvalError(`unexpected '${this.toks[this.pos]!.text}'`);
      return n;
    } finally {
      [this.toks, this.pos] = saved;
    }
  }

  private peek(k = 0): Tok | undefined {
    return this.toks[this.pos + k];
  }
  private next(): Tok {
    const t = this.toks[this.pos++];
    if (!t) throw new EvalError('unexpected end of expression');
    return t;
  }
  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text) throw new EvalError(`expected '${text}', found '${t.text}'`);
  }

  private comma(): Node {
    let n = this.ternary();
    while (this.peek()?.text === ',') {
      this.pos++;
      const r = this.ternary();
      n = { t: 'bin', op: ',', l: n, r };
    }
    return n;
  }

  private ternary(): Node {
    const c = this.binary(1);
    if (this.peek()?.text !== '?') return c;
    this.pos++;
    const a = this.comma();
    this.expect(':');
    const b = this.ternary();
    return { t: 'cond', c, a, b };
  }

  private binary(min: number): Node {
    let l = this.unary();
    for (;;) {
      const op = this.peek()?.text;
      const p = op !== undefined && this.peek()!.kind === 'punct' ? BIN_PREC[op] : undefined;
      if (p === undefined || p < min) return l;
      this.pos++;
      const r = this.binary(p + 1);
      l = { t: 'bin', op: op!, l, r };
    }
  }

  isTypeStart(t: Tok | undefined): boolean {
    if (!t || t.kind !== 'id') return false;
    if (TYPE_KEYWORDS.has(t.text)) return true;
    return this.scope.typedef(t.text) !== undefined || SYSTEM_TYPES[t.text] !== undefined;
  }

  private unary(): Node {
    const t = this.peek();
    if (!t) throw new EvalError('unexpected end of expression');
    if (t.kind === 'punct' && ['-', '+', '!', '~', '*', '&'].includes(t.text)) {
      this.pos++;
      return { t: 'un', op: t.text, e: this.unary() };
    }
    if (t.text === 'sizeof' || t.text === '_Alignof' || t.text === '__alignof__' || t.text === 'alignof') {
      this.pos++;
      const align = t.text !== 'sizeof';
      if (this.peek()?.text === '(' && this.isTypeStart(this.peek(1))) {
        this.pos++;
        const type = this.typeName();
        this.expect(')');
        return { t: 'sizeofT', type, align };
      }
      return { t: 'sizeofE', e: this.unary(), align };
    }
    if (t.text === '(' && this.isTypeStart(this.peek(1))) {
      this.pos++;
      const type = this.typeName();
      this.expect(')');
      if (this.peek()?.text === '{') {
        this.skipBraces();
        return this.postfix({ t: 'compound', type });
      }
      return { t: 'cast', type, e: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private skipBraces(): void {
    let depth = 0;
    do {
      const x = this.next().text;
      if (x === '{') depth++;
      else if (x === '}') depth--;
    } while (depth > 0);
  }

  private primary(): Node {
    const t = this.next();
    if (t.kind === 'num') return { t: 'num', ...parseNumber(t.text) };
    if (t.kind === 'char') {
      const s = unescape(body(t.text));
      return { t: 'num', v: s.charCodeAt(0) || 0, long: false };
    }
    if (t.kind === 'str') {
      let s = unescape(body(t.text));
      while (this.peek()?.kind === 'str') s += unescape(body(this.next().text));
      return { t: 'str', s };
    }
    if (t.text === '(') {
      if (this.peek()?.text === '{') throw new EvalError('a statement expression is not a constant');
      const e = this.comma();
      this.expect(')');
      return e;
    }
    if (t.kind === 'id') {
      if (t.text === 'offsetof' || t.text === '__builtin_offsetof') {
        this.expect('(');
        const type = this.typeName();
        this.expect(',');
        const path: (string | Node)[] = [];
        for (;;) {
          const x = this.next();
          if (x.kind === 'id') path.push(x.text);
          else if (x.text === '.') continue;
          else if (x.text === '[') {
            path.push(this.comma());
            this.expect(']');
          } else if (x.text === ')') break;
          else throw new EvalError(`bad offsetof member '${x.text}'`);
        }
        return { t: 'offsetof', type, path };
      }
      if (t.text === '__builtin_types_compatible_p') {
        // only QEMU_IS_ARRAY's check uses it; the answer never changes a size
        this.expect('(');
        let depth = 1;
        while (depth) {
          const x = this.next().text;
          if (x === '(') depth++;
          else if (x === ')') depth--;
        }
        return { t: 'zero' };
      }
      return { t: 'id', name: t.text };
    }
    throw new EvalError(`unexpected '${t.text}'`);
  }

  private postfix(n: Node): Node {
    for (;;) {
      const t = this.peek();
      if (!t) return n;
      if (t.text === '[') {
        this.pos++;
        const i = this.comma();
        this.expect(']');
        n = { t: 'index', e: n, i };
      } else if (t.text === '.' || t.text === '->') {
        this.pos++;
        const name = this.next();
        if (name.kind !== 'id') throw new EvalError(`expected a member name after '${t.text}'`);
        n = { t: 'member', e: n, name: name.text, arrow: t.text === '->' };
      } else if (t.text === '(') {
        this.pos++;
        const args: Node[] = [];
        if (this.peek()?.text !== ')') {
          for (;;) {
            args.push(this.ternary());
            if (this.peek()?.text === ',') this.pos++;
            else break;
          }
        }
        this.expect(')');
        n = { t: 'call', f: n, args };
      } else return n;
    }
  }

  /** A type name: specifiers and an abstract declarator. */
  typeName(): CType {
    const base = this.specifiers();
    return this.abstractDeclarator(base);
  }

  private specifiers(): CType {
    const words: string[] = [];
    let type: CType | null = null;
    for (;;) {
      const t = this.peek();
      if (!t || t.kind !== 'id') break;
      const w = t.text;
      if (w === 'const' || w === 'volatile' || w === 'restrict' || w === '__restrict' || w === 'static' || w === 'register') {
        this.pos++;
        continue;
      }
      if (w === '__attribute__') {
        this.pos++;
        this.skipParens();
        continue;
      }
      if (w === 'struct' || w === 'union' || w === 'enum') {
        this.pos++;
        let tag: string | null = null;
        if (this.peek()?.kind === 'id') tag = this.next().text;
        let body: Tok[] | null = null;
        if (this.peek()?.text === '{') {
          const start = this.pos + 1;
          this.skipBraces();
          body = this.toks.slice(start, this.pos - 1);
        }
        if (w === 'enum') type = { k: 'enum' };
        else if (body) {
          // a body in an expression or a macro-built member type (QLIST_HEAD(, T), QEMU_BUILD_BUG_ON_STRUCT)
          const union = w === 'union';
          type = { k: 'record', tag, union, def: { tag, union, members: this.recordBody(body), file: '<macro>', line: body[0]?.line ?? 0, packed: false } };
        } else type = { k: 'record', tag, union: w === 'union', def: null };
        continue;
      }
      if (w === 'typeof' || w === '__typeof__' || w === '__typeof') {
        this.pos++;
        this.expect('(');
        if (this.isTypeStart(this.peek())) type = this.typeName();
        else type = this.typeOf(this.comma());
        this.expect(')');
        continue;
      }
      if (TYPE_KEYWORDS.has(w)) {
        this.pos++;
        words.push(w);
        continue;
      }
      if (!type && !words.length && (this.scope.typedef(w) !== undefined || SYSTEM_TYPES[w] !== undefined)) {
        this.pos++;
        type = { k: 'named', name: w };
        continue;
      }
      break;
    }
    if (type) return type;
    const kw = keywordType(words);
    if (!kw) throw new EvalError(`not a type: '${this.peek()?.text ?? 'end'}'`);
    return kw;
  }

  /** Member declarations of a struct body met in macro-expanded tokens. */
  private recordBody(body: Tok[]): Member[] {
    const saved = [this.toks, this.pos] as const;
    const members: Member[] = [];
    try {
      this.toks = body;
      this.pos = 0;
      while (this.pos < this.toks.length) {
        if (this.peek()?.text === ';') {
          this.pos++;
          continue;
        }
        let base: CType;
        try {
          base = this.specifiers();
        } catch (e) {
          if (e instanceof EvalError) throw new EvalError(`${e.message} in a member of { ${body.map((t) => t.text).join(' ').slice(0, 160)} }`);
          throw e;
        }
        for (;;) {
          if (this.peek()?.text === ';' || this.peek() === undefined) {
            if (base.k === 'record') members.push({ name: null, type: base });
            break;
          }
          const d = this.namedDeclarator(base);
          let bits: Tok[] | undefined;
          if (this.peek()?.text === ':') {
            this.pos++;
            const start = this.pos;
            let depth = 0;
            for (let t = this.peek(); t && (depth > 0 || (t.text !== ',' && t.text !== ';')); t = this.peek()) {
              if (t.text === '(' || t.text === '[') depth++;
              else if (t.text === ')' || t.text === ']') depth--;
              this.pos++;
            }
            bits = this.toks.slice(start, this.pos);
          }
          members.push(bits ? { name: d.name ?? '', type: d.type, bits } : { name: d.name, type: d.type });
          if (this.peek()?.text === ',') this.pos++;
          else break;
        }
        if (this.peek()?.text === ';') this.pos++;
      }
    } finally {
      [this.toks, this.pos] = saved;
    }
    return members;
  }

  /** `*name[N]`, `(*name)(args)`, or nothing (an unnamed bit-field). */
  private namedDeclarator(base: CType): { name: string | null; type: CType } {
    let type = base;
    while (this.peek()?.text === '*' || this.peek()?.text === 'const' || this.peek()?.text === 'volatile') {
      if (this.next().text === '*') type = { k: 'ptr', to: type };
    }
    let name: string | null = null;
    let inner: Tok[] | null = null;
    if (this.peek()?.text === '(') {
      const start = this.pos + 1;
      this.skipParens();
      inner = this.toks.slice(start, this.pos - 1);
    } else if (this.peek()?.kind === 'id') name = this.next().text;
    const dims: Node[] = [];
    let fn = false;
    for (;;) {
      if (this.peek()?.text === '[') {
        this.pos++;
        dims.push(this.peek()?.text === ']' ? { t: 'num', v: 0, long: false } : this.comma());
        this.expect(']');
      } else if (this.peek()?.text === '(') {
        this.skipParens();
        fn = true;
      } else if (this.peek()?.text === '__attribute__') {
        this.pos++;
        this.skipParens();
      } else break;
    }
    if (fn) type = { k: 'fn' };
    for (let k = dims.length - 1; k >= 0; k--) type = { k: 'array', of: type, n: this.num(dims[k]!) };
    if (inner) {
      const saved = [this.toks, this.pos] as const;
      this.toks = inner;
      this.pos = 0;
      try {
        const r = this.namedDeclarator(type);
        return r;
      } finally {
        [this.toks, this.pos] = saved;
      }
    }
    return { name, type };
  }

  private skipParens(): void {
    if (this.peek()?.text !== '(') return;
    let depth = 0;
    do {
      const x = this.next().text;
      if (x === '(') depth++;
      else if (x === ')') depth--;
    } while (depth > 0);
  }

  private abstractDeclarator(base: CType): CType {
    let type = base;
    while (this.peek()?.text === '*' || this.peek()?.text === 'const' || this.peek()?.text === 'volatile') {
      if (this.next().text === '*') type = { k: 'ptr', to: type };
    }
    // a parenthesised inner declarator: `(*)[n]`
    let inner: Tok[] | null = null;
    if (this.peek()?.text === '(' && ['*', '(', '['].includes(this.peek(1)?.text ?? '')) {
      const start = this.pos + 1;
      let depth = 0;
      do {
        const x = this.next().text;
        if (x === '(') depth++;
        else if (x === ')') depth--;
      } while (depth > 0);
      inner = this.toks.slice(start, this.pos - 1);
    }
    const dims: (Node | null)[] = [];
    let fn = false;
    for (;;) {
      if (this.peek()?.text === '[') {
        this.pos++;
        if (this.peek()?.text === ']') dims.push(null);
        else dims.push(this.comma());
        this.expect(']');
      } else if (this.peek()?.text === '(') {
        this.skipParens();
        fn = true;
      } else break;
    }
    if (fn) type = { k: 'fn' };
    for (let k = dims.length - 1; k >= 0; k--) {
      const d = dims[k]!;
      type = { k: 'array', of: type, n: d === null ? null : this.num(d) };
    }
    if (inner) {
      const saved = [this.toks, this.pos] as const;
      this.toks = inner;
      this.pos = 0;
      try {
        type = this.abstractDeclarator(type);
      } finally {
        [this.toks, this.pos] = saved;
      }
    }
    return type;
  }

  // ---------- types ----------

  /** Follows typedefs and fills a record's definition. */
  resolve(t: CType, depth = 0): CType {
    if (depth > 50) throw new EvalError('typedef loop');
    if (t.k === 'named' && !/^[A-Za-z_]\w*$/.test(t.name)) {
      // a member type written with a macro (`QTAILQ_HEAD(, T)`): expand it and read the type it makes
      const made = this.macroType.get(t.name) ?? this.parseType(this.scope.expand(lexType(t.name)));
      this.macroType.set(t.name, made);
      return this.resolve(made, depth + 1);
    }
    if (t.k === 'named') {
      const d = this.scope.typedef(t.name) ?? SYSTEM_TYPES[t.name];
      if (!d) throw new EvalError(`unknown type '${t.name}'`);
      return this.resolve(d, depth + 1);
    }
    if (t.k === 'record' && !t.def) {
      if (!t.tag) throw new EvalError('an anonymous record without a body');
      const def = this.scope.record(t.tag, t.union) ?? recordFromSystem(t.tag);
      if (!def) throw new EvalError(`${t.union ? 'union' : 'struct'} ${t.tag} has no definition in the files read`);
      return { ...t, def };
    }
    return t;
  }

  private readonly macroType = new Map<string, CType>();

  /** A whole token list as one type name. */
  parseType(toks: Tok[]): CType {
    const saved = [this.toks, this.pos] as const;
    this.toks = toks;
    this.pos = 0;
    try {
      const t = this.typeName();
      if (this.pos < this.toks.length) throw new EvalError(`unexpected '${this.toks[this.pos]!.text}' in a type`);
      return t;
    } finally {
      [this.toks, this.pos] = saved;
    }
  }

  arrayLength(t: CType & { k: 'array' }): number | null {
    if (t.n === null || typeof t.n === 'number') return t.n;
    return this.num(this.parse(this.scope.expand(t.n)));
  }

  sizeOf(t0: CType): number {
    const t = this.resolve(t0);
    switch (t.k) {
      case 'int':
      case 'float':
        return t.size;
      case 'void':
        return 1;
      case 'ptr':
        return 8;
      case 'enum':
        return 4;
      case 'fn':
        return 1;
      case 'array': {
        const n = this.arrayLength(t);
        return (n ?? 0) * this.sizeOf(t.of);
      }
      case 'record':
        return this.layout(t.def!).size;
    }
    throw new EvalError('unsized type');
  }

  alignOf(t0: CType): number {
    const t = this.resolve(t0);
    switch (t.k) {
      case 'int':
      case 'float':
        return Math.min(t.size, 16);
      case 'array':
        return this.alignOf(t.of);
      case 'record':
        return this.layout(t.def!).align;
      case 'ptr':
        return 8;
      case 'enum':
        return 4;
      default:
        return 1;
    }
  }

  private readonly layouts = new WeakMap<RecordDef, { size: number; align: number; offsets: Map<Member, number> }>();

  /** x86_64 SysV layout: members at their alignment, bit-fields packed into units of their type. */
  layout(def: RecordDef): { size: number; align: number; offsets: Map<Member, number> } {
    const cached = this.layouts.get(def);
    if (cached) return cached;
    let bit = 0;
    let align = 1;
    let size = 0;
    const offsets = new Map<Member, number>();
    const up = (v: number, a: number) => Math.ceil(v / a) * a;
    for (const m of def.members) {
      const a = def.packed ? 1 : this.alignOf(m.type);
      const s = this.sizeOf(m.type);
      if (m.bits) {
        const w = this.num(this.parse(this.scope.expand(m.bits)));
        const unit = s * 8;
        if (w === 0) bit = up(bit, a * 8);
        else if (Math.floor(bit / unit) !== Math.floor((bit + w - 1) / unit)) bit = up(bit, unit);
        offsets.set(m, Math.floor(bit / 8));
        if (def.union) size = Math.max(size, Math.ceil(w / 8));
        else bit += w;
        if (m.name !== null) align = Math.max(align, a);
        continue;
      }
      align = Math.max(align, a);
      if (def.union) {
        offsets.set(m, 0);
        size = Math.max(size, s);
      } else {
        bit = up(up(bit, 8), a * 8);
        offsets.set(m, bit / 8);
        bit += s * 8;
      }
    }
    if (!def.union) size = Math.ceil(bit / 8);
    const out = { size: up(size, align), align, offsets };
    this.layouts.set(def, out);
    return out;
  }

  /** A member by name, looking into anonymous members; with its offset from the record's start. */
  member(t0: CType, name: string): { type: CType; offset: number } {
    const t = this.resolve(t0);
    if (t.k !== 'record') throw new EvalError(`member '${name}' of a non-record type`);
    const found = this.findMember(t.def!, name);
    if (!found) throw new EvalError(`${t.union ? 'union' : 'struct'} ${t.tag ?? '(anonymous)'} (${t.def!.file}:${t.def!.line}) has no member '${name}'`);
    return found;
  }

  private findMember(def: RecordDef, name: string): { type: CType; offset: number } | null {
    for (const m of def.members) {
      if (m.name === name) return { type: m.type, offset: this.safeOffset(def, m) };
      if (m.name === null) {
        const inner = this.resolve(m.type);
        if (inner.k === 'record') {
          const f = this.findMember(inner.def!, name);
          if (f) return { type: f.type, offset: this.safeOffset(def, m) + f.offset };
        }
      }
    }
    return null;
  }

  private safeOffset(def: RecordDef, m: Member): number {
    try {
      return this.layout(def).offsets.get(m) ?? Number.NaN;
    } catch {
      // a member's type is enough for sizeof and typeof; only offsetof needs the layout
      return Number.NaN;
    }
  }

  typeOf(n: Node): CType {
    switch (n.t) {
      case 'num':
        return n.long || n.v > 0x7fffffff ? { k: 'int', size: 8, signed: true } : { k: 'int', size: 4, signed: true };
      case 'str':
        return { k: 'array', of: { k: 'int', size: 1, signed: true }, n: n.s.length + 1 };
      case 'id': {
        const v = this.scope.variable(n.name);
        if (v) return v;
        if (this.scope.enumConst(n.name) !== undefined) return { k: 'int', size: 4, signed: true };
        throw new EvalError(`the type of '${n.name}' is unknown`);
      }
      case 'cast':
        return n.type;
      case 'compound':
        return n.type;
      case 'member': {
        let base = this.resolve(this.typeOf(n.e));
        if (n.arrow) {
          if (base.k !== 'ptr' && base.k !== 'array') throw new EvalError(`'->${n.name}' on a non-pointer`);
          base = base.k === 'ptr' ? base.to : base.of;
        }
        return this.member(base, n.name).type;
      }
      case 'index': {
        const b = this.resolve(this.typeOf(n.e));
        if (b.k === 'array') return b.of;
        if (b.k === 'ptr') return b.to;
        throw new EvalError('subscript of a non-array');
      }
      case 'un': {
        if (n.op === '&') return { k: 'ptr', to: this.typeOf(n.e) };
        if (n.op === '*') {
          const b = this.resolve(this.typeOf(n.e));
          if (b.k === 'ptr') return b.to;
          if (b.k === 'array') return b.of;
          throw new EvalError('dereference of a non-pointer');
        }
        return this.typeOf(n.e);
      }
      case 'cond':
        return this.typeOf(n.a);
      case 'sizeofT':
      case 'sizeofE':
      case 'offsetof':
        return { k: 'int', size: 8, signed: false };
      case 'bin': {
        if (n.op === ',') return this.typeOf(n.r);
        const l = this.resolve(this.typeOf(n.l));
        if ((l.k === 'ptr' || l.k === 'array') && (n.op === '+' || n.op === '-')) {
          const r = this.resolve(this.typeOf(n.r));
          if (r.k === 'ptr' || r.k === 'array') return { k: 'int', size: 8, signed: true };
          return l.k === 'array' ? { k: 'ptr', to: l.of } : l;
        }
        return { k: 'int', size: 8, signed: true };
      }
      default:
        return { k: 'int', size: 4, signed: true };
    }
  }

  // ---------- values ----------

  num(n: Node): number {
    const v = this.value(n);
    if (typeof v !== 'number') throw new EvalError(`expected a number, found ${'str' in v ? JSON.stringify(v.str) : `'${v.sym}'`}`);
    return v;
  }

  value(n: Node): Val {
    switch (n.t) {
      case 'num':
        return n.v;
      case 'zero':
        return 0;
      case 'str':
        return { str: n.s };
      case 'id': {
        if (n.name === 'true') return 1;
        if (n.name === 'false') return 0;
        const e = this.scope.enumConst(n.name);
        if (e !== undefined) return e;
        return { sym: n.name, addr: false };
      }
      case 'sizeofT':
        return n.align ? this.alignOf(n.type) : this.sizeOf(n.type);
      case 'sizeofE':
        return n.align ? this.alignOf(this.typeOf(n.e)) : this.sizeOf(this.typeOf(n.e));
      case 'offsetof': {
        let t = n.type;
        let off = 0;
        for (const p of n.path) {
          if (typeof p === 'string') {
            const m = this.member(t, p);
            off += m.offset;
            t = m.type;
          } else {
            const a = this.resolve(t);
            if (a.k !== 'array') throw new EvalError('offsetof subscript of a non-array');
            off += this.num(p) * this.sizeOf(a.of);
            t = a.of;
          }
        }
        if (Number.isNaN(off)) throw new EvalError(`offsetof: the layout of ${describe(n.type)} is not known`);
        return off;
      }
      case 'cast': {
        const v = this.value(n.e);
        const t = this.resolve(n.type);
        if (typeof v === 'number' && t.k === 'int') return truncate(v, t.size, t.signed);
        return v;
      }
      case 'un': {
        if (n.op === '&') {
          const v = this.value(n.e);
          if (typeof v === 'object' && 'sym' in v) return { sym: v.sym, addr: true };
          if (n.e.t === 'member' || n.e.t === 'index') return 0;
          throw new EvalError('address of a non-symbol');
        }
        const v = this.num(n.e);
        switch (n.op) {
          case '-':
            return -v;
          case '+':
            return v;
          case '!':
            return v ? 0 : 1;
          case '~':
            return ~v;
        }
        throw new EvalError(`'${n.op}' is not a constant operation`);
      }
      case 'cond':
        return this.num(n.c) ? this.value(n.a) : this.value(n.b);
      case 'bin':
        return this.binValue(n);
      case 'call': {
        const f = n.f.t === 'id' ? n.f.name : '(expression)';
        throw new EvalError(`a call to ${f}() is not a constant`);
      }
      case 'member':
      case 'index':
        throw new EvalError('a member access is not a constant');
      case 'compound':
        throw new EvalError('a compound literal is not a constant');
    }
  }

  private binValue(n: Node & { t: 'bin' }): Val {
    if (n.op === ',') {
      this.value(n.l);
      return this.value(n.r);
    }
    if (n.op === '&&') return this.num(n.l) && this.num(n.r) ? 1 : 0;
    if (n.op === '||') return this.num(n.l) || this.num(n.r) ? 1 : 0;
    // ARRAY_SIZE(x): sizeof(x) / sizeof((x)[0]) is x's length whatever its element type is
    if (n.op === '/' && n.l.t === 'sizeofE' && n.r.t === 'sizeofE' && n.r.e.t === 'index') {
      const t = this.resolve(this.typeOf(n.l.e));
      if (t.k === 'array') {
        const len = this.arrayLength(t);
        if (len !== null) return len;
      }
    }
    // pointer arithmetic on null pointers (type_check's `(t1 *)0 - (t2 *)0`) is 0
    const l = this.num(n.l);
    const r = this.num(n.r);
    switch (n.op) {
      case '+':
        return l + r;
      case '-':
        return l - r;
      case '*':
        return l * r;
      case '/':
        if (r === 0) throw new EvalError('division by zero');
        return Math.trunc(l / r);
      case '%':
        if (r === 0) throw new EvalError('division by zero');
        return l % r;
      case '<<':
        return l * 2 ** r;
      case '>>':
        return Math.floor(l / 2 ** r);
      case '&':
        return Number(BigInt.asUintN(64, BigInt(Math.trunc(l))) & BigInt.asUintN(64, BigInt(Math.trunc(r))));
      case '|':
        return Number(BigInt.asUintN(64, BigInt(Math.trunc(l))) | BigInt.asUintN(64, BigInt(Math.trunc(r))));
      case '^':
        return Number(BigInt.asUintN(64, BigInt(Math.trunc(l))) ^ BigInt.asUintN(64, BigInt(Math.trunc(r))));
      case '==':
        return l === r ? 1 : 0;
      case '!=':
        return l !== r ? 1 : 0;
      case '<':
        return l < r ? 1 : 0;
      case '>':
        return l > r ? 1 : 0;
      case '<=':
        return l <= r ? 1 : 0;
      case '>=':
        return l >= r ? 1 : 0;
    }
    throw new EvalError(`operator '${n.op}'`);
  }

  /** Parses and evaluates. */
  eval(toks: Tok[]): Val {
    return this.value(this.parse(toks));
  }
}

function truncate(v: number, size: number, signed: boolean): number {
  if (size >= 8 || !Number.isInteger(v)) return v;
  const bits = size * 8;
  const m = 2 ** bits;
  let x = ((v % m) + m) % m;
  if (signed && x >= m / 2) x -= m;
  return x;
}

function recordFromSystem(tag: string): RecordDef | undefined {
  const t = SYSTEM_TYPES[`struct_${tag}`];
  return t && t.k === 'record' ? t.def ?? undefined : undefined;
}

export function describe(t: CType): string {
  switch (t.k) {
    case 'named':
      return t.name;
    case 'record':
      return `${t.union ? 'union' : 'struct'} ${t.tag ?? '(anonymous)'}`;
    case 'ptr':
      return `${describe(t.to)} *`;
    case 'array':
      return `${describe(t.of)}[]`;
    default:
      return t.k;
  }
}

// ---------- constants: #if lines, property defaults, enumerators ----------

/**
 * Constant C expressions over already macro-expanded tokens, exact: the
 * integer arithmetic of `#if` lines (the preprocessor's conditions),
 * property defaults and enumerators in BigInt (64-bit values stay exact,
 * with C's unsigned wrap), casts to the fixed-width types, and adjacent
 * string literals concatenated. Anything else (a function call, sizeof, an
 * unknown name) is an EvalError naming what stopped it. The Evaluator
 * above is for what needs types (sizeof, offsetof, layouts).
 */
export type CValue = { kind: 'int'; v: bigint; unsigned: boolean } | { kind: 'str'; v: string };

export interface EvalOptions {
  /** Value of an identifier left after expansion (an enum constant, `defined` already replaced…). */
  ident?: (name: string) => CValue | undefined;
}

const U64 = (1n << 64n) - 1n;

/** Width and signedness of the cast types that change a value; other type names cast to themselves. */
const CASTS: Record<string, { bits: number; signed: boolean } | 'bool'> = {
  bool: 'bool',
  _Bool: 'bool',
  uint8_t: { bits: 8, signed: false },
  uint16_t: { bits: 16, signed: false },
  uint32_t: { bits: 32, signed: false },
  uint64_t: { bits: 64, signed: false },
  int8_t: { bits: 8, signed: true },
  int16_t: { bits: 16, signed: true },
  int32_t: { bits: 32, signed: true },
  int64_t: { bits: 64, signed: true },
  size_t: { bits: 64, signed: false },
  hwaddr: { bits: 64, signed: false },
  ssize_t: { bits: 64, signed: true },
  int: { bits: 32, signed: true },
  unsigned: { bits: 32, signed: false },
  char: { bits: 8, signed: true },
  short: { bits: 16, signed: true },
  long: { bits: 64, signed: true },
};
const TYPE_WORDS = new Set([...Object.keys(CASTS), 'signed', 'const', 'volatile', 'struct', 'enum', 'float', 'double', 'void', 'OnOffAuto']);

export function evaluate(tokens: readonly Tok[], opts: EvalOptions = {}): CValue {
  let i = 0;
  const peek = (k = 0) => tokens[i + k];
  const isP = (t: Tok | undefined, s: string) => t?.kind === 'punct' && t.text === s;
  const fail = (what: string): never => {
    throw new EvalError(`${what} in '${tokens.map((t) => t.text).join(' ')}'`);
  };
  const int = (v: CValue, op: string): { v: bigint; unsigned: boolean } => (v.kind === 'int' ? v : fail(`string operand of '${op}'`));
  const mk = (v: bigint, unsigned: boolean): CValue => ({ kind: 'int', v: unsigned ? v & U64 : v, unsigned });

  // lowest precedence first
  const BIN: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];
  const apply = (op: string, a: CValue, b: CValue): CValue => {
    const x = int(a, op);
    const y = int(b, op);
    const u = x.unsigned || y.unsigned;
    const cmp = (r: boolean): CValue => ({ kind: 'int', v: r ? 1n : 0n, unsigned: false });
    switch (op) {
      case '||': return cmp(x.v !== 0n || y.v !== 0n);
      case '&&': return cmp(x.v !== 0n && y.v !== 0n);
      case '|': return mk(x.v | y.v, u);
      case '^': return mk(x.v ^ y.v, u);
      case '&': return mk(x.v & y.v, u);
      case '==': return cmp(x.v === y.v);
      case '!=': return cmp(x.v !== y.v);
      case '<': return cmp(x.v < y.v);
      case '>': return cmp(x.v > y.v);
      case '<=': return cmp(x.v <= y.v);
      case '>=': return cmp(x.v >= y.v);
      case '<<': return mk(x.v << y.v, x.unsigned);
      case '>>': return mk(x.v >> y.v, x.unsigned);
      case '+': return mk(x.v + y.v, u);
      case '-': return mk(x.v - y.v, u);
      case '*': return mk(x.v * y.v, u);
      case '/': return y.v === 0n ? fail('division by zero') : mk(x.v / y.v, u);
      case '%': return y.v === 0n ? fail('division by zero') : mk(x.v % y.v, u);
    }
    return fail(`operator '${op}'`);
  };

  const ternary = (): CValue => {
    const c = binary(0);
    if (!isP(peek(), '?')) return c;
    i++;
    const a = ternary();
    if (!isP(peek(), ':')) fail("missing ':'");
    i++;
    const b = ternary();
    return int(c, '?').v !== 0n ? a : b;
  };
  const binary = (level: number): CValue => {
    if (level >= BIN.length) return unary();
    let left = binary(level + 1);
    for (;;) {
      const t = peek();
      if (t?.kind !== 'punct' || !BIN[level]!.includes(t.text)) return left;
      i++;
      const right = binary(level + 1);
      left = apply(t.text, left, right);
    }
  };
  const castAt = (): { len: number; type: string } | null => {
    if (!isP(peek(), '(')) return null;
    let j = 1;
    const words: string[] = [];
    while (peek(j)?.kind === 'id' || isP(peek(j), '*')) words.push(peek(j++)!.text);
    if (words.length === 0 || !isP(peek(j), ')')) return null;
    const first = words[0]!;
    const known = TYPE_WORDS.has(first) || /_t$/.test(first) || (words.length === 1 && opts.ident?.(first) === undefined && /[a-z]/.test(first) && /^[A-Z]/.test(first));
    if (!known) return null;
    const next = peek(j + 1);
    if (!next || (next.kind === 'punct' && !['(', '!', '~', '-', '+'].includes(next.text))) return null;
    return { len: j + 1, type: words.filter((w) => w !== 'const' && w !== 'volatile').join(' ') };
  };
  const unary = (): CValue => {
    const t = peek();
    if (!t) return fail('unexpected end');
    const cast = castAt();
    if (cast) {
      i += cast.len;
      const v = int(unary(), 'cast');
      const c = CASTS[cast.type.replace(/^unsigned (int|long|long long)$/, 'unsigned').replace(/^(long long|long int)$/, 'long')];
      if (cast.type.includes('*')) return fail(`pointer cast (${cast.type})`);
      if (c === 'bool') return { kind: 'int', v: v.v !== 0n ? 1n : 0n, unsigned: false };
      if (!c) return { kind: 'int', v: v.v, unsigned: v.unsigned };
      return { kind: 'int', v: c.signed ? BigInt.asIntN(c.bits, v.v) : BigInt.asUintN(c.bits, v.v), unsigned: !c.signed };
    }
    if (t.kind === 'punct' && ['!', '~', '-', '+'].includes(t.text)) {
      i++;
      const v = int(unary(), t.text);
      if (t.text === '!') return { kind: 'int', v: v.v === 0n ? 1n : 0n, unsigned: false };
      if (t.text === '~') return mk(v.unsigned ? ~v.v & U64 : ~v.v, v.unsigned);
      if (t.text === '-') return mk(-v.v, v.unsigned);
      return { kind: 'int', ...v };
    }
    return primary();
  };
  const primary = (): CValue => {
    const t = peek();
    if (!t) return fail('unexpected end');
    i++;
    if (t.kind === 'num') return number(t.text) ?? fail(`number '${t.text}'`);
    if (t.kind === 'char') return { kind: 'int', v: BigInt(charValue(t.text) ?? fail(`char '${t.text}'`)), unsigned: false };
    if (t.kind === 'str') {
      let s = stringValue(t.text);
      while (peek()?.kind === 'str') s += stringValue(peek(0)!.text), i++;
      return { kind: 'str', v: s };
    }
    if (isP(t, '(')) {
      const v = ternary();
      if (!isP(peek(), ')')) fail("missing ')'");
      i++;
      return v;
    }
    if (t.kind === 'id') {
      if (t.text === 'true') return { kind: 'int', v: 1n, unsigned: false };
      if (t.text === 'false') return { kind: 'int', v: 0n, unsigned: false };
      if (isP(peek(), '(')) return builtin(t.text);
      const v = opts.ident?.(t.text);
      if (v) return v;
      return fail(`unknown name '${t.text}'`);
    }
    return fail(`unexpected '${t.text}'`);
  };

  // the compiler built-ins QEMU's MIN/MAX and friends expand to
  const builtin = (name: string): CValue => {
    if (name !== '__builtin_constant_p' && name !== '__builtin_choose_expr') return fail(`call of '${name}'`);
    i++; // (
    const args: CValue[] = [];
    if (!isP(peek(), ')')) {
      for (;;) {
        args.push(name === '__builtin_constant_p' ? (ternary(), { kind: 'int', v: 1n, unsigned: false }) : ternary());
        if (isP(peek(), ',')) i++;
        else break;
      }
    }
    if (!isP(peek(), ')')) fail(`missing ')' after ${name}`);
    i++;
    if (name === '__builtin_constant_p') return args[0] ?? fail('__builtin_constant_p without an argument');
    if (args.length !== 3) fail('__builtin_choose_expr takes 3 arguments');
    return int(args[0]!, name).v !== 0n ? args[1]! : args[2]!;
  };

  const v = ternary();
  if (i < tokens.length) fail(`unexpected '${tokens[i]!.text}'`);
  return v;
}

export function number(text: string): CValue | null {
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(text);
  if (!m) return null;
  let body = m[1]!;
  if (/^0[0-7]+$/.test(body)) body = '0o' + body.slice(1);
  const v = BigInt(body);
  const unsigned = /u/i.test(m[2]!) || (/^0[xX]/.test(m[1]!) && v > 0x7fffffffffffffffn);
  return { kind: 'int', v, unsigned };
}

/** The characters a C string literal denotes (prefix and quotes removed, escapes decoded). */
export function stringValue(text: string): string {
  return unescape(body(text));
}

function charValue(text: string): number | null {
  const s = unescape(body(text));
  return s.length === 1 ? s.charCodeAt(0) : null;
}
