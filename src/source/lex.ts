/**
 * C preprocessing tokens. The extractor never compiles anything: it reads
 * directives, expands macros and evaluates constant expressions on these
 * tokens, so a token keeps its line (for file:line in every record) and
 * whether whitespace preceded it (for `#` stringification).
 */

export type TokKind = 'id' | 'num' | 'str' | 'char' | 'punct';

export interface Tok {
  kind: TokKind;
  text: string;
  /** 1-based line in the file the token came from. */
  line: number;
  /** Whitespace before it (stringification keeps one space there). */
  space: boolean;
  /** Macro names this token came from (C's "hide set": a macro never re-expands inside its own expansion). */
  hide?: ReadonlySet<string>;
}

const PUNCTS = [
  '%:%:', '...', '<<=', '>>=',
  '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '*=', '/=', '%=', '+=', '-=', '&=', '^=', '|=', '##',
];

const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
const isIdPart = (c: number) => isIdStart(c) || (c >= 48 && c <= 57);
const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Replaces comments by spaces (newlines kept, so lines do not move) and
 * leaves string and character literals alone.
 */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  let from = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      // a literal: skip to its closing quote (an unterminated one ends at the line)
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === c || d === 10) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += text.slice(from, i) + text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = from = stop;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      let end = i;
      // a // comment continues over backslash-newlines
      while (end < n && text.charCodeAt(end) !== 10) {
        if (text.charCodeAt(end) === 92 && text.charCodeAt(end + 1) === 10) end += 2;
        else end++;
      }
      out += text.slice(from, i) + text.slice(i, end).replace(/[^\n]/g, ' ');
      i = from = end;
      continue;
    }
    i++;
  }
  return out + text.slice(from);
}

/** Tokenises text (comments already stripped or not: both are skipped). `line` is the first line's number. */
export function lex(text: string, line = 1): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let space = false;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      i++;
      space = true;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      space = true;
      continue;
    }
    if (c === 92 && text.charCodeAt(i + 1) === 10) {
      i += 2;
      line++;
      space = true;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (text.charCodeAt(k) === 10) line++;
      i = stop;
      space = true;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
      space = true;
      continue;
    }
    const start = i;
    let kind: TokKind;
    if (isIdStart(c)) {
      while (i < n && isIdPart(text.charCodeAt(i))) i++;
      // string/char prefixes (u8"", L'')
      const q = text.charCodeAt(i);
      const word = text.slice(start, i);
      if ((q === 34 || q === 39) && (word === 'L' || word === 'u' || word === 'U' || word === 'u8')) {
        i = skipQuoted(text, i);
        kind = q === 34 ? 'str' : 'char';
      } else kind = 'id';
    } else if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      // a pp-number: digits, letters, dots, and signs after an exponent letter
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (isIdPart(d) || d === 46) i++;
        else if ((d === 43 || d === 45) && /[eEpP]/.test(text[i - 1]!)) i++;
        else break;
      }
      kind = 'num';
    } else if (c === 34 || c === 39) {
      i = skipQuoted(text, i);
      kind = c === 34 ? 'str' : 'char';
    } else {
      const p = PUNCTS.find((s) => text.startsWith(s, i));
      i += p ? p.length : 1;
      kind = 'punct';
    }
    toks.push({ kind, text: text.slice(start, i), line, space });
    space = false;
  }
  return toks;
}

function skipQuoted(text: string, i: number): number {
  const q = text.charCodeAt(i);
  i++;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 92) i += 2;
    else if (d === q) return i + 1;
    else if (d === 10) return i;
    else i++;
  }
  return i;
}

/** Tokens back to text, one space where the source had whitespace. */
export function untok(toks: readonly Tok[]): string {
  let s = '';
  toks.forEach((t, k) => {
    if (k && t.space) s += ' ';
    s += t.text;
  });
  return s;
}
