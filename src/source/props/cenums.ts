import { parseC } from '../parse.js';
import { evaluate } from '../eval.js';
import { expand, type MacroTable } from './macros.js';
import { stripComments } from '../lex.js';
import type { FileCache } from '../cpp.js';
import { tokenize } from './tokens.js';

/**
 * C enum constants of the headers a unit reads, for the defaults written
 * as enumerators (`DEFINE_PROP_UINT8("mode", S, mode, MODE_FAST)`). Each
 * header is parsed once per tree; values are computed in the unit's
 * macro context (an enumerator may be a macro expression).
 */
interface Enumerator {
  name: string;
  /** The value expression, or null for "previous + 1". */
  value: string | null;
  /** Index of the first enumerator of its enum in the file's list. */
  first: number;
}

export class EnumIndex {
  private readonly lists = new Map<string, Enumerator[]>();
  constructor(private readonly files: FileCache) {}

  /** A file's comment-stripped text ('' when it cannot be read). */
  private text(rel: string): string {
    return this.files.get(rel)?.text ?? '';
  }

  private readonly words = new Map<string, Set<string>>();

  /** Whether `name` is a word of the file (only then is the file parsed for its enumerators). */
  private mentions(rel: string, text: string | undefined, name: string): boolean {
    let w = this.words.get(rel);
    if (!w) this.words.set(rel, (w = new Set((text ?? this.text(rel)).match(/[A-Za-z_]\w*/g))));
    return w.has(name);
  }

  private async enumerators(rel: string, text?: string): Promise<Enumerator[]> {
    const hit = this.lists.get(rel);
    if (hit) return hit;
    const src = text ?? this.text(rel);
    const list: Enumerator[] = [];
    if (/\benum\b/.test(src)) {
      // directives out, line count kept: the grammar sees plain declarations
      const clean = stripComments(src).replace(/^[ \t]*#(?:[^\n]*\\\n)*[^\n]*/gm, (l) => l.replace(/[^\n]/g, ''));
      const tree = await parseC(clean);
      for (const body of tree.rootNode.descendantsOfType('enumerator_list')) {
        const first = list.length;
        for (const e of body?.namedChildren ?? []) {
          if (e?.type !== 'enumerator') continue;
          const name = e.childForFieldName('name')?.text;
          if (name) list.push({ name, value: e.childForFieldName('value')?.text ?? null, first });
        }
      }
      tree.delete();
    }
    this.lists.set(rel, list);
    return list;
  }

  /** The value of enumerator `name` as the unit (its text and headers) defines it, or undefined. */
  async lookup(name: string, files: readonly string[], macros: MacroTable, mainText?: { file: string; text: string }): Promise<bigint | undefined> {
    const sources: [string, string | undefined][] = [...(mainText ? [[mainText.file, mainText.text] as [string, string]] : []), ...files.map((f) => [f, undefined] as [string, undefined])];
    for (const [f, text] of sources) {
      if (!this.mentions(f, text, name)) continue;
      const list = await this.enumerators(f, text);
      const k = list.findIndex((e) => e.name === name);
      if (k < 0) continue;
      return this.valueAt(list, k, macros, files, 0);
    }
    return undefined;
  }

  private valueAt(list: Enumerator[], k: number, macros: MacroTable, files: readonly string[], depth: number): bigint | undefined {
    let steps = 0;
    let j = k;
    while (list[j]!.value === null && j > list[j]!.first) j--, steps++;
    const e = list[j]!;
    if (e.value === null) return BigInt(steps);
    try {
      const v = evaluate(expand(tokenize(e.value), macros), {
        ident: (n) => {
          // an enumerator may refer to an earlier one of its own enum
          const p = list.findIndex((x, i) => x.name === n && i >= e.first && i < j);
          if (p < 0 || depth > 8) return undefined;
          const pv = this.valueAt(list, p, macros, files, depth + 1);
          return pv === undefined ? undefined : { kind: 'int', v: pv, unsigned: false };
        },
      });
      return v.kind === 'int' ? v.v + BigInt(steps) : undefined;
    } catch {
      return undefined;
    }
  }
}
