/**
 * pre_save hooks from C to assignments (predicate.ts Assign): a hook whose
 * body is declarations, assignments to members of the state (or of the
 * device, through container_of) from expressions the predicate translator
 * reads (constants, properties, other members, a VMSD's own version_id),
 * `if` statements around such assignments, trace calls, and a final
 * `return 0`. Anything else (a call with effects, a loop, a return that can
 * refuse the save) is returned as a reason: the hook stays "not modelled".
 *
 * The function is looked for in the VMSD's file, then in the tree's other
 * files (a hook shared by several front ends, defined once); the QOM child
 * the opaque names by string is resolved in the VMSD's file, where the
 * front end embeds it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { ExtractedModel } from '../model.js';
import type { SourceTree, UnitContext } from '../props/context.js';
import { parseC } from '../parse.js';
import { membersOf, type Assign, type Expr } from './predicate.js';
import { attempt, childMembers, functionDefs, no, paramNames, Translator, vmsdVersions, type Binding, type TranslateLookups } from './translate.js';

export type TranslatedHook = { ok: true; assigns: Assign[]; at: { file: string; line: number } } | { ok: false; reason: string; at: { file: string; line: number } | null };

/** The hooks translated: pre_save ones, by `vmsdFile#name`. */
export const TRANSLATED_HOOKS = ['pre_save'] as const;

export async function translateHooks(model: ExtractedModel, source: SourceTree): Promise<Record<string, TranslatedHook>> {
  const wanted = new Map<string, Set<string>>();
  for (const v of model.vmsds) {
    for (const h of TRANSLATED_HOOKS) {
      const fn = v.hooks[h];
      if (!fn || fn === 'NULL') continue;
      const set = wanted.get(v.at.file) ?? new Set();
      set.add(fn);
      wanted.set(v.at.file, set);
    }
  }
  const files = [...new Set(model.vmsds.map((v) => v.at.file))];
  const finder = new DefinitionFinder(source, files);
  const out: Record<string, TranslatedHook> = {};
  try {
    for (const [file, names] of wanted) {
      let ctx: UnitContext;
      try {
        ctx = source.context(source.unit(file));
      } catch (e) {
        for (const n of names) out[`${file}#${n}`] = { ok: false, reason: `${file} could not be preprocessed: ${(e as Error).message}`, at: null };
        continue;
      }
      const childMember = childMembers(ctx.unit.text);
      for (const n of names) {
        const found = await finder.find(n, file);
        if (!found) {
          out[`${file}#${n}`] = { ok: false, reason: `${n} is defined in no file of the tree that has VMSDs`, at: null };
          continue;
        }
        const at = { file: found.file, line: found.def.startPosition.row + 1 };
        out[`${file}#${n}`] = await attempt(at, async () => ({ assigns: await translateHookFunction(found.def, found.ctx, { vmsdVersion: vmsdVersions(model, found.file), childMember }) }));
      }
    }
  } finally {
    finder.dispose();
  }
  return out;
}

/** Function definitions by name: the given file first, then any of the tree's files whose text defines it. */
class DefinitionFinder {
  private readonly parsed = new Map<string, { defs: Map<string, Node>; ctx: UnitContext; dispose: () => void } | null>();
  private readonly raw = new Map<string, string>();
  constructor(
    private readonly source: SourceTree,
    private readonly files: readonly string[],
  ) {}

  async find(name: string, first: string): Promise<{ def: Node; ctx: UnitContext; file: string } | null> {
    const defines = new RegExp(`^[A-Za-z_][\\w\\s*]*\\b${name}\\s*\\([^;]*?\\)\\s*\\{`, 'm');
    for (const file of [first, ...this.files.filter((f) => f !== first)]) {
      if (file !== first && !defines.test(this.text(file))) continue;
      const p = await this.parse(file);
      const def = p?.defs.get(name);
      if (p && def) return { def, ctx: p.ctx, file };
    }
    return null;
  }

  private text(file: string): string {
    let t = this.raw.get(file);
    if (t === undefined) {
      try {
        t = readFileSync(join(this.source.root, file), 'utf8');
      } catch {
        t = '';
      }
      this.raw.set(file, t);
    }
    return t;
  }

  private async parse(file: string) {
    if (this.parsed.has(file)) return this.parsed.get(file)!;
    let entry: { defs: Map<string, Node>; ctx: UnitContext; dispose: () => void } | null = null;
    try {
      const ctx = this.source.context(this.source.unit(file));
      const tree = await parseC(ctx.unit.text);
      entry = { defs: functionDefs(tree.rootNode), ctx, dispose: () => tree.delete() };
    } catch {
      entry = null;
    }
    this.parsed.set(file, entry);
    return entry;
  }

  dispose(): void {
    for (const p of this.parsed.values()) p?.dispose();
  }
}

const ASSIGN_OPS = new Set(['=', '|=', '&=', '^=', '+=', '-=', '<<=', '>>=']);

/** One pre_save function's body as assignments, in order. */
export async function translateHookFunction(def: Node, ctx: UnitContext | null, lookups: TranslateLookups = {}): Promise<Assign[]> {
  const scope = new Map<string, Binding>();
  const [opaque] = paramNames(def);
  if (opaque) scope.set(opaque, { kind: 'self', prefix: [] });
  const body = def.childForFieldName('body');
  if (!body) no('no body');
  const out: Assign[] = [];
  await statements(new Translator(ctx, scope, lookups), stmtsOf(body!), null, out, true);
  return out;
}

const key = (m: { root: string; path: readonly (string | number)[] }) => `${m.root}:${m.path.join('.')}`;

async function statements(t: Translator, stmts: Node[], when: Expr | null, out: Assign[], top: boolean): Promise<void> {
  for (let i = 0; i < stmts.length; i++) {
    const s = stmts[i]!;
    const line = s.startPosition.row + 1;
    switch (s.type) {
      case 'declaration':
        await t.declaration(s);
        break;
      case 'compound_statement':
        await statements(t, stmtsOf(s), when, out, false);
        break;
      case 'return_statement': {
        const v = s.namedChildren.find((n) => n && n.type !== 'comment');
        if (!top || i !== stmts.length - 1) no(`a return before the end (line ${line})`);
        const r = v ? await t.expr(v) : null;
        if (r && !(r.k === 'int' && r.v === '0')) no(`a return that can refuse the save: '${s.text.slice(0, 60)}'`);
        break;
      }
      case 'expression_statement': {
        if (s.text.trim() === ';') break;
        const e = s.namedChildren.find((n) => n !== null && n.type !== 'comment')!;
        if (e.type === 'call_expression' && /^trace_\w+$/.test(e.childForFieldName('function')?.text ?? '')) break;
        if (await t.localAssignment(s)) {
          if (when) no(`a local assigned under a condition (line ${line})`);
          break;
        }
        if (e.type !== 'assignment_expression') no(`a statement with effects: '${s.text.slice(0, 60)}'`);
        const op = e.childForFieldName('operator')!.text;
        if (!ASSIGN_OPS.has(op)) no(`operator ${op}`);
        const target = await t.expr(e.childForFieldName('left')!);
        if (target.k !== 'member') no(`'${e.childForFieldName('left')!.text}' is not a member of the state`);
        const m = target as Extract<Expr, { k: 'member' }>;
        const right = await t.expr(e.childForFieldName('right')!);
        // a local bound to a member reads it when the assignment runs: refuse what would read the written value
        for (const [, b] of t.scope) {
          if (b.kind === 'value' && membersOf(b.e).some((x) => key(x) === key(m))) no(`'${m.path.join('.')}' is written after a local read it (line ${line})`);
        }
        if (when && membersOf(when).some((x) => key(x) === key(m))) no(`'${m.path.join('.')}' is written under a condition that reads it (line ${line})`);
        const value: Expr = op === '=' ? right : { k: 'bin', op: op.slice(0, -1), l: m, r: right };
        out.push(when ? { root: m.root, path: m.path, e: value, when } : { root: m.root, path: m.path, e: value });
        break;
      }
      case 'if_statement': {
        const c = await t.expr(unparen(s.childForFieldName('condition')!));
        const and = (x: Expr): Expr => (when ? { k: 'bin', op: '&&', l: when, r: x } : x);
        const before = out.length;
        await statements(t.fork(), stmtsOf(s.childForFieldName('consequence')!), and(c), out, false);
        const alt = s.childForFieldName('alternative');
        if (alt) {
          const body = alt.type === 'else_clause' ? alt.namedChildren.find((n) => n !== null)! : alt;
          await statements(t.fork(), stmtsOf(body), and({ k: 'un', op: '!', e: c }), out, false);
        }
        // the condition is read once in C: a branch may not write what it reads
        const read = new Set(membersOf(c).map(key));
        if (out.slice(before).some((a) => read.has(key(a)))) no(`an if whose branch writes what its condition reads (line ${line})`);
        break;
      }
      default:
        no(`a ${s.type.replace(/_/g, ' ')} (line ${line})`);
    }
  }
}

function unparen(n: Node): Node {
  while (n.type === 'parenthesized_expression') n = n.namedChildren.find((x) => x !== null && x.type !== 'comment')!;
  return n;
}

function stmtsOf(n: Node): Node[] {
  if (n.type === 'compound_statement') return n.namedChildren.filter((x): x is Node => x !== null && x.type !== 'comment');
  return [n];
}
