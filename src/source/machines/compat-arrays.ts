import type { CompatEntry } from '../../machine/types.js';
import { parseC } from '../parse.js';
import { parseInitializer, type SourceTree, type UnitContext, type Unresolved, type Where } from '../props/context.js';
import { arrayDeclarations } from '../props/extract.js';
import { MacroError } from '../props/macros.js';
import { splitTopLevel, untokenize } from '../props/tokens.js';

/**
 * `GlobalProperty` arrays: `hw_compat_X_Y[]` (hw/core/machine.c),
 * `pc_compat_X_Y[]` (hw/i386/pc.c), a board's own defaults. Each entry is
 * expanded with its file's macros (TYPE_* names, PC_CPU_MODEL_IDS) and read
 * as `{ driver, property, value }` or its designated form.
 */
export type SourcedEntry = CompatEntry & Where;

export interface CompatArray extends Where {
  name: string;
  entries: SourcedEntry[];
}

/** Files whose GlobalProperty arrays the x86 boards use. */
export const COMPAT_FILES = ['hw/core/machine.c', 'hw/i386/pc.c'];

const FIELDS = ['driver', 'property', 'value'] as const;

/** The entries of one `{ … }` list of GlobalProperty (text as in the unit, starting at `line`). */
export async function globalProperties(ctx: UnitContext, name: string, listText: string, line: number): Promise<{ entries: SourcedEntry[]; unresolved: Unresolved[] }> {
  const file = ctx.unit.file;
  const entries: SourcedEntry[] = [];
  const unresolved: Unresolved[] = [];
  let items;
  try {
    items = splitTopLevel(ctx.expand(listText, line).slice(1, -1));
  } catch (e) {
    return { entries, unresolved: [{ what: `GlobalProperty ${name}[]`, file, line, reason: e instanceof MacroError ? e.message : String(e) }] };
  }
  for (const item of items) {
    if (item.length === 0) continue;
    const at = item[0]!.line ?? line;
    const what = `${name}[] entry '${untokenize(item).slice(0, 100)}'`;
    const init = parseInitializer(item);
    if (!init) {
      unresolved.push({ what, file, line: at, reason: 'not a brace initialiser after expansion' });
      continue;
    }
    const parts: Partial<Record<(typeof FIELDS)[number], string>> = {};
    let bad: string | null = null;
    for (let k = 0; k < FIELDS.length; k++) {
      const f = FIELDS[k]!;
      const tokens = init.designated.get(f) ?? init.positional[k];
      if (!tokens) {
        bad = `no ${f}`;
        break;
      }
      const s = await ctx.string(tokens);
      if (!s.ok) {
        bad = `${f}: ${s.reason}`;
        break;
      }
      parts[f] = s.value;
    }
    if (bad) {
      unresolved.push({ what, file, line: at, reason: bad });
      continue;
    }
    const entry: SourcedEntry = { driver: parts.driver!, property: parts.property!, value: parts.value!, file, line: at };
    const opt = init.designated.get('optional') ?? init.positional[3];
    if (opt) {
      const v = await ctx.evaluate(opt);
      if (!v.ok || v.value.kind !== 'int') unresolved.push({ what, file, line: at, reason: `optional: ${v.ok ? 'not an integer' : v.reason}` });
      else if (v.value.v !== 0n) entry.optional = true;
    }
    entries.push(entry);
  }
  return { entries, unresolved };
}

/** Every file-scope GlobalProperty array of `files`, by C name. */
export async function extractCompatArrays(source: SourceTree, files: readonly string[] = COMPAT_FILES): Promise<{ arrays: Map<string, CompatArray>; unresolved: Unresolved[] }> {
  const arrays = new Map<string, CompatArray>();
  const unresolved: Unresolved[] = [];
  for (const f of files) {
    const ctx = source.context(source.unit(f));
    const tree = await parseC(ctx.unit.text);
    try {
      for (const { name, list } of arrayDeclarations(tree.rootNode, 'GlobalProperty')) {
        const line = list.startPosition.row + 1;
        const r = await globalProperties(ctx, name, list.text, line);
        unresolved.push(...r.unresolved);
        if (arrays.has(name)) {
          unresolved.push({ what: `GlobalProperty ${name}[]`, file: f, line, reason: `also defined at ${arrays.get(name)!.file}:${arrays.get(name)!.line}` });
          continue;
        }
        arrays.set(name, { name, file: f, line, entries: r.entries });
      }
    } finally {
      tree.delete();
    }
  }
  return { arrays, unresolved };
}
