import { Expander, ExpandError, parseDefine as parseDefineTokens, type Macro } from '../expand.js';
import { lex, type Tok } from '../lex.js';

/**
 * The macro expansion src/source/props and src/source/machines use: the
 * one expander of src/source (expand.ts: arguments fully expanded except
 * next to `#` and `##`, rescanning, hide sets, a budget on runaways) over
 * a unit's macro table.
 */
export type { Macro };
/** Macros by name (a Map, or a unit's MacroEnv at the end of the file). */
export interface MacroTable {
  get(name: string): Macro | undefined;
}

/** An expansion that cannot finish: an unterminated invocation, a wrong argument count, a runaway. */
export { ExpandError as MacroError };

/** Parses the text after `#define` (continuations already joined). Returns null for a malformed line. */
export function parseDefine(text: string, file: string, line: number): Macro | null {
  return parseDefineTokens(lex(text, line), file, line);
}

/** Expands every macro in `input`; `extra` supplies macros (built-ins, target configuration) without copying a table. */
export function expand(input: readonly Tok[], macros: MacroTable, extra?: MacroTable): Tok[] {
  return new Expander((name) => extra?.get(name) ?? macros.get(name)).expand(input);
}

