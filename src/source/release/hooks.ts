/**
 * Hooks from C to steps (predicate.ts HookStep). A pre_save whose body is
 * declarations, assignments to members of the state (or of the device,
 * through container_of) from expressions the predicate translator reads
 * (constants, properties, other members, a VMSD's own version_id), `if`
 * statements around such assignments, trace and report calls, and a final
 * `return 0` is a list of assignments; anything else (a call with effects,
 * a loop, a return that can refuse the save) is returned as a reason: the
 * hook stays "not modelled".
 *
 * A post_load or pre_load may also refuse the load: `if (c) { …; return
 * -EINVAL; }` (any non-zero constant) is a refusal under `c`. Its
 * statements are taken in order up to the first that does not translate:
 * what comes before it is exact (C runs in order), the rest is said as not
 * modelled (`rest`), so a hook that checks its input and then starts a
 * timer still rejects what QEMU rejects.
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
import { membersOf, type Assign, type Expr, type HookStep } from './predicate.js';
import { arrayLengths, attempt, childMembers, functionDefs, no, paramNames, Translator, Untranslatable, vmsdVersions, type Binding, type TranslateLookups } from './translate.js';

/** `steps`: in order; `rest`: why the statements from some line on are not (a load hook translated in part). */
export type TranslatedHook =
  | { ok: true; assigns: HookStep[]; rest?: string; drawn?: string[]; at: { file: string; line: number } }
  | { ok: false; reason: string; at: { file: string; line: number } | null };

/** The hooks translated, by `vmsdFile#name`. */
export const TRANSLATED_HOOKS = ['pre_save', 'post_load', 'pre_load'] as const;

export async function translateHooks(model: ExtractedModel, source: SourceTree): Promise<Record<string, TranslatedHook>> {
  const wanted = new Map<string, Map<string, 'save' | 'load'>>();
  for (const v of model.vmsds) {
    for (const h of TRANSLATED_HOOKS) {
      const fn = v.hooks[h];
      if (!fn || fn === 'NULL') continue;
      const set = wanted.get(v.at.file) ?? new Map();
      if (!set.has(fn)) set.set(fn, h === 'pre_save' ? 'save' : 'load');
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
        for (const n of names.keys()) out[`${file}#${n}`] = { ok: false, reason: `${file} could not be preprocessed: ${(e as Error).message}`, at: null };
        continue;
      }
      const childMember = childMembers(ctx.unit.text);
      for (const [n, kind] of names) {
        const found = await finder.find(n, file);
        if (!found) {
          out[`${file}#${n}`] = { ok: false, reason: `${n} is defined in no file of the tree that has VMSDs`, at: null };
          continue;
        }
        const at = { file: found.file, line: found.def.startPosition.row + 1 };
        const lookups: TranslateLookups = { vmsdVersion: vmsdVersions(model, found.file), childMember, defs: found.defs, arrayLength: found.arrays };
        out[`${file}#${n}`] = await attempt(at, async () =>
          kind === 'save' ? await translateSaveHook(found.def, found.ctx, lookups) : await translateLoadHook(found.def, found.ctx, lookups),
        );
      }
    }
  } finally {
    finder.dispose();
  }
  return out;
}

interface Parsed {
  defs: Map<string, Node>;
  arrays: (name: string) => number | undefined;
  ctx: UnitContext;
  dispose: () => void;
}

/** Function definitions by name: the given file first, then any of the tree's files whose text defines it. */
class DefinitionFinder {
  private readonly parsed = new Map<string, Parsed | null>();
  private readonly raw = new Map<string, string>();
  constructor(
    private readonly source: SourceTree,
    private readonly files: readonly string[],
  ) {}

  async find(name: string, first: string): Promise<{ def: Node; ctx: UnitContext; file: string; defs: Map<string, Node>; arrays: (name: string) => number | undefined } | null> {
    const defines = new RegExp(`^[A-Za-z_][\\w\\s*]*\\b${name}\\s*\\([^;]*?\\)\\s*\\{`, 'm');
    for (const file of [first, ...this.files.filter((f) => f !== first)]) {
      if (file !== first && !defines.test(this.text(file))) continue;
      const p = await this.parse(file);
      const def = p?.defs.get(name);
      if (p && def) return { def, ctx: p.ctx, file, defs: p.defs, arrays: p.arrays };
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
    let entry: Parsed | null = null;
    try {
      const ctx = this.source.context(this.source.unit(file));
      const tree = await parseC(ctx.unit.text);
      entry = { defs: functionDefs(tree.rootNode), arrays: arrayLengths(tree.rootNode), ctx, dispose: () => tree.delete() };
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
  const out: HookStep[] = [];
  await statements(new Translator(ctx, opaqueScope(def), lookups), stmtsOf(bodyOf(def)), null, out, { top: true, load: false });
  return out as Assign[];
}

/**
 * A pre_save as assignments, where `member = <what does not translate>`
 * (hpet's counter read from the clock) leaves the member at the value the
 * state has, which the generator draws: such members are `drawn`, and
 * `rest` says which, from which line.
 */
export async function translateSaveHook(def: Node, ctx: UnitContext | null, lookups: TranslateLookups = {}): Promise<{ assigns: HookStep[]; rest?: string; drawn?: string[] }> {
  const out: HookStep[] = [];
  const drawn: { path: string; line: number; why: string }[] = [];
  await statements(new Translator(ctx, opaqueScope(def), lookups), stmtsOf(bodyOf(def)), null, out, { top: true, load: false, drawn });
  if (!drawn.length) return { assigns: out };
  const rest = drawn.map((d) => `${d.path} from line ${d.line} (${d.why}): keeps its generated value`).join('; ');
  return { assigns: out, rest, drawn: drawn.map((d) => d.path) };
}

/**
 * One post_load / pre_load function's body as steps (assignments and
 * refusals), in order, up to the first top-level statement that does not
 * translate; `rest` says which and why.
 */
export async function translateLoadHook(def: Node, ctx: UnitContext | null, lookups: TranslateLookups = {}): Promise<{ assigns: HookStep[]; rest?: string }> {
  const t = new Translator(ctx, opaqueScope(def, true), lookups);
  const stmts = stmtsOf(bodyOf(def));
  const out: HookStep[] = [];
  for (let i = 0; i < stmts.length; i++) {
    const before = out.length;
    try {
      await statements(t, [stmts[i]!], null, out, { top: true, load: true, last: i === stmts.length - 1 });
    } catch (e) {
      if (!(e instanceof Untranslatable)) throw e;
      out.length = before;
      if (!out.length) throw e;
      return { assigns: out, rest: `from line ${stmts[i]!.startPosition.row + 1}: ${e.message}` };
    }
  }
  return { assigns: out };
}

function bodyOf(def: Node): Node {
  const body = def.childForFieldName('body');
  if (!body) no('no body');
  return body!;
}

function opaqueScope(def: Node, withVersion = false): Map<string, Binding> {
  const scope = new Map<string, Binding>();
  const [opaque, version] = paramNames(def);
  if (opaque) scope.set(opaque, { kind: 'self', prefix: [] });
  if (withVersion && version) scope.set(version, { kind: 'version' });
  return scope;
}

const key = (m: { root: string; path: readonly (string | number)[] }) => `${m.root}:${m.path.join('.')}`;

/** Calls that change nothing a model carries: tracing and messages to the log. */
const QUIET = /^(trace_\w+|error_report|error_report_once|warn_report|warn_report_once|info_report|qemu_log_mask|qemu_log|error_printf)$/;

interface Where {
  /** At the function's own top level (a return there ends it). */
  top: boolean;
  /** A load hook: a non-zero constant return is a refusal. */
  load: boolean;
  /** The statement is the function's last (a load hook is translated statement by statement). */
  last?: boolean;
  /** A pre_save's assignments whose value does not translate, left to the generated state (translateSaveHook); absent: refused. */
  drawn?: { path: string; line: number; why: string }[];
}

/**
 * `helper(s, …);` with `helper` a function of the same file: its body's
 * steps, with its parameters bound to the arguments, as a pre_save's (its
 * value is not used, so a return in it only ends it: none but a final one
 * is followed). False when the function is not the file's.
 */
async function sameFileCall(t: Translator, call: Node, when: Expr | null, out: HookStep[], line: number, outer: Where): Promise<boolean> {
  const fn = call.childForFieldName('function')?.text ?? '';
  const def = t.lookups.defs?.get(fn);
  if (!def) return false;
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((x): x is Node => x !== null && x.type !== 'comment');
  const inner = new Translator(t.ctx, await t.callScope(def, fn, args), t.lookups, t.depth + 1);
  try {
    await statements(inner, stmtsOf(bodyOf(def)), when, out, { top: true, load: false, ...(outer.drawn ? { drawn: outer.drawn } : {}) });
  } catch (e) {
    if (e instanceof Untranslatable) no(`a call to ${fn}() (line ${line}): ${e.message}`);
    throw e;
  }
  return true;
}

/** Whether a branch ends the function: its last statement is a return (a compound's, recursively). */
function endsInReturn(n: Node): boolean {
  const list = stmtsOf(n);
  const last = list[list.length - 1];
  if (!last) return false;
  if (last.type === 'return_statement') return true;
  return last.type === 'compound_statement' && endsInReturn(last);
}

async function statements(t: Translator, stmts: Node[], when: Expr | null, out: HookStep[], where: Where): Promise<void> {
  for (let i = 0; i < stmts.length; i++) {
    const s = stmts[i]!;
    const line = s.startPosition.row + 1;
    const lastHere = i === stmts.length - 1 && (where.last ?? true);
    switch (s.type) {
      case 'declaration':
        if (where.load) {
          // a local the rest never reads needs no value: one that does not translate stays unbound (reading it is what fails)
          try {
            await t.declaration(s);
          } catch (e) {
            if (!(e instanceof Untranslatable)) throw e;
          }
        } else await t.declaration(s);
        break;
      case 'compound_statement':
        await statements(t, stmtsOf(s), when, out, { ...where, top: false, last: lastHere });
        break;
      case 'return_statement': {
        const v = s.namedChildren.find((n) => n && n.type !== 'comment');
        if (!where.load && (!where.top || !lastHere)) no(`a return before the end (line ${line})`);
        // a negative errno constant (errno.h is the system's: not evaluated)
        const errno = v && /^-\s*E[A-Z0-9]+$/.test(unparen(v).text.replace(/[()]/g, ''));
        const r = v && !errno ? await t.expr(v) : null;
        const zero = !errno && (!r || (r.k === 'int' && r.v === '0'));
        if (where.load && !zero && (errno || r?.k === 'int')) {
          // a refusal: QEMU's load fails with this value
          out.push(when ? { reject: v!.text, when, line } : { reject: v!.text, line });
          if (!lastHere && !when) no(`statements after a return (line ${line})`);
          return;
        }
        if (!zero) no(`a return that can refuse the ${where.load ? 'load' : 'save'}: '${s.text.slice(0, 60)}'`);
        if (!(where.top || where.load) || !lastHere || (when && !where.top)) no(`a return before the end (line ${line})`);
        break;
      }
      case 'expression_statement': {
        if (s.text.trim() === ';') break;
        const e = s.namedChildren.find((n) => n !== null && n.type !== 'comment')!;
        if (e.type === 'call_expression' && QUIET.test(e.childForFieldName('function')?.text ?? '')) break;
        if (e.type === 'call_expression' && (await sameFileCall(t, e, when, out, line, where))) break;
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
        let right: Expr;
        try {
          right = await t.expr(e.childForFieldName('right')!);
        } catch (x) {
          if (!(x instanceof Untranslatable) || !where.drawn || op !== '=') throw x;
          where.drawn.push({ path: m.path.join('.'), line, why: x.message });
          break;
        }
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
        const then = s.childForFieldName('consequence')!;
        const alt = s.childForFieldName('alternative');
        const altBody = alt ? (alt.type === 'else_clause' ? alt.namedChildren.find((n) => n !== null)! : alt) : null;
        // a branch that ends in a refusal: what follows runs only when it did not refuse, as the steps run in order
        if (where.load && endsInReturn(then) && !altBody) {
          await statements(t.fork(), stmtsOf(then), and(c), out, { ...where, top: false, last: true });
          const ends = out.slice(before);
          if (!ends.length || !('reject' in ends[ends.length - 1]!)) no(`an if whose branch returns early without refusing (line ${line})`);
        } else {
          await statements(t.fork(), stmtsOf(then), and(c), out, { ...where, top: false, last: false });
          if (altBody) await statements(t.fork(), stmtsOf(altBody), and({ k: 'un', op: '!', e: c }), out, { ...where, top: false, last: false });
        }
        // the condition is read once in C: a branch may not write what it reads
        const read = new Set(membersOf(c).map(key));
        if (out.slice(before).some((a) => !('reject' in a) && read.has(key(a)))) no(`an if whose branch writes what its condition reads (line ${line})`);
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
