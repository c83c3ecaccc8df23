import type { Node } from 'web-tree-sitter';
import { keywordType, SYSTEM_TYPES, type CType, type Member, type RecordDef } from './ctypes.js';
import { lex, type Tok } from './lex.js';

/**
 * The struct/union/enum/typedef index of a tree, read from tree-sitter's
 * parse of each file's active text (after #if). Names can repeat across
 * files (two devices' `State`), so each entry keeps its file and a lookup
 * prefers the asking file, then the headers it includes, then a unique one.
 */

export interface Located<T> {
  file: string;
  line: number;
  value: T;
}

interface EnumDef {
  file: string;
  names: string[];
  exprs: (Tok[] | null)[];
  values: (number | undefined)[];
}

export interface IndexLookupCtx {
  file: string;
  includes: ReadonlySet<string>;
}

export class TypeIndex {
  readonly records = new Map<string, Located<RecordDef>[]>();
  readonly typedefs = new Map<string, Located<CType>[]>();
  readonly enumerators = new Map<string, Located<{ def: EnumDef; idx: number }>[]>();
  readonly variables = new Map<string, Located<CType>[]>();
  private readonly indexed = new Set<string>();

  has(file: string): boolean {
    return this.indexed.has(file);
  }

  /** Indexes one parsed file (its root node). */
  add(file: string, root: Node): void {
    this.indexed.add(file);
    const walk = (n: Node, top: boolean) => {
      switch (n.type) {
        case 'type_definition': {
          const typeNode = n.childForFieldName('type');
          if (!typeNode) break;
          const base = this.typeFromSpecifier(typeNode, file);
          for (const d of n.childrenForFieldName('declarator')) {
            if (!d) continue;
            const r = this.declarator(d, base);
            if (r?.name) push(this.typedefs, r.name, { file, line: d.startPosition.row + 1, value: r.type });
          }
          return;
        }
        case 'struct_specifier':
        case 'union_specifier':
        case 'enum_specifier':
          this.typeFromSpecifier(n, file);
          return;
        case 'declaration': {
          const typeNode = n.childForFieldName('type');
          if (!typeNode) break;
          const base = this.typeFromSpecifier(typeNode, file);
          if (!top) return;
          for (const d of n.childrenForFieldName('declarator')) {
            if (!d) continue;
            const decl = d.type === 'init_declarator' ? d.childForFieldName('declarator') : d;
            const r = decl && this.declarator(decl, base);
            if (!r?.name) continue;
            let type = r.type;
            // `x[] = { … }`: the initializer gives the length
            if (type.k === 'array' && type.n === null && d.type === 'init_declarator') {
              const v = d.childForFieldName('value');
              if (v?.type === 'initializer_list') type = { ...type, n: v.namedChildren.filter((c) => c && c.type !== 'comment').length };
            }
            push(this.variables, r.name, { file, line: d.startPosition.row + 1, value: type });
          }
          return;
        }
        case 'function_definition':
          return;
        default:
          break;
      }
      for (const c of n.namedChildren) if (c) walk(c, top && (n.type === 'translation_unit' || n.type === 'ERROR' || n.type === 'linkage_specification' || n.type === 'declaration_list'));
    };
    walk(root, true);
  }

  /** The CType a type specifier names; a specifier with a body registers its record or enum. */
  private typeFromSpecifier(n: Node, file: string): CType {
    switch (n.type) {
      case 'primitive_type': {
        const kw = keywordType([n.text]);
        if (kw) return kw;
        return SYSTEM_TYPES[n.text] ? { k: 'named', name: n.text } : { k: 'named', name: n.text };
      }
      case 'sized_type_specifier': {
        const words = n.text.split(/\s+/);
        return keywordType(words) ?? { k: 'int', size: 4, signed: true };
      }
      case 'type_identifier':
        return { k: 'named', name: n.text };
      case 'struct_specifier':
      case 'union_specifier': {
        const union = n.type === 'union_specifier';
        const tag = n.childForFieldName('name')?.text ?? null;
        const body = n.childForFieldName('body');
        if (!body) return { k: 'record', tag, union, def: null };
        const head = n.text.slice(0, n.text.indexOf('{'));
        const par = n.parent;
        const after = par ? par.text.slice(n.endIndex - par.startIndex).split(';')[0]! : '';
        const packed = /QEMU_PACKED|\bpacked\b|__packed__/.test(head) || /\bpacked\b|__packed__|QEMU_PACKED/.test(after);
        const def: RecordDef = { tag, union, members: this.members(body, file), file, line: n.startPosition.row + 1, packed };
        if (tag) push(this.records, `${union ? 'union' : 'struct'} ${tag}`, { file, line: def.line, value: def });
        return { k: 'record', tag, union, def };
      }
      case 'enum_specifier': {
        const body = n.childForFieldName('body');
        if (body) {
          const def: EnumDef = { file, names: [], exprs: [], values: [] };
          for (const e of body.namedChildren) {
            if (!e || e.type !== 'enumerator') continue;
            const name = e.childForFieldName('name')?.text;
            if (!name) continue;
            const v = e.childForFieldName('value');
            def.exprs.push(v ? lex(v.text, v.startPosition.row + 1) : null);
            push(this.enumerators, name, { file, line: e.startPosition.row + 1, value: { def, idx: def.names.length } });
            def.names.push(name);
          }
        }
        return { k: 'enum' };
      }
      case 'macro_type_specifier':
        return { k: 'named', name: n.text };
      default:
        return { k: 'named', name: n.text };
    }
  }

  private members(body: Node, file: string): Member[] {
    const out: Member[] = [];
    for (const f of body.namedChildren) {
      if (!f || f.type !== 'field_declaration') continue;
      const typeNode = f.childForFieldName('type');
      if (!typeNode) continue;
      const base = this.typeFromSpecifier(typeNode, file);
      const decls = f.childrenForFieldName('declarator').filter((d): d is Node => d !== null);
      const bitsNode = f.namedChildren.find((c) => c?.type === 'bitfield_clause');
      const bits = bitsNode ? lex(bitsNode.text.replace(/^\s*:/, ''), bitsNode.startPosition.row + 1) : undefined;
      if (!decls.length) {
        // an anonymous struct/union member, or an unnamed bit-field
        if (bits) out.push({ name: '', type: base, bits });
        else if (base.k === 'record') out.push({ name: null, type: base });
        continue;
      }
      for (const d of decls) {
        const r = this.declarator(d, base);
        if (r) out.push(bits ? { name: r.name, type: r.type, bits } : { name: r.name, type: r.type });
      }
    }
    return out;
  }

  private declarator(d: Node, base: CType): { name: string; type: CType } | null {
    switch (d.type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
        return { name: d.text, type: base };
      case 'pointer_declarator': {
        const inner = d.childForFieldName('declarator');
        return inner ? this.declarator(inner, { k: 'ptr', to: base }) : null;
      }
      case 'array_declarator': {
        const inner = d.childForFieldName('declarator');
        const size = d.childForFieldName('size');
        const n: CType & { k: 'array' } = { k: 'array', of: base, n: size ? lex(size.text, size.startPosition.row + 1) : null };
        if (size && /^\d+$/.test(size.text)) n.n = Number(size.text);
        return inner ? this.declarator(inner, n) : null;
      }
      case 'function_declarator': {
        const inner = d.childForFieldName('declarator');
        return inner ? this.declarator(inner, { k: 'fn' }) : null;
      }
      case 'parenthesized_declarator':
      case 'attributed_declarator':
      case 'init_declarator': {
        const inner = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c && c.type !== 'attribute_specifier') ?? null;
        return inner ? this.declarator(inner, base) : null;
      }
      default:
        return null;
    }
  }

  /** Enumerators a macro made (see scan.ts macroMadeEnums). */
  addEnum(file: string, names: string[], exprs: (Tok[] | null)[], line: number): void {
    const def: EnumDef = { file, names, exprs, values: [] };
    names.forEach((name, idx) => push(this.enumerators, name, { file, line, value: { def, idx } }));
  }

  pick<T>(list: Located<T>[] | undefined, ctx: IndexLookupCtx): Located<T> | undefined {
    if (!list || !list.length) return undefined;
    if (list.length === 1) return list[0];
    return list.find((e) => e.file === ctx.file) ?? list.find((e) => ctx.includes.has(e.file)) ?? list[0];
  }

  typedef(name: string, ctx: IndexLookupCtx): CType | undefined {
    const t = this.pick(this.typedefs.get(name), ctx)?.value;
    if (t) return t;
    if (SYSTEM_TYPES[name]) return SYSTEM_TYPES[name];
    // OBJECT_DECLARE_*_TYPE(Foo, …) typedefs `struct Foo` as Foo through a macro the parser does not expand
    if (this.records.has(`struct ${name}`)) return { k: 'record', tag: name, union: false, def: null };
    return undefined;
  }

  record(tag: string, union: boolean, ctx: IndexLookupCtx): RecordDef | undefined {
    return this.pick(this.records.get(`${union ? 'union' : 'struct'} ${tag}`), ctx)?.value;
  }

  /** An enumerator's value; `evalExpr` computes an explicit initialiser in the asking unit. */
  enumConst(name: string, ctx: IndexLookupCtx, evalExpr: (toks: Tok[]) => number): number | undefined {
    const e = this.pick(this.enumerators.get(name), ctx)?.value;
    if (!e) return undefined;
    const { def } = e;
    for (let k = 0; k <= e.idx; k++) {
      if (def.values[k] !== undefined) continue;
      const x = def.exprs[k];
      const prev = k === 0 ? -1 : def.values[k - 1];
      if (x) def.values[k] = evalExpr(x);
      else if (prev !== undefined) def.values[k] = prev + 1;
    }
    return def.values[e.idx];
  }

  variable(name: string, ctx: IndexLookupCtx): CType | undefined {
    const list = this.variables.get(name);
    return list?.find((e) => e.file === ctx.file)?.value ?? this.pick(list, ctx)?.value;
  }
}

function push<T>(m: Map<string, Located<T>[]>, k: string, v: Located<T>): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}
