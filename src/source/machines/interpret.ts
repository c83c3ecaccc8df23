import type { Node } from 'web-tree-sitter';
import type { UnitContext, Unresolved } from '../props/context.js';
import { tokenize, type Token } from '../props/tokens.js';

/**
 * A straight-line reading of the C functions that set up machine classes
 * and register types: statements in order, calls into the unit's own
 * functions followed with their parameters bound, `if` taken when its
 * condition is a constant (the version tests of MACHINE_VER_* are), `do
 * { } while (0)` entered once, `return` ends the function. What the
 * caller cares about (a compat_props_add, a field store, a
 * type_register_static) comes back through the hooks; any other call is
 * a no-op. A condition it cannot decide is reported and its branch skipped.
 */
export interface Hooks {
  /** A call to a function the unit does not define (or any call the hook claims). True when handled. */
  call?(name: string, args: Node[], env: Env, at: Node): Promise<boolean> | boolean;
  /** `x->field = value` where x is bound in env. */
  store?(variable: Binding, field: string, value: Node, env: Env, at: Node): Promise<void> | void;
  /** A block-scope declaration with an initialiser list (`static GlobalProperty compat[] = { … }`). */
  declare?(decl: Node, env: Env): Promise<void> | void;
}

/** What a variable stands for: the object under construction, seen through a C type. */
export interface Binding {
  type: string;
}

export type Env = Map<string, Binding>;

export class Interpreter {
  readonly unresolved: Unresolved[] = [];
  private readonly functions = new Map<string, Node>();
  private depth = 0;

  constructor(
    readonly ctx: UnitContext,
    root: Node,
    private readonly hooks: Hooks,
  ) {
    for (const n of root.namedChildren) {
      if (n?.type !== 'function_definition') continue;
      const name = functionName(n);
      if (name) this.functions.set(name, n);
    }
  }

  has(fn: string): boolean {
    return this.functions.has(fn);
  }

  /** Runs `fn` with its parameters bound by position (`null` leaves one unbound). */
  async run(fn: string, args: (Binding | null)[]): Promise<void> {
    const def = this.functions.get(fn);
    if (!def) throw new Error(`no function ${fn} in ${this.ctx.unit.file}`);
    if (++this.depth > 200) throw new Error(`call chain from ${fn} is deeper than 200 (${this.ctx.unit.file})`);
    try {
      const env: Env = new Map();
      const params = def.childForFieldName('declarator')?.childForFieldName('parameters')?.namedChildren ?? [];
      params.forEach((p, i) => {
        const name = p ? declaredName(p) : null;
        const b = args[i];
        if (name && b) env.set(name, { type: p!.childForFieldName('type')?.text ?? b.type });
      });
      const body = def.childForFieldName('body');
      if (body) await this.block(body, env);
    } finally {
      this.depth--;
    }
  }

  private where(n: Node) {
    return { file: this.ctx.unit.file, line: n.startPosition.row + 1 };
  }

  /** Returns true when the statement returned. */
  private async block(n: Node, env: Env): Promise<boolean> {
    for (const s of n.namedChildren) if (s && (await this.statement(s, env))) return true;
    return false;
  }

  private async statement(s: Node, env: Env): Promise<boolean> {
    switch (s.type) {
      case 'compound_statement':
        return this.block(s, env);
      case 'return_statement':
        return true;
      case 'expression_statement': {
        const e = s.namedChildren[0];
        if (e) await this.expression(e, env);
        return false;
      }
      case 'declaration':
        await this.declaration(s, env);
        return false;
      case 'do_statement': {
        const c = await this.condition(s.childForFieldName('condition')!, env);
        if (c !== false) this.unresolved.push({ what: 'do … while loop', ...this.where(s), reason: 'only do { } while (0) is followed' });
        return this.statement(s.childForFieldName('body')!, env);
      }
      case 'if_statement': {
        const c = await this.condition(s.childForFieldName('condition')!, env);
        if (c === null) return false;
        if (c) return this.statement(s.childForFieldName('consequence')!, env);
        const alt = s.childForFieldName('alternative');
        const body = alt?.namedChildren[0];
        return body ? this.statement(body, env) : false;
      }
      case 'comment':
        return false;
      default:
        this.unresolved.push({ what: `${s.type} '${s.text.slice(0, 60)}'`, ...this.where(s), reason: 'statement kind not followed' });
        return false;
    }
  }

  private async declaration(d: Node, env: Env) {
    for (const decl of d.childrenForFieldName('declarator')) {
      if (decl?.type !== 'init_declarator') continue;
      const value = decl.childForFieldName('value');
      const name = declaredName(decl);
      if (value?.type === 'initializer_list') {
        await this.hooks.declare?.(d, env);
        continue;
      }
      // `PCMachineClass *pcmc = PC_MACHINE_CLASS(m);`: a QOM cast of a bound variable binds the new name
      if (name && value && this.boundArgument(value, env)) env.set(name, { type: d.childForFieldName('type')?.text ?? '?' });
    }
  }

  /** A bound variable, or a one-argument call (a QOM cast) of one. */
  private boundArgument(e: Node, env: Env): Binding | null {
    if (e.type === 'identifier') return env.get(e.text) ?? null;
    if (e.type === 'parenthesized_expression' && e.namedChildren[0]) return this.boundArgument(e.namedChildren[0], env);
    if (e.type === 'call_expression') {
      const args = e.childForFieldName('arguments')?.namedChildren ?? [];
      if (args.length === 1 && args[0]) return this.boundArgument(args[0], env);
    }
    return null;
  }

  private async expression(e: Node, env: Env) {
    if (e.type === 'call_expression') {
      const fn = e.childForFieldName('function');
      const args = (e.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
      if (fn?.type !== 'identifier') return;
      if (await this.hooks.call?.(fn.text, args, env, e)) return;
      if (this.functions.has(fn.text)) {
        const bound = args.map((a) => this.boundArgument(a, env));
        if (bound.some(Boolean)) await this.run(fn.text, bound);
      }
      return;
    }
    if (e.type === 'assignment_expression') {
      const left = e.childForFieldName('left');
      const right = e.childForFieldName('right');
      if (left?.type === 'field_expression' && right && e.childForFieldName('operator')?.text === '=') {
        const obj = left.childForFieldName('argument');
        const b = obj ? this.boundArgument(obj, env) : null;
        const field = left.childForFieldName('field')?.text;
        if (b && field) await this.hooks.store?.(b, field, right, env, e);
      }
      return;
    }
    if (e.type === 'comma_expression' || e.type === 'parenthesized_expression') {
      for (const c of e.namedChildren) if (c) await this.expression(c, env);
    }
  }

  /** A constant condition's truth, or null (reported) when it is not constant. */
  async condition(n: Node, env: Env): Promise<boolean | null> {
    const tokens = environmentFree(tokenize(n.text));
    const v = await this.ctx.evaluate(tokens);
    if (v.ok && v.value.kind === 'int') return v.value.v !== 0n;
    this.unresolved.push({ what: `condition ${n.text.slice(0, 80)}`, ...this.where(n), reason: v.ok ? 'not an integer' : v.reason });
    void env;
    return null;
  }
}

/**
 * `getenv("…")` reads as NULL: the extraction describes a binary run
 * without QEMU's opt-in variables (QEMU_DELETE_MACHINES).
 */
function environmentFree(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'id' && t.text === 'getenv' && tokens[i + 1]?.text === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < tokens.length; j++) {
        if (tokens[j]!.text === '(') depth++;
        else if (tokens[j]!.text === ')' && --depth === 0) break;
      }
      out.push({ kind: 'num', text: '0', space: t.space, line: t.line });
      i = j;
      continue;
    }
    out.push(t);
  }
  return out;
}

export function functionName(def: Node): string | null {
  let d = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  return d?.childForFieldName('declarator')?.text ?? null;
}

/** The identifier a (parameter, init) declarator declares, through pointers and arrays. */
export function declaredName(n: Node): string | null {
  let d: Node | null = n.childForFieldName('declarator');
  while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
  return d?.text ?? null;
}
