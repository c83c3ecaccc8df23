import type { Token } from './tokens.js';

/**
 * Constant C expressions over already macro-expanded tokens: the integer
 * arithmetic of `#if` lines and property defaults (BigInt, so 64-bit
 * values stay exact), casts to the fixed-width types, and adjacent string
 * literals concatenated. Anything else (a function call, sizeof, an
 * unknown name) is an EvalError naming what stopped it.
 */
export type CValue = { kind: 'int'; v: bigint; unsigned: boolean } | { kind: 'str'; v: string };

export class EvalError extends Error {}

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

export function evaluate(tokens: readonly Token[], opts: EvalOptions = {}): CValue {
  let i = 0;
  const peek = (k = 0) => tokens[i + k];
  const isP = (t: Token | undefined, s: string) => t?.kind === 'punct' && t.text === s;
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

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' };

/** The characters a C string literal denotes (prefix and quotes removed, simple escapes decoded). */
export function stringValue(text: string): string {
  const body = text.replace(/^(u8|L|u|U)?"/, '').replace(/"$/, '');
  return body.replace(/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ESCAPES[e] ?? e;
  });
}

function charValue(text: string): number | null {
  const s = stringValue(text.replace(/^(u8|L|u|U)?'/, '"').replace(/'$/, '"'));
  return s.length === 1 ? s.charCodeAt(0) : null;
}
