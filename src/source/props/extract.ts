import type { Node } from 'web-tree-sitter';
import type { PropType, PropValue } from '../../machine/types.js';
import { parseC } from '../parse.js';
import { bareName, parseInitializer, SourceTree, type Unresolved, type UnitContext, type Where } from './context.js';
import { MacroError } from './macros.js';
import { sourceFiles } from './files.js';
import { splitTopLevel, untokenize, type Token } from './tokens.js';

/**
 * `Property` arrays (`static Property x_properties[] = { DEFINE_PROP_…,
 * … }`, and 10.x's `const Property x[]` without END_OF_LIST): every entry
 * is expanded with the unit's own DEFINE_PROP_* definitions down to the
 * designated initialiser the headers build, and read from there (name,
 * PropertyInfo, member from offsetof, bit number, default). Nothing here
 * knows the DEFINE_PROP_* family beyond what the headers say.
 */
export interface PropertyRecord extends Where {
  name: string;
  /** The PropertyInfo (`qdev_prop_uint32`, `qdev_prop_bit`, `qdev_prop_netdev` …). */
  info: string;
  /** The engine's type, when the PropertyInfo has one. */
  type: PropType | null;
  /** The default QEMU sets (`set_default`), in the engine's representation; null when the property sets none. */
  default: PropValue | null;
  /** The state struct (`offsetof(S, member)`) and member path. */
  struct: string;
  member: string;
  /** Bit number of a bit property (qdev_prop_bit, qdev_prop_bit64). */
  bit?: number;
}

export interface PropertyArray extends Where {
  name: string;
  props: PropertyRecord[];
}

export interface PropertyExtraction {
  /** Arrays by C name; a name used by several files (static arrays) maps to each of them. */
  arrays: Map<string, PropertyArray[]>;
  unresolved: Unresolved[];
  files: number;
}

/** PropertyInfo → engine type. Bit properties are booleans over a bit of an integer member. */
export const PROPERTY_INFO_TYPES: Record<string, PropType> = {
  qdev_prop_bit: 'bool',
  qdev_prop_bit64: 'bool',
  qdev_prop_bool: 'bool',
  qdev_prop_uint8: 'uint8',
  qdev_prop_uint16: 'uint16',
  qdev_prop_uint32: 'uint32',
  qdev_prop_int32: 'int32',
  qdev_prop_uint64: 'uint64',
  qdev_prop_uint64_checkmask: 'uint64',
  qdev_prop_size: 'uint64',
  qdev_prop_usize: 'uint64',
  qdev_prop_size32: 'uint32',
  qdev_prop_string: 'string',
  qdev_prop_on_off_auto: 'onoffauto',
  qdev_prop_pci_devfn: 'int32',
};

const PROPERTY_ARRAY = /\bProperty\s+\w+\s*\[/;

export async function extractPropertyArrays(root: string, opts: { files?: string[]; source?: SourceTree } = {}): Promise<PropertyExtraction> {
  const source = opts.source ?? new SourceTree(root);
  const files = opts.files ?? sourceFiles(root, PROPERTY_ARRAY);
  const out: PropertyExtraction = { arrays: new Map(), unresolved: [], files: 0 };
  for (const f of files) {
    const unit = source.unit(f);
    if (!PROPERTY_ARRAY.test(unit.text)) continue;
    out.files++;
    const r = await propertyArraysOfUnit(source.context(unit));
    for (const a of r.arrays) {
      const list = out.arrays.get(a.name) ?? [];
      list.push(a);
      out.arrays.set(a.name, list);
    }
    out.unresolved.push(...r.unresolved);
  }
  return out;
}

/** The arrays of one preprocessed unit. */
export async function propertyArraysOfUnit(ctx: UnitContext): Promise<{ arrays: PropertyArray[]; unresolved: Unresolved[] }> {
  const file = ctx.unit.file;
  const arrays: PropertyArray[] = [];
  const unresolved: Unresolved[] = [];
  const tree = await parseC(ctx.unit.text);
  try {
    for (const { name, list } of arrayDeclarations(tree.rootNode, 'Property')) {
      const line = list.startPosition.row + 1;
      const array: PropertyArray = { name, file, line, props: [] };
      let items: Token[][];
      try {
        items = splitTopLevel(ctx.expand(list.text, line).slice(1, -1));
      } catch (e) {
        unresolved.push({ what: `Property ${name}[]`, file, line, reason: e instanceof MacroError ? e.message : String(e) });
        continue;
      }
      for (const item of items) {
        if (item.length === 0) continue;
        const at = item[0]!.line ?? line;
        const r = await propertyOf(ctx, item);
        if (r === 'end') continue;
        if ('reason' in r) unresolved.push({ what: `${name}[] entry '${untokenize(item).slice(0, 80)}'`, file, line: at, reason: r.reason });
        else array.props.push({ ...r, file, line: at });
      }
      arrays.push(array);
    }
    // what the grammar could not see as a declaration is reported, not lost
    const seen = new Set(arrays.map((a) => a.name));
    for (const m of ctx.unit.text.matchAll(/\bProperty\s+([A-Za-z_]\w*)\s*\[\s*\]\s*=/g)) {
      if (seen.has(m[1]!) || unresolved.some((u) => u.what === `Property ${m[1]}[]`)) continue;
      const line = ctx.unit.text.slice(0, m.index).split('\n').length;
      unresolved.push({ what: `Property ${m[1]}[]`, file, line, reason: 'not parsed as a declaration with an initialiser list' });
    }
  } finally {
    tree.delete();
  }
  return { arrays, unresolved };
}

/**
 * File-scope declarations `T name[] = { … }` of element type `typeName`
 * (an array declared inside a function is left to the caller's textual
 * cross-check, which reports it).
 */
export function arrayDeclarations(root: Node, typeName: string): { name: string; list: Node; decl: Node }[] {
  return root.namedChildren.flatMap((decl) => (decl ? declaredArrays(decl, typeName) : []));
}

/** The arrays one declaration defines with an initialiser list, when its element type is `typeName`. */
export function declaredArrays(decl: Node, typeName: string): { name: string; list: Node; decl: Node }[] {
  const out: { name: string; list: Node; decl: Node }[] = [];
  if (decl.type !== 'declaration' || decl.childForFieldName('type')?.text !== typeName) return out;
  for (const d of decl.childrenForFieldName('declarator')) {
    if (d?.type !== 'init_declarator') continue;
    const target = d.childForFieldName('declarator');
    const value = d.childForFieldName('value');
    if (target?.type !== 'array_declarator' || value?.type !== 'initializer_list') continue;
    const name = target.childForFieldName('declarator')?.text;
    if (name) out.push({ name, list: value, decl });
  }
  return out;
}

type PropertyBody = Omit<PropertyRecord, 'file' | 'line'>;

async function propertyOf(ctx: UnitContext, item: Token[]): Promise<PropertyBody | 'end' | { reason: string }> {
  const init = parseInitializer(item);
  if (!init) return { reason: 'not a brace initialiser after expansion' };
  if (init.positional.length > 0) return { reason: 'positional Property initialiser' };
  const nameTokens = init.designated.get('name');
  if (!nameTokens) return 'end';
  const name = await ctx.string(nameTokens);
  if (!name.ok) return { reason: `name: ${name.reason}` };
  const info = bareName(init.designated.get('info') ?? []);
  if (!info) return { reason: `property '${name.value}': no PropertyInfo` };
  // a property with accessors only (pci's `busnr`) has no offset and no member
  const offset = init.designated.get('offset');
  let struct = '';
  let member = '';
  if (offset) {
    const k = offset.findIndex((t) => t.text === 'offsetof');
    const args = k < 0 ? [] : splitTopLevel(parenContents(offset, k + 1));
    if (args.length !== 2) return { reason: `property '${name.value}': .offset is not offsetof(struct, member)` };
    struct = untokenize(args[0]!);
    member = untokenize(args[1]!).replace(/\s+/g, '');
  }
  const type = PROPERTY_INFO_TYPES[info] ?? null;
  const record: PropertyBody = { name: name.value, info, type, default: null, struct, member };
  const bitTokens = init.designated.get('bitnr');
  if (bitTokens) {
    const b = await ctx.evaluate(bitTokens);
    if (!b.ok || b.value.kind !== 'int') return { reason: `property '${name.value}': bit number: ${b.ok ? 'not an integer' : b.reason}` };
    record.bit = Number(b.value.v);
  }
  const set = init.designated.get('set_default');
  if (set && untokenize(set) !== 'false') {
    const expr = init.designated.get('defval.u') ?? init.designated.get('defval.i');
    if (expr) {
      const v = await ctx.evaluate(expr);
      if (!v.ok) return { reason: `property '${name.value}': default '${untokenize(expr)}': ${v.reason}` };
      if (v.value.kind !== 'int') return { reason: `property '${name.value}': default is not an integer` };
      const d = engineDefault(ctx, type, v.value.v, init.designated.has('defval.i'));
      if (typeof d === 'object' && d !== null && 'reason' in d) return { reason: `property '${name.value}': ${d.reason}` };
      record.default = d as PropValue;
    }
  }
  return record;
}

function parenContents(tokens: readonly Token[], open: number): Token[] {
  if (tokens[open]?.text !== '(') return [];
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) return tokens.slice(open + 1, i);
  }
  return [];
}

/** QEMU's stored default (defval.u / defval.i) as the engine's value of the property's type. */
function engineDefault(ctx: UnitContext, type: PropType | null, v: bigint, signed: boolean): PropValue | { reason: string } {
  switch (type) {
    case 'bool':
      return v !== 0n;
    case 'uint64':
      return BigInt.asUintN(64, v);
    case 'onoffauto': {
      const e = ctx.source.qapi.enums.get('OnOffAuto');
      const m = e?.members[Number(v)];
      return m ?? { reason: `OnOffAuto value ${v} outside the schema's members` };
    }
    case 'string':
      return { reason: 'a string property with an integer default' };
    case null:
      // an enum or other PropertyInfo: keep the stored integer
      return signed ? Number(BigInt.asIntN(64, v)) : Number(v);
    default:
      return Number(type === 'int32' ? BigInt.asIntN(32, v) : v);
  }
}
