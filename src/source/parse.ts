import { createRequire } from 'node:module';
import { Language, Parser, type Tree } from 'web-tree-sitter';

/**
 * The C parser every extractor in src/source shares: web-tree-sitter with
 * the grammar wasm the `tree-sitter-c` package ships (no compiler needed).
 * One Parser per process, initialised once.
 */
let ready: Promise<Parser> | undefined;

function grammarPath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve('tree-sitter-c/tree-sitter-c.wasm');
}

export function cParser(): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init();
    const c = await Language.load(grammarPath());
    const parser = new Parser();
    parser.setLanguage(c);
    return parser;
  })();
  return ready;
}

/** Parses one C translation unit's text; the caller owns the tree (call `tree.delete()` when done). */
export async function parseC(text: string): Promise<Tree> {
  const parser = await cParser();
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}
