/**
 * C preprocessing tokens, as far as the macro expander needs them: each
 * token keeps whether whitespace preceded it (for `#x` stringizing and for
 * printing an expansion back) and the names it must not expand again
 * (the "hide set" of the standard expansion algorithm).
 */
export type TokenKind = 'ident' | 'number' | 'string' | 'char' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  space: boolean;
  hide?: ReadonlySet<string>;
  /** Line in the tokenized text (1-based, plus `firstLine - 1`); an expansion's tokens carry the line of the macro's name. */
  line?: number;
}

const PUNCTS = ['...', '<<=', '>>=', '##', '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^='];

/** Splits C text (comments allowed) into tokens. Unterminated literals end at the line's end. */
export function tokenize(text: string, firstLine?: number): Token[] {
  const out: Token[] = [];
  let line = firstLine ?? 1;
  let i = 0;
  let space = false;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      if (c === '\n') line++;
      space = true;
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (text.charCodeAt(k) === 10) line++;
      i = stop;
      space = true;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
      space = true;
      continue;
    }
    const start = i;
    let kind: TokenKind;
    if (/[A-Za-z_]/.test(c)) {
      // a string or char prefix (L"", u8"") belongs to the literal
      while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) i++;
      if ((text[i] === '"' || text[i] === "'") && /^(L|u|U|u8)$/.test(text.slice(start, i))) {
        kind = text[i] === '"' ? 'string' : 'char';
        i = literalEnd(text, i);
      } else kind = 'ident';
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      // pp-number: digits, letters, dots, and signs after an exponent letter
      i++;
      while (i < n) {
        const d = text[i]!;
        if (/[A-Za-z0-9_.]/.test(d)) i++;
        else if ((d === '+' || d === '-') && /[eEpP]/.test(text[i - 1]!)) i++;
        else break;
      }
      kind = 'number';
    } else if (c === '"' || c === "'") {
      kind = c === '"' ? 'string' : 'char';
      i = literalEnd(text, i);
    } else {
      kind = 'punct';
      const p = PUNCTS.find((q) => text.startsWith(q, i));
      i += p ? p.length : 1;
    }
    const tok: Token = { kind, text: text.slice(start, i), space };
    if (firstLine !== undefined) tok.line = line;
    out.push(tok);
    space = false;
  }
  return out;
}

function literalEnd(text: string, i: number): number {
  const q = text[i]!;
  let j = i + 1;
  while (j < text.length && text[j] !== q && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
  return Math.min(j + 1, text.length);
}

/** Prints tokens back as C text (one space where the source had whitespace). */
export function untokenize(tokens: readonly Token[]): string {
  let s = '';
  for (const t of tokens) s += (t.space && s ? ' ' : '') + t.text;
  return s;
}

/** Splits a token list at top-level commas (parentheses, brackets and braces nest). */
export function splitTopLevel(tokens: readonly Token[], sep = ','): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      else if (t.text === sep && depth === 0) {
        parts.push([]);
        continue;
      }
    }
    parts[parts.length - 1]!.push(t);
  }
  return parts;
}
