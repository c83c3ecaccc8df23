/**
 * needed() and field_exists tests from C to Expr (predicate.ts). The
 * function is found in the file of the VMSD that names it (its text after
 * the preprocessor's blanking) and parsed with tree-sitter; macros in
 * constant positions are expanded and evaluated with the unit's own
 * definitions and enums. The struct pointer may be reached through the
 * opaque, a cast, a QOM cast macro (`E1000(opaque)`) or container_of (then
 * it is the owning device). What does not translate is returned as a
 * reason: the caller makes it an opaque predicate.
 */
import type { Node } from 'web-tree-sitter';
import type { ExtractedModel } from '../model.js';
import type { SourceTree, UnitContext } from '../props/context.js';
import { parseC } from '../parse.js';
import { untokenize } from '../props/tokens.js';
import { STATE_HELPERS, type Expr } from './predicate.js';

export type TranslatedFn = { ok: true; expr: Expr; at: { file: string; line: number } } | { ok: false; reason: string; at: { file: string; line: number } | null };

/** Helpers whose answer depends on what the model does not carry: each call is a named input. */
const INPUT_HELPERS = new Set([
  'pci_is_express', 'msix_present', 'msix_enabled', 'msi_present', 'msi_enabled', 'pci_is_vf',
  'virtio_vdev_has_feature', 'virtio_has_feature', 'virtio_host_has_feature',
  'runstate_check', 'kvm_enabled', 'xen_enabled', 'tcg_enabled', 'qtest_enabled',
]);

export class Untranslatable extends Error {}
export const no = (why: string): never => {
  throw new Untranslatable(why);
};

type Where = { file: string; line: number };

/** The record of one function's translation: `{ ok: true, ...made, at }`, or why it did not translate (any other error propagates). */
export async function attempt<T extends object>(at: Where, make: () => Promise<T>): Promise<({ ok: true; at: Where } & T) | { ok: false; reason: string; at: Where }> {
  try {
    return { ok: true, ...(await make()), at };
  } catch (e) {
    if (!(e instanceof Untranslatable)) throw e;
    return { ok: false, reason: e.message, at };
  }
}

export type Binding = { kind: 'self' | 'device'; prefix: (string | number)[] } | { kind: 'value'; e: Expr } | { kind: 'version' };

/** What a function's text can name beyond its own scope: a VMSD's version (`vmstate_x.version_id`), a QOM child of the opaque by name. */
export interface TranslateLookups {
  /** The version_id of the VMSD with this C name (the function's own file first), or undefined. */
  vmsdVersion?: (cname: string) => number | undefined;
  /** The member a QOM child of the opaque's object is embedded at (`object_initialize_child(obj, "esp", &s->esp, …)`), or undefined. */
  childMember?: (child: string) => string | undefined;
  /** The C functions of the same file by name, for calls the translation inlines. */
  defs?: ReadonlyMap<string, Node>;
  /** The element count of a file-scope array by name (`ARRAY_SIZE(transfer_end_table)`), or undefined. */
  arrayLength?: (name: string) => number | undefined;
}

/** Element counts of a file's file-scope arrays: `T name[] = { a, b, … }` (the initialiser's elements) or `T name[N]` (a literal N). */
export function arrayLengths(root: Node): (name: string) => number | undefined {
  const found = new Map<string, number>();
  for (const d of root.namedChildren) {
    if (d?.type !== 'declaration') continue;
    for (const c of d.namedChildren) {
      let decl = c?.type === 'init_declarator' ? c.childForFieldName('declarator') : c;
      // `T *name[]`: an array of pointers
      while (decl?.type === 'pointer_declarator') decl = decl.childForFieldName('declarator');
      if (decl?.type !== 'array_declarator') continue;
      const name = decl.childForFieldName('declarator');
      if (name?.type !== 'identifier') continue;
      const size = decl.childForFieldName('size');
      const init = c!.type === 'init_declarator' ? c!.childForFieldName('value') : null;
      if (size && /^\d+$/.test(size.text)) found.set(name.text, Number(size.text));
      else if (!size && init?.type === 'initializer_list') found.set(name.text, init.namedChildren.filter((x) => x !== null && x.type !== 'comment').length);
    }
  }
  return (name) => found.get(name);
}

/** The C function definitions of one file by name. */
export function functionDefs(root: Node): Map<string, Node> {
  const defs = new Map<string, Node>();
  for (const d of root.namedChildren) {
    if (d?.type !== 'function_definition') continue;
    const name = functionName(d);
    if (name) defs.set(name, d);
  }
  return defs;
}

/** `vmstate_x.version_id` lookups over the model's VMSDs: the one in `file` first, else the only one of that name. */
export function vmsdVersions(model: ExtractedModel, file: string): (cname: string) => number | undefined {
  return (cname) => {
    const all = model.vmsds.filter((v) => v.cname === cname);
    return (all.find((v) => v.at.file === file) ?? (all.length === 1 ? all[0] : undefined))?.version_id;
  };
}

/** A QOM child's member, from the `object_initialize_child(obj, "NAME", &x->MEMBER, …)` calls of a unit's text. */
export function childMembers(text: string): (child: string) => string | undefined {
  const found = new Map<string, string>();
  for (const m of text.matchAll(/object_initialize_child\s*\(\s*[^,]+,\s*"([^"]+)"\s*,\s*&\s*\w+\s*->\s*([\w.]+)\s*,/g)) {
    if (!found.has(m[1]!)) found.set(m[1]!, m[2]!);
  }
  return (child) => found.get(child);
}

export async function translatePredicates(model: ExtractedModel, source: SourceTree): Promise<Record<string, TranslatedFn>> {
  const wanted = new Map<string, Set<string>>();
  const want = (file: string, name: string | null) => {
    if (!name || name === 'NULL') return;
    const s = wanted.get(file) ?? new Set();
    s.add(name);
    wanted.set(file, s);
  };
  for (const v of model.vmsds) {
    want(v.at.file, v.hooks.needed ?? null);
    for (const f of v.fields ?? []) want(v.at.file, f.field_exists);
  }
  const out: Record<string, TranslatedFn> = {};
  for (const [file, names] of wanted) {
    let ctx: UnitContext;
    try {
      ctx = source.context(source.unit(file));
    } catch (e) {
      for (const n of names) out[`${file}#${n}`] = { ok: false, reason: `${file} could not be preprocessed: ${(e as Error).message}`, at: null };
      continue;
    }
    const tree = await parseC(ctx.unit.text);
    const lookups: TranslateLookups = { vmsdVersion: vmsdVersions(model, file), childMember: childMembers(ctx.unit.text) };
    lookups.arrayLength = arrayLengths(tree.rootNode);
    try {
      const defs = functionDefs(tree.rootNode);
      for (const n of names) {
        const def = defs.get(n);
        if (!def) {
          out[`${file}#${n}`] = { ok: false, reason: `${n} is not defined in ${file} (a header or another file)`, at: null };
          continue;
        }
        const at = { file, line: def.startPosition.row + 1 };
        out[`${file}#${n}`] = await attempt(at, async () => ({ expr: await translateFunction(def, ctx, { ...lookups, defs }) }));
      }
    } finally {
      tree.delete();
    }
  }
  return out;
}

export function functionName(def: Node): string | null {
  let d = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  return d?.childForFieldName('declarator')?.text ?? null;
}

export function paramNames(def: Node): string[] {
  let d = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  const list = d?.childForFieldName('parameters');
  return (list?.namedChildren ?? []).map((p) => {
    let x = p?.childForFieldName('declarator') ?? null;
    while (x && x.type !== 'identifier') x = x.childForFieldName('declarator');
    return x?.text ?? '';
  });
}

/**
 * Translates one C function (its parameters: the opaque, then the version
 * for a field test). `lookups.defs`: the functions of the same file, so that
 * a call to one of them with the state (`!other_needed(opaque)`) is that
 * function's translation with its parameters bound to the call's arguments.
 */
export async function translateFunction(def: Node, ctx: UnitContext | null, lookups: TranslateLookups = {}): Promise<Expr> {
  const scope = new Map<string, Binding>();
  const [opaque, version] = paramNames(def);
  if (opaque) scope.set(opaque, { kind: 'self', prefix: [] });
  if (version) scope.set(version, { kind: 'version' });
  return bodyExpr(def, ctx, scope, lookups, 0);
}

async function bodyExpr(def: Node, ctx: UnitContext | null, scope: Map<string, Binding>, lookups: TranslateLookups, depth: number): Promise<Expr> {
  const body = def.childForFieldName('body');
  if (!body) no('no body');
  const t = new Translator(ctx, scope, lookups, depth);
  const e = await t.block(body!.namedChildren.filter((n): n is Node => n !== null && n.type !== 'comment'), 0);
  if (!e) no('the function can end without returning');
  return e!;
}

const QOM_CAST = /^[A-Z][A-Z0-9_]*$/;

export class Translator {
  constructor(
    readonly ctx: UnitContext | null,
    readonly scope: Map<string, Binding>,
    readonly lookups: TranslateLookups = {},
    readonly depth = 0,
  ) {}

  /** The same translator over a copy of the scope (a branch's own locals). */
  fork(): Translator {
    return new Translator(this.ctx, new Map(this.scope), this.lookups, this.depth);
  }

  /** `local = e;` / `local op= e;` for a local value or the version parameter: rebinds it; false for anything else. */
  async localAssignment(s: Node): Promise<boolean> {
    const a = s.namedChildren.find((n) => n !== null && n.type !== 'comment');
    if (!a || a.type !== 'assignment_expression') return false;
    const left = unparen(a.childForFieldName('left')!);
    if (left.type !== 'identifier') return false;
    const b = this.scope.get(left.text);
    if (!b || (b.kind !== 'value' && b.kind !== 'version')) return false;
    const op = a.childForFieldName('operator')!.text;
    const right = await this.expr(a.childForFieldName('right')!);
    const cur: Expr = b.kind === 'version' ? { k: 'version' } : b.e;
    this.scope.set(left.text, { kind: 'value', e: op === '=' ? right : { k: 'bin', op: op.slice(0, -1), l: cur, r: right } });
    return true;
  }

  /** Statements from `i` on, as one expression; null when they fall off the end. */
  async block(stmts: Node[], i: number): Promise<Expr | null> {
    if (i >= stmts.length) return null;
    const s = stmts[i]!;
    switch (s.type) {
      case 'declaration':
        await this.declaration(s);
        return this.block(stmts, i + 1);
      case 'return_statement': {
        const v = s.namedChildren.find((n) => n && n.type !== 'comment');
        if (!v) no('a bare return');
        return this.expr(v!);
      }
      case 'if_statement': {
        // each branch goes on with what follows the if when it does not return (in its own copy of the locals)
        const c = await this.expr(unparen(s.childForFieldName('condition')!));
        const rest = stmts.slice(i + 1);
        const thenE = await this.fork().block([...stmtsOf(s.childForFieldName('consequence')!), ...rest], 0);
        const alt = s.childForFieldName('alternative');
        const altStmts = alt ? stmtsOf(alt.type === 'else_clause' ? alt.namedChildren.find((n) => n !== null)! : alt) : [];
        const elseE = await this.fork().block([...altStmts, ...rest], 0);
        if (!thenE || !elseE) no('the function can end without returning');
        return { k: 'cond', c, a: thenE!, b: elseE! };
      }
      case 'compound_statement':
        return this.block([...stmtsOf(s), ...stmts.slice(i + 1)], 0);
      case 'expression_statement':
        if (s.text.trim() === ';') return this.block(stmts, i + 1);
        if (await this.localAssignment(s)) return this.block(stmts, i + 1);
        return no(`a statement with effects: '${s.text.slice(0, 60)}'`);
      default:
        return no(`a ${s.type.replace(/_/g, ' ')} (line ${s.startPosition.row + 1})`);
    }
  }

  async declaration(d: Node): Promise<void> {
    for (const c of d.namedChildren) {
      if (!c || c.type !== 'init_declarator') continue;
      let x = c.childForFieldName('declarator');
      while (x && x.type !== 'identifier') x = x.childForFieldName('declarator');
      const name = x?.text;
      const v = c.childForFieldName('value');
      if (!name || !v) continue;
      const alias = this.alias(v);
      if (alias) this.scope.set(name, alias);
      else this.scope.set(name, { kind: 'value', e: await this.expr(v) });
    }
  }

  /** `opaque`, `(T *)opaque`, `CAST(opaque)`, `container_of(opaque, T, m)`, `&s->sub`: a pointer into the state. */
  private alias(v: Node): Binding | null {
    v = unparen(v);
    if (v.type === 'identifier') {
      const b = this.scope.get(v.text);
      return b && b.kind !== 'value' && b.kind !== 'version' ? b : null;
    }
    if (v.type === 'cast_expression') return this.alias(v.childForFieldName('value')!);
    if (v.type === 'pointer_expression' && v.child(0)?.text === '&') {
      const p = this.path(v.childForFieldName('argument')!);
      return p ? { kind: p.root, prefix: p.path } : null;
    }
    if (v.type === 'call_expression') {
      const fn = v.childForFieldName('function')?.text ?? '';
      const args = (v.childForFieldName('arguments')?.namedChildren ?? []).filter((n): n is Node => n !== null);
      if (fn === 'container_of' && args[0]) {
        const b = this.alias(args[0]);
        return b ? { kind: 'device', prefix: [] } : null;
      }
      if (QOM_CAST.test(fn) && args.length === 1) return this.alias(args[0]!);
      if (fn === 'object_resolve_path_component' && args.length === 2 && args[1]!.type === 'string_literal') {
        // a QOM child of the object by name: the member the unit embeds it at
        const b = this.alias(args[0]!);
        const child = args[1]!.text.slice(1, -1);
        const member = this.lookups.childMember?.(child);
        return b && b.kind !== 'value' && b.kind !== 'version' && member ? { kind: b.kind, prefix: [...b.prefix, ...member.split('.')] } : null;
      }
    }
    return null;
  }

  /** A member access as a root and a path (`s->a.b[2]` → self, [a, b, 2]). */
  path(n: Node): { root: 'self' | 'device'; path: (string | number)[] } | null {
    n = unparen(n);
    if (n.type === 'identifier') {
      const b = this.scope.get(n.text);
      return b && (b.kind === 'self' || b.kind === 'device') ? { root: b.kind, path: [...b.prefix] } : null;
    }
    if (n.type === 'field_expression') {
      const base = this.path(n.childForFieldName('argument')!);
      const f = n.childForFieldName('field')?.text;
      return base && f ? { root: base.root, path: [...base.path, f] } : null;
    }
    if (n.type === 'call_expression') {
      const fn = n.childForFieldName('function')?.text ?? '';
      const args = (n.childForFieldName('arguments')?.namedChildren ?? []).filter((x): x is Node => x !== null);
      if (QOM_CAST.test(fn) && args.length === 1) return this.path(args[0]!);
    }
    if (n.type === 'cast_expression') return this.path(n.childForFieldName('value')!);
    return null;
  }

  /** `vmstate_x.version_id` / `.minimum_version_id`: a VMSD's own version, a constant. */
  private vmsdField(n: Node): number | undefined {
    const arg = unparen(n.childForFieldName('argument')!);
    const f = n.childForFieldName('field')?.text;
    if (arg.type !== 'identifier' || this.scope.has(arg.text) || f !== 'version_id' || n.child(1)?.text !== '.') return undefined;
    return this.lookups.vmsdVersion?.(arg.text);
  }

  async expr(n: Node): Promise<Expr> {
    n = unparen(n);
    switch (n.type) {
      case 'number_literal':
      case 'char_literal':
        return this.constant(n);
      case 'true':
        return { k: 'int', v: '1' };
      case 'false':
      case 'null':
        return { k: 'int', v: '0' };
      case 'identifier': {
        const b = this.scope.get(n.text);
        if (b?.kind === 'version') return { k: 'version' };
        if (b?.kind === 'value') return b.e;
        if (b) return { k: 'member', root: b.kind, path: [...b.prefix] };
        return this.constant(n);
      }
      case 'field_expression':
      case 'subscript_expression': {
        if (n.type === 'subscript_expression') {
          const base = this.path(n.childForFieldName('argument')!);
          const idx = await this.expr(n.childForFieldName('index')!);
          if (!base) no(`'${n.text}' is not a member of the state`);
          if (idx.k !== 'int') no(`'${n.text}': an index that is not a constant`);
          return { k: 'member', root: base!.root, path: [...base!.path, Number(idx.k === 'int' ? idx.v : 0)] };
        }
        const p = this.path(n);
        if (!p) {
          const v = this.vmsdField(n);
          if (v !== undefined) return { k: 'int', v: String(v) };
          no(`'${n.text}' is not a member of the state`);
        }
        return { k: 'member', ...p! };
      }
      case 'pointer_expression': {
        if (n.child(0)?.text === '&') {
          const p = this.path(n.childForFieldName('argument')!);
          if (p) return { k: 'member', ...p };
        }
        return no(`'${n.text}': a pointer dereference`);
      }
      case 'unary_expression': {
        const op = n.child(0)!.text;
        const e = await this.expr(n.childForFieldName('argument')!);
        if (!['!', '~', '-', '+'].includes(op)) no(`operator ${op}`);
        return { k: 'un', op, e };
      }
      case 'binary_expression': {
        const op = n.childForFieldName('operator')!.text;
        const l = await this.expr(n.childForFieldName('left')!);
        const r = await this.expr(n.childForFieldName('right')!);
        return { k: 'bin', op, l, r };
      }
      case 'conditional_expression': {
        const c = await this.expr(n.childForFieldName('condition')!);
        const a = await this.expr(n.childForFieldName('consequence')!);
        const b = await this.expr(n.childForFieldName('alternative')!);
        return { k: 'cond', c, a, b };
      }
      case 'cast_expression': {
        const type = n.childForFieldName('type')?.text ?? '';
        const e = await this.expr(n.childForFieldName('value')!);
        return /^(bool|_Bool)$/.test(type) ? { k: 'un', op: '!', e: { k: 'un', op: '!', e } } : e;
      }
      case 'call_expression':
        return this.call(n);
    }
    return no(`a ${n.type.replace(/_/g, ' ')}: '${n.text.slice(0, 60)}'`);
  }

  private async call(n: Node): Promise<Expr> {
    const fn = n.childForFieldName('function')?.text ?? '';
    const args = (n.childForFieldName('arguments')?.namedChildren ?? []).filter((x): x is Node => x !== null && x.type !== 'comment');
    if (QOM_CAST.test(fn) && args.length === 1 && this.path(args[0]!)) return this.expr(args[0]!);
    if (fn === 'ARRAY_SIZE' && args.length === 1 && args[0]!.type === 'identifier' && !this.scope.has(args[0]!.text)) {
      const n = this.lookups.arrayLength?.(args[0]!.text);
      if (n !== undefined) return { k: 'int', v: String(n) };
    }
    if (STATE_HELPERS.has(fn)) return { k: 'call', fn, args: await Promise.all(args.map((a) => this.expr(a))) };
    if (fn.startsWith('migrate_') && args.length === 0) return { k: 'input', name: `${fn}()` };
    if (INPUT_HELPERS.has(fn)) {
      // the device argument is the device; constant arguments (a feature bit) name the input
      const consts: string[] = [];
      for (const a of args.slice(1)) {
        const c = await this.expr(a).catch(() => null);
        consts.push(c?.k === 'int' ? c.v : a.text);
      }
      return { k: 'input', name: `${fn}(${consts.join(', ')})` };
    }
    const macro = this.ctx?.unit.macros.get(fn);
    if (macro && Array.isArray(macro.params)) return this.macroCall(n, fn);
    const def = this.lookups.defs?.get(fn);
    if (def) return this.inline(def, fn, args);
    return no(`a call to ${fn}()`);
  }

  /** The scope of a call to another function of the file: its parameters bound to the arguments (state pointers, the version, values). */
  async callScope(def: Node, fn: string, args: Node[]): Promise<Map<string, Binding>> {
    if (this.depth >= 4) return no(`a call to ${fn}() nested too deep`);
    const params = paramNames(def);
    if (params.length !== args.length) return no(`a call to ${fn}() with ${args.length} argument(s) for ${params.length} parameter(s)`);
    const scope = new Map<string, Binding>();
    for (let k = 0; k < params.length; k++) {
      const a = unparen(args[k]!);
      const bound = a.type === 'identifier' ? this.scope.get(a.text) : undefined;
      const b = this.alias(args[k]!) ?? (bound?.kind === 'version' ? bound : { kind: 'value' as const, e: await this.expr(args[k]!) });
      if (params[k]) scope.set(params[k]!, b);
    }
    return scope;
  }

  /** A call to another function of the file: its body, with its parameters bound to the arguments. */
  private async inline(def: Node, fn: string, args: Node[]): Promise<Expr> {
    const scope = await this.callScope(def, fn, args);
    try {
      return await bodyExpr(def, this.ctx, scope, this.lookups, this.depth + 1);
    } catch (e) {
      if (e instanceof Untranslatable) return no(`a call to ${fn}(): ${e.message}`);
      throw e;
    }
  }

  /** A function-like macro of the unit's headers (`virtio_gpu_blob_enabled(cfg)`): its expansion, translated in the same scope. */
  private async macroCall(n: Node, fn: string): Promise<Expr> {
    let text: string;
    try {
      text = untokenize(this.ctx!.expand(n.text, n.startPosition.row + 1));
    } catch (e) {
      return no(`a call to macro ${fn}(): ${(e as Error).message}`);
    }
    if (this.macroDepth > 4) return no(`macro ${fn}() expands too deep`);
    const tree = await parseC(`int vmcompat_macro(void) { return (${text}); }`);
    try {
      const ret = tree.rootNode.descendantsOfType('return_statement')[0];
      const e = ret?.namedChildren.find((x) => x !== null && x.type !== 'comment');
      if (!e || tree.rootNode.hasError) return no(`macro ${fn}() expands to '${text.slice(0, 60)}', not an expression`);
      this.macroDepth++;
      try {
        return await this.expr(e);
      } finally {
        this.macroDepth--;
      }
    } finally {
      tree.delete();
    }
  }

  private macroDepth = 0;

  /** A constant: a literal, or a macro / enum constant evaluated in the unit. */
  private async constant(n: Node): Promise<Expr> {
    if (!this.ctx) {
      const lit = /^(-?)(0x[0-9a-f]+|\d+)[ul]*$/i.exec(n.text);
      if (n.type === 'number_literal' && lit) return { k: 'int', v: (BigInt(lit[2]!) * (lit[1] ? -1n : 1n)).toString() };
      return no(`'${n.text}' (no unit to evaluate it in)`);
    }
    let toks;
    try {
      toks = this.ctx.expand(n.text, n.startPosition.row + 1);
    } catch (e) {
      return no(`'${n.text}': ${(e as Error).message}`);
    }
    const r = await this.ctx.evaluate(toks);
    if (!r.ok) return no(`'${n.text}' is not a constant (${r.reason})`);
    if (r.value.kind !== 'int') return no(`'${n.text}' is a string`);
    return { k: 'int', v: r.value.v.toString() };
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
