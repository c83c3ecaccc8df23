import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { bareName, parseInitializer, SourceTree, type Unresolved, type UnitContext, type Where } from '../props/context.js';
import { treeVersion } from '../props/config.js';
import { arrayDeclarations, declaredArrays } from '../props/extract.js';
import { MacroError } from '../props/macros.js';
import { tokenize, untokenize } from '../props/tokens.js';
import { COMPAT_FILES, extractCompatArrays, globalProperties, type CompatArray, type SourcedEntry } from './compat-arrays.js';
import { expandedUnit } from './expanded.js';
import { declaredName, Interpreter, type Binding } from './interpret.js';

/**
 * Machine types from a tree's board files: the board file is expanded as
 * the compiler would (so each DEFINE_*_MACHINE form, old or new, becomes
 * the TypeInfo, class_init and registration it generates), the QOM
 * registration functions are followed to the TypeInfos they register,
 * and each machine's class_init is read statement by statement: the
 * options functions it calls (each calling the next newer version's
 * first), the compat arrays they add, in order, and the class fields they
 * set. The result is the machine's compat list exactly as QEMU builds
 * `mc->compat_props`.
 */
export interface MachineSource extends Where {
  /** The compat array added (`hw_compat_8_2`) and where it is defined. */
  array: string;
  defined: Where;
}

export interface FieldValue extends Where {
  value: string | number | boolean | null;
  /** The C expression when the value is not a constant. */
  expr?: string;
}

export interface ExtractedMachine extends Where {
  /** `pc-q35-9.2` (the QOM type name without `-machine`). */
  name: string;
  typeName: string;
  parent: string;
  /** `mc->compat_props` in application order (the last match wins). */
  compat: SourcedEntry[];
  /** The compat_props_add calls that built it, in order, with their call sites. */
  sources: MachineSource[];
  /** Class fields the options functions set (`MachineClass.max_cpus`, `PCMachineClass.pvh_enabled`): the last store wins. */
  fields: Record<string, FieldValue>;
  alias: string | null;
  isDefault: boolean;
  deprecated: boolean;
}

export interface MachineExtraction {
  /** The tree's VERSION (`10.0.2`). */
  version: string;
  root: string;
  machines: ExtractedMachine[];
  /** Every GlobalProperty array read, by C name, with each entry's file:line. */
  compatArrays: Record<string, SourcedEntry[]>;
  unresolved: Unresolved[];
}

/** x86_64's board files (those absent from a tree are skipped). */
export const BOARD_FILES = ['hw/i386/pc_q35.c', 'hw/i386/pc_piix.c', 'hw/i386/isapc.c', 'hw/i386/microvm.c', 'hw/core/null-machine.c', 'hw/remote/machine.c'];

export async function extractMachines(root: string, opts: { boardFiles?: string[]; compatFiles?: string[]; source?: SourceTree } = {}): Promise<MachineExtraction> {
  const version = treeVersion(root).text;
  const source = opts.source ?? new SourceTree(root);
  const compat = await extractCompatArrays(source, (opts.compatFiles ?? COMPAT_FILES).filter((f) => existsSync(join(root, f))));
  const out: MachineExtraction = { version, root, machines: [], compatArrays: {}, unresolved: [...compat.unresolved] };
  for (const [k, a] of compat.arrays) out.compatArrays[k] = a.entries;
  for (const f of (opts.boardFiles ?? BOARD_FILES).filter((b) => existsSync(join(root, b)))) {
    const r = await machinesOfBoard(source.context(source.unit(f)), compat.arrays);
    out.machines.push(...r.machines);
    out.unresolved.push(...r.unresolved);
    for (const [k, a] of r.arrays) out.compatArrays[k] ??= a.entries;
  }
  return out;
}

interface TypeInfoRecord extends Where {
  variable: string;
  name: string;
  parent: string | null;
  classInit: string | null;
  abstract: boolean;
}

/** The machine types one board file registers. */
export async function machinesOfBoard(ctx: UnitContext, globals: ReadonlyMap<string, CompatArray>): Promise<{ machines: ExtractedMachine[]; unresolved: Unresolved[]; arrays: Map<string, CompatArray> }> {
  const file = ctx.unit.file;
  const unresolved: Unresolved[] = [];
  let expanded;
  try {
    expanded = await expandedUnit(ctx);
  } catch (e) {
    const reason = e instanceof MacroError ? e.message : String(e);
    return { machines: [], unresolved: [{ what: `board file ${file}`, file, line: 1, reason }], arrays: new Map() };
  }
  const root = expanded.tree.rootNode;
  try {
    const own = new Map<string, CompatArray>();
    for (const { name, list } of arrayDeclarations(root, 'GlobalProperty')) {
      const line = list.startPosition.row + 1;
      const r = await globalProperties(ctx, name, list.text, line);
      unresolved.push(...r.unresolved);
      own.set(name, { name, file, line, entries: r.entries });
    }
    const infos = await typeInfos(ctx, root, unresolved);
    const registered: TypeInfoRecord[] = [];
    const reg = new Interpreter(ctx, root, {
      call: (name, args) => {
        if (name !== 'type_register_static' && name !== 'type_register') return false;
        const v = args[0] ? bareName(tokenize(args[0].text)) : null;
        const info = v ? infos.get(v) : undefined;
        if (info) registered.push(info);
        else unresolved.push({ what: `${name}(${args[0]?.text ?? ''})`, file, line: (args[0]?.startPosition.row ?? 0) + 1, reason: 'not a TypeInfo of this file' });
        return true;
      },
    });
    for (const fn of qomInitFunctions(root)) {
      if (reg.has(fn)) await reg.run(fn, []);
      else unresolved.push({ what: `type_init(${fn})`, file, line: 1, reason: 'registration function not defined in the file' });
    }
    unresolved.push(...reg.unresolved);
    const machines: ExtractedMachine[] = [];
    for (const info of registered) {
      if (info.abstract || !info.name.endsWith('-machine')) continue;
      const m = await machineOf(ctx, root, info, own, globals, unresolved);
      if (m) machines.push(m);
    }
    return { machines, unresolved, arrays: own };
  } finally {
    expanded.tree.delete();
  }
}

/** Functions registered with `type_init` (as module_init expands it: `register_module_init(fn, MODULE_INIT_QOM)`). */
function qomInitFunctions(root: Node): string[] {
  const out: string[] = [];
  for (const call of root.descendantsOfType('call_expression')) {
    const fn = call?.childForFieldName('function')?.text;
    if (fn !== 'register_module_init' && fn !== 'register_dso_module_init') continue;
    const args = call!.childForFieldName('arguments')?.namedChildren ?? [];
    if (args[1]?.text === 'MODULE_INIT_QOM' && args[0]?.type === 'identifier') out.push(args[0].text);
  }
  return out;
}

async function typeInfos(ctx: UnitContext, root: Node, unresolved: Unresolved[]): Promise<Map<string, TypeInfoRecord>> {
  const out = new Map<string, TypeInfoRecord>();
  const file = ctx.unit.file;
  for (const decl of root.namedChildren) {
    if (decl?.type !== 'declaration' || decl.childForFieldName('type')?.text !== 'TypeInfo') continue;
    for (const d of decl.childrenForFieldName('declarator')) {
      const value = d?.childForFieldName('value');
      const variable = d ? declaredName(d) : null;
      if (d?.type !== 'init_declarator' || value?.type !== 'initializer_list' || !variable || d.childForFieldName('declarator')?.type !== 'identifier') continue;
      const line = value.startPosition.row + 1;
      const init = parseInitializer(tokenize(value.text));
      const nameTokens = init?.designated.get('name');
      const name = nameTokens ? await ctx.string(nameTokens) : null;
      if (!init || !name?.ok) {
        unresolved.push({ what: `TypeInfo ${variable}`, file, line, reason: name && !name.ok ? name.reason : 'no .name' });
        continue;
      }
      const parentTokens = init.designated.get('parent');
      const parent = parentTokens ? await ctx.string(parentTokens) : null;
      const ci = init.designated.get('class_init');
      const abs = init.designated.get('abstract');
      out.set(variable, {
        variable,
        name: name.value,
        parent: parent?.ok ? parent.value : null,
        classInit: ci ? bareName(ci) : null,
        abstract: abs ? untokenize(abs) === 'true' : false,
        file,
        line,
      });
    }
  }
  return out;
}

async function machineOf(ctx: UnitContext, root: Node, info: TypeInfoRecord, own: ReadonlyMap<string, CompatArray>, globals: ReadonlyMap<string, CompatArray>, unresolved: Unresolved[]): Promise<ExtractedMachine | null> {
  const file = ctx.unit.file;
  const m: ExtractedMachine = {
    name: info.name.replace(/-machine$/, ''),
    typeName: info.name,
    parent: info.parent ?? '',
    file,
    line: info.line,
    compat: [],
    sources: [],
    fields: {},
    alias: null,
    isDefault: false,
    deprecated: false,
  };
  if (!info.classInit) {
    unresolved.push({ what: `machine ${m.name}`, file, line: info.line, reason: 'TypeInfo without class_init' });
    return m;
  }
  const local = new Map<string, CompatArray>();
  const interp = new Interpreter(ctx, root, {
    call: async (name, args, env, at) => {
      if (name !== 'compat_props_add') return false;
      const line = at.startPosition.row + 1;
      const target = args[0];
      const holder = target?.type === 'field_expression' ? target.childForFieldName('argument') : null;
      if (target?.childForFieldName('field')?.text !== 'compat_props' || !holder || !env.has(holder.text)) {
        unresolved.push({ what: `compat_props_add(${target?.text ?? ''}, …)`, file, line, reason: 'not the class under construction' });
        return true;
      }
      const arrayName = args[1]?.text ?? '';
      const array = local.get(arrayName) ?? own.get(arrayName) ?? globals.get(arrayName);
      if (!array) {
        unresolved.push({ what: `compat_props_add(…, ${arrayName}, …) for ${m.name}`, file, line, reason: `no GlobalProperty array '${arrayName}' in ${file} or ${COMPAT_FILES.join(', ')}` });
        return true;
      }
      m.compat.push(...array.entries);
      m.sources.push({ array: arrayName, file, line, defined: { file: array.file, line: array.line } });
      return true;
    },
    store: async (b: Binding, field, value, _env, at) => {
      m.fields[`${b.type}.${field}`] = await fieldValue(ctx, value, file, at.startPosition.row + 1);
    },
    declare: async (decl) => {
      for (const { name, list } of declaredArrays(decl, 'GlobalProperty')) {
        const line = list.startPosition.row + 1;
        const r = await globalProperties(ctx, name, list.text, line);
        unresolved.push(...r.unresolved);
        local.set(name, { name, file, line, entries: r.entries });
      }
    },
  });
  if (!interp.has(info.classInit)) {
    unresolved.push({ what: `machine ${m.name}`, file, line: info.line, reason: `class_init ${info.classInit} not defined in the file` });
    return m;
  }
  await interp.run(info.classInit, [{ type: 'ObjectClass' }, null]);
  unresolved.push(...interp.unresolved.map((u) => ({ ...u, what: `${m.name}: ${u.what}` })));
  const alias = m.fields['MachineClass.alias'];
  m.alias = typeof alias?.value === 'string' ? alias.value : null;
  m.isDefault = Boolean(m.fields['MachineClass.is_default']?.value);
  const dep = m.fields['MachineClass.deprecation_reason'];
  m.deprecated = dep !== undefined && dep.value !== null;
  return m;
}

async function fieldValue(ctx: UnitContext, value: Node, file: string, line: number): Promise<FieldValue> {
  if (value.type === 'null' || value.text === 'NULL') return { value: null, file, line };
  const v = await ctx.evaluate(tokenize(value.text));
  if (v.ok) {
    if (v.value.kind === 'str') return { value: v.value.v, file, line };
    const n = v.value.v;
    if (value.type === 'true' || value.type === 'false') return { value: n !== 0n, file, line };
    return { value: Number(n), file, line };
  }
  return { value: null, expr: value.text, file, line };
}
