import type { Tree as SyntaxTree } from 'web-tree-sitter';
import { parseC } from '../parse.js';
import type { UnitContext } from '../props/context.js';
import type { Token } from '../props/tokens.js';

/**
 * A board file as the compiler sees it: every macro expanded (the
 * DEFINE_*_MACHINE families generate the class_init functions, the
 * TypeInfos and their registration), printed back so that each token
 * stays on its source line. A macro's whole expansion sits on the line of
 * its name, so positions in the parsed expansion are the file's lines.
 */
export interface ExpandedUnit {
  text: string;
  tree: SyntaxTree;
}

export function printOnLines(tokens: readonly Token[]): string {
  const parts: string[] = [];
  let line = 1;
  for (const t of tokens) {
    if (t.line !== undefined && t.line > line) {
      parts.push('\n'.repeat(t.line - line));
      line = t.line;
    } else if (parts.length > 0) parts.push(' ');
    parts.push(t.text);
  }
  return parts.join('');
}

export async function expandedUnit(ctx: UnitContext): Promise<ExpandedUnit> {
  const text = printOnLines(ctx.expand(ctx.unit.text, 1));
  return { text, tree: await parseC(text) };
}
