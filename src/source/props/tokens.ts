import { lex, untok, type Tok, type TokKind } from '../lex.js';

/**
 * The tokens src/source/props and src/source/machines read: the one C
 * lexer of src/source (lex.ts) under the names this code uses, plus the
 * split at top-level commas that initialisers and argument lists need.
 */
export type TokenKind = TokKind;
export type Token = Tok;

/** Splits C text (comments allowed) into tokens; lines count from `firstLine` (1 when absent). */
export const tokenize = (text: string, firstLine?: number): Token[] => lex(text, firstLine ?? 1);

/** Prints tokens back as C text (one space where the source had whitespace). */
export const untokenize = (tokens: readonly Token[]): string => untok(tokens);

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
