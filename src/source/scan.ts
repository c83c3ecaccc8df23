import type { Unit } from './cpp.js';
import { Expander, ExpandError, type Macro } from './expand.js';
import { EvalError, Evaluator, type Scope, type Val } from './eval.js';
import { bareName, bracedIn, items, matching, splitTop, type Item } from './initializer.js';
import { lex, untok, type Tok } from './lex.js';
import type { CRef, ExtractedClass, ExtractedField, ExtractedRegister, ExtractedVmsd, SrcLoc, Unresolved } from './model.js';
import { localGuards } from './reach.js';
import type { TypeIndex } from './types-index.js';

/**
 * One translation unit's VMState facts: VMSD initialisers with their field
 * tables expanded through the unit's own macros, QOM TypeInfos with what
 * their class_init sets, and vmstate_register calls. References between
 * VMSDs stay names here; the tree-wide pass links them.
 */
export interface UnitFacts {
  vmsds: ExtractedVmsd[];
  classes: ExtractedClass[];
  registers: ExtractedRegister[];
  unresolved: Unresolved[];
  /** Functions of this file that set a DeviceClass's vmsd. */
  fnVmsd: FnVmsd[];
  /** Classes whose class_init calls functions of other files (resolved tree-wide). */
  externalCalls: Map<ExtractedClass, string[]>;
}

interface FnDef {
  name: string;
  params: Tok[];
  body: Tok[];
  line: number;
  isStatic: boolean;
}

/** A function that sets a DeviceClass's vmsd itself (class_init helpers shared between files). */
export interface FnVmsd {
  name: string;
  file: string;
  isStatic: boolean;
  vmsd: CRef | null;
  at: SrcLoc;
}

/**
 * The registration functions of include/migration/vmstate.h (and
 * savevm.c's vmstate_register_with_alias_id) and where their arguments
 * are: obj, instance id (null: VMSTATE_INSTANCE_ID_ANY), vmsd, alias id.
 */
export const REGISTER_ARGS: Readonly<Record<string, { obj: number; id: number | null; vmsd: number; alias: number | null }>> = {
  vmstate_register: { obj: 0, id: 1, vmsd: 2, alias: null },
  vmstate_register_any: { obj: 0, id: null, vmsd: 1, alias: null },
  vmstate_register_with_alias_id: { obj: 0, id: 1, vmsd: 2, alias: 4 },
  vmstate_register_named: { obj: 1, id: 2, vmsd: 3, alias: null },
};

class Unres extends Error {}

const C_KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case']);

export function scanUnit(unit: Unit, index: TypeIndex): UnitFacts {
  const file = unit.path;
  const toks = lex(unit.active);
  const facts: UnitFacts = { vmsds: [], classes: [], registers: [], unresolved: [], fnVmsd: [], externalCalls: new Map() };
  const ctx = { file, includes: new Set(unit.includes) };
  const expanderAt = (line: number) => new Expander((n) => unit.env.at(n, line));
  let ev: Evaluator;
  const scope: Scope = {
    typedef: (n) => index.typedef(n, ctx),
    record: (t, u) => index.record(t, u, ctx),
    enumConst: (n) => index.enumConst(n, ctx, (x) => ev.num(ev.parse(expanderAt(Infinity).expand(x)))),
    variable: (n) => index.variable(n, ctx),
    expand: (x) => expanderAt(Infinity).expand(x),
  };
  ev = new Evaluator(scope);
  const at = (t: Tok | undefined): SrcLoc => ({ file, line: t?.line ?? 0 });
  const unresolved = (what: string, reason: string, t: Tok | undefined) => facts.unresolved.push({ what, reason, at: at(t) });

  const expand = (x: Tok[]): Tok[] => expanderAt(x[0]?.line ?? Infinity).expand(x);
  const evalTo = (x: Tok[]): Val => ev.eval(expand(x));
  const numOf = (x: Tok[], what: string): number => {
    const v = evalTo(x);
    if (typeof v !== 'number') throw new Unres(`${what} is ${untok(x)}, not a number`);
    return v;
  };
  const strOf = (x: Tok[], what: string): string => {
    const v = evalTo(x);
    if (typeof v === 'object' && 'str' in v) return v.str;
    if (v === 0 && what === '.err_hint') return '';
    throw new Unres(`${what} is ${untok(x)}, not a string constant`);
  };
  const guard = <T>(what: string, t: Tok | undefined, f: () => T, fallback: T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof Unres || e instanceof EvalError || e instanceof ExpandError) {
        unresolved(what, e.message, t);
        return fallback;
      }
      throw e;
    }
  };

  // ---- file-level structure: functions and declarations ----
  const fns = new Map<string, FnDef>();
  const arrays = new Map<string, Tok[]>();
  const fieldArrays = new Map<string, { braced: Tok[]; name: string }>();
  const subArrays = new Map<string, Tok[]>();
  const vmsdDecls: { cname: string; braced: Tok[]; isStatic: boolean; tok: Tok }[] = [];
  const typeInfos: { braced: Tok[]; tok: Tok; array: boolean }[] = [];
  const virtioPciInfos: { braced: Tok[]; tok: Tok }[] = [];
  let depth = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.text === '{') depth++;
    else if (t.text === '}') depth--;
    if (t.kind !== 'id') continue;
    if (depth === 0 && toks[k + 1]?.text === '(' && k > 0 && toks[k - 1]!.text !== '=') {
      const close = matching(toks, k + 1);
      if (close > 0 && toks[close + 1]?.text === '{') {
        const end = matching(toks, close + 1);
        if (end > 0) {
          fns.set(t.text, { name: t.text, params: toks.slice(k + 2, close), body: toks.slice(close + 2, end), line: t.line, isStatic: precededBy(toks, k, 'static', 6) });
        }
      }
    }
    const decl = declAt(toks, k);
    if (!decl) continue;
    const { kind, name, braceAt } = decl;
    const end = matching(toks, braceAt);
    if (end < 0) continue;
    const braced = toks.slice(braceAt, end + 1);
    const isStatic = precededBy(toks, k, 'static');
    if (kind === 'vmsd') vmsdDecls.push({ cname: name, braced, isStatic, tok: toks[k + 1]! });
    else if (kind === 'fields') fieldArrays.set(name, { braced, name });
    else if (kind === 'subsections') subArrays.set(name, braced);
    else if (kind === 'typeinfo') typeInfos.push({ braced, tok: toks[k]!, array: decl.array });
    else if (kind === 'virtio-pci-typeinfo') virtioPciInfos.push({ braced, tok: toks[k]! });
    else if (kind === 'array') arrays.set(name, braced);
    if (kind !== 'array' && depth === 0) {
      k = end;
    }
  }

  // ---- fields ----
  const fieldCache = new Map<string, ExtractedField[]>();
  const fieldsOf = (list: Tok[], owner: string): ExtractedField[] => {
    const out: ExtractedField[] = [];
    for (const el of items(list)) {
      const first = el.toks[0];
      const macro = first?.kind === 'id' ? first.text : '{…}';
      const groups = guard(`${owner}: field ${untok(el.toks).slice(0, 80)}`, first, () => {
        const x = expand(el.toks);
        return splitTop(x).map((g) => {
          const b = bracedIn(g);
          if (!b) throw new Unres(`${macro} does not expand to a field initialiser: ${untok(x).slice(0, 120)}`);
          return items(b);
        });
      }, null);
      if (!groups) continue;
      let ended = false;
      for (const g of groups) {
        const f = fieldFrom(g, macro, first, owner);
        if (!f) {
          ended = true;
          break;
        }
        out.push(f);
      }
      if (ended) break;
    }
    return out;
  };

  const memberPath = (x: Tok[]): string | null => {
    // the offsetof(T, member) an offset expression is built on
    const e = expand(x);
    for (let k = 0; k < e.length; k++) {
      if ((e[k]!.text === 'offsetof' || e[k]!.text === '__builtin_offsetof') && e[k + 1]?.text === '(') {
        const close = matching(e, k + 1);
        const args = splitTop(e.slice(k + 2, close));
        if (args.length === 2) return `${untok(args[0]!)}.${untok(args[1]!).replace(/\s+/g, '')}`;
      }
    }
    return null;
  };

  function fieldFrom(g: Item[], macro: string, first: Tok | undefined, owner: string): ExtractedField | null {
    const by = new Map<string, Tok[]>();
    for (const it of g) if (it.member) by.set(it.member, it.toks);
    const nameToks = by.get('name');
    if (!nameToks) return null;
    const name = guard(`${owner}: field name`, first, () => strOf(nameToks, '.name'), untok(nameToks));
    const what = `${owner}.${name}`;
    const n = (m: string, dflt: number | null): number | null => {
      const v = by.get(m);
      if (!v) return dflt;
      return guard(`${what} .${m}`, first, () => numOf(v, `.${m}`), null);
    };
    const sym = (m: string): string | null => {
      const v = by.get(m);
      if (!v) return null;
      return guard(`${what} .${m}`, first, () => {
        const e = expand(v);
        const r = ev.eval(e);
        if (typeof r === 'number') {
          if (r === 0) return null;
          throw new Unres(`.${m} is the number ${r}`);
        }
        if ('str' in r) throw new Unres(`.${m} is a string`);
        return r.sym;
      }, untok(v));
    };
    const flagsToks = by.get('flags');
    const flags = flagsToks ? [...new Set(expand(flagsToks).filter((t) => t.kind === 'id' && t.text.startsWith('VMS_')).map((t) => t.text))] : [];
    const vmsdName = sym('vmsd');
    const hint = by.get('err_hint');
    return {
      name,
      macro,
      version_id: n('version_id', 0) ?? 0,
      field_exists: sym('field_exists'),
      size: n('size', 0),
      num: by.has('num') ? n('num', 0) : null,
      start: n('start', 0) ?? 0,
      info: sym('info'),
      flags,
      vmsd: vmsdName ? { name: vmsdName, file: null } : null,
      struct_version_id: n('struct_version_id', 0) ?? 0,
      offset: by.has('offset') ? guard(`${what} .offset`, first, () => memberPath(by.get('offset')!), null) : null,
      num_offset: by.has('num_offset') ? guard(`${what} .num_offset`, first, () => memberPath(by.get('num_offset')!), null) : null,
      size_offset: by.has('size_offset') ? guard(`${what} .size_offset`, first, () => memberPath(by.get('size_offset')!), null) : null,
      err_hint: hint ? guard(`${what} .err_hint`, first, () => strOf(hint, '.err_hint') || null, null) : null,
      at: at(first),
    };
  }

  // ---- VMSDs ----
  for (const d of vmsdDecls) {
    const by = new Map<string, Tok[]>();
    for (const it of items(d.braced)) if (it.member) by.set(it.member, it.toks);
    const what = d.cname;
    const v: ExtractedVmsd = {
      cname: d.cname,
      name: by.has('name') ? guard(`${what} .name`, d.tok, () => strOf(by.get('name')!, '.name'), untok(by.get('name')!)) : '',
      version_id: by.has('version_id') ? guard(`${what} .version_id`, d.tok, () => numOf(by.get('version_id')!, '.version_id'), 0) : 0,
      minimum_version_id: by.has('minimum_version_id')
        ? guard(`${what} .minimum_version_id`, d.tok, () => numOf(by.get('minimum_version_id')!, '.minimum_version_id'), 0)
        : 0,
      fields: null,
      subsections: [],
      hooks: {},
      other: {},
      static: d.isStatic,
      at: at(d.tok),
    };
    for (const [m, x] of by) {
      if (m === 'name' || m === 'version_id' || m === 'minimum_version_id') continue;
      if (m === 'fields') {
        const b = bracedIn(x);
        const named = b ? null : bareName(x);
        if (b) v.fields = fieldsOf(b, what);
        else if (named && fieldArrays.has(named)) {
          let f = fieldCache.get(named);
          if (!f) fieldCache.set(named, (f = fieldsOf(fieldArrays.get(named)!.braced, what)));
          v.fields = f;
        } else unresolved(`${what} .fields`, `the field table ${untok(x)} is not an initialiser in this file`, x[0]);
        continue;
      }
      if (m === 'subsections') {
        const b = bracedIn(x) ?? (bareName(x) ? subArrays.get(bareName(x)!) ?? null : null);
        if (!b) {
          unresolved(`${what} .subsections`, `the subsection list ${untok(x)} is not an initialiser in this file`, x[0]);
          continue;
        }
        for (const it of items(b)) {
          const e = guard(`${what} subsection`, it.toks[0], () => expand(it.toks), []);
          const nm = bareName(e);
          if (nm === 'NULL' || untok(e).replace(/\s/g, '') === '((void*)0)' || e.length === 0) break;
          if (nm) v.subsections.push({ name: nm, file: null });
          else unresolved(`${what} subsection`, `${untok(it.toks)} is not a VMSD name`, it.toks[0]);
        }
        continue;
      }
      const nm = bareName(x);
      if (nm && nm !== 'NULL' && !/^\d/.test(nm) && fns.has(nm)) v.hooks[m] = nm;
      else if (nm && /^(needed|pre_|post_|dev_unplug)/.test(m) && nm !== 'NULL') v.hooks[m] = nm;
      else v.other[m] = untok(x);
    }
    facts.vmsds.push(v);
  }

  // ---- QOM classes ----
  /** `dc->vmsd = …` where dc is a DeviceClass (not a VirtioDeviceClass's vmsd, which virtio saves itself). */
  const deviceClassVars = (f: FnDef): Set<string> => {
    const vars = new Set<string>();
    for (const part of [f.params, f.body]) {
      for (let k = 0; k + 2 < part.length; k++) {
        if (part[k]!.text === 'DeviceClass' && part[k + 1]!.text === '*' && part[k + 2]!.kind === 'id') vars.add(part[k + 2]!.text);
      }
    }
    return vars;
  };
  const isDeviceClassLhs = (b: Tok[], arrow: number, vars: Set<string>): boolean => {
    const prev = b[arrow - 1];
    if (!prev) return false;
    if (prev.kind === 'id') return vars.has(prev.text) && b[arrow - 2]?.text !== '.' && b[arrow - 2]?.text !== '->';
    if (prev.text === ')') {
      // DEVICE_CLASS(klass)->vmsd
      let depth = 0;
      for (let j = arrow - 1; j >= 0; j--) {
        if (b[j]!.text === ')') depth++;
        else if (b[j]!.text === '(' && --depth === 0) return b[j - 1]?.text === 'DEVICE_CLASS' || b[j - 1]?.text === 'DEVICE_GET_CLASS';
      }
    }
    return false;
  };
  type InitFacts = { vmsd: ExtractedClass['vmsd']; vmsdAt: SrcLoc | null; props: string | null; external: string[] };
  const classInitFacts = (fn: string, elem: Map<string, Tok[]> | null, seen = new Set<string>()): InitFacts => {
    const out: InitFacts = { vmsd: null, vmsdAt: null, props: null, external: [] };
    const f = fns.get(fn);
    if (!f) {
      out.external.push(fn);
      return out;
    }
    if (seen.has(fn)) return out;
    seen.add(fn);
    const b = f.body;
    const vars = deviceClassVars(f);
    for (let k = 0; k < b.length; k++) {
      const t = b[k]!;
      if (t.text === '->' && b[k + 1]?.text === 'vmsd' && b[k + 2]?.text === '=' && isDeviceClassLhs(b, k, vars)) {
        let e = k + 3;
        while (e < b.length && b[e]!.text !== ';') e++;
        let x = b.slice(k + 3, e);
        // class data from a registration table: `info->vmsd` is the table entry's `.vmsd`
        if (elem && x.length === 3 && x[0]!.kind === 'id' && (x[1]!.text === '->' || x[1]!.text === '.') && elem.has(x[2]!.text)) x = elem.get(x[2]!.text)!;
        const ex = guard(`${fn}: vmsd`, x[0], () => expand(x), x);
        const nm = bareName(ex);
        if (nm === 'NULL' || untok(ex).replace(/\s/g, '') === '((void*)0)') {
          out.vmsd = null;
          out.vmsdAt = at(x[0]);
        } else if (nm) {
          out.vmsd = { name: nm, file: null };
          out.vmsdAt = at(x[0]);
        } else unresolved(`${fn}: ->vmsd`, `class_init sets vmsd to ${untok(x)}, not a VMSD name (class data or a computed value)`, x[0]);
      } else if (t.kind === 'id' && (t.text === 'device_class_set_props' || t.text === 'device_class_set_props_n') && b[k + 1]?.text === '(') {
        const close = matching(b, k + 1);
        const args = splitTop(b.slice(k + 2, close));
        const nm = args[1] && bareName(args[1]);
        if (nm) out.props = nm;
      } else if (t.text === '->' && (b[k + 1]?.text === 'props' || b[k + 1]?.text === 'props_') && b[k + 2]?.text === '=') {
        const nm = bareName(b.slice(k + 3, k + 4));
        if (nm) out.props = nm;
      } else if (t.kind === 'id' && b[k + 1]?.text === '(' && b[k - 1]?.text !== '.' && b[k - 1]?.text !== '->' && !C_KEYWORDS.has(t.text)) {
        // a helper that fills the class (`sdhci_common_class_init(klass, data)`), here or in another file
        const inner = classInitFacts(t.text, elem, seen);
        if (inner.vmsdAt) {
          out.vmsd = inner.vmsd;
          out.vmsdAt = inner.vmsdAt;
        }
        if (inner.props) out.props = inner.props;
        out.external.push(...inner.external);
      }
    }
    return out;
  };
  for (const f of fns.values()) {
    const r = classInitFacts(f.name, null);
    if (r.vmsdAt) facts.fnVmsd.push({ name: f.name, file, isStatic: f.isStatic, vmsd: r.vmsd, at: r.vmsdAt });
  }

  const addClass = (by: Map<string, Tok[]>, tok: Tok | undefined, name: string, elem: Map<string, Tok[]> | null = null) => {
    const parent = by.get('parent');
    const ci = by.get('class_init');
    const inst = by.get('instance_size');
    const abs = by.get('abstract');
    const classInit = ci ? bareName(ci) : null;
    const init = classInit ? classInitFacts(classInit, elem) : { vmsd: null, vmsdAt: null, props: null, external: [] };
    const c: ExtractedClass = {
      name,
      parent: parent ? guard(`TypeInfo ${name} .parent`, tok, () => strOf(parent, '.parent'), null) : null,
      abstract: abs ? guard(`TypeInfo ${name} .abstract`, tok, () => numOf(abs, '.abstract') !== 0, false) : false,
      class_init: classInit,
      instance: inst ? instanceType(inst) : null,
      vmsd: init.vmsd,
      vmsdAt: init.vmsdAt,
      props: init.props,
      at: at(tok),
    };
    const ifs = by.get('interfaces');
    if (ifs) c.interfaces = interfaceNames(ifs);
    facts.classes.push(c);
    if (init.external.length && !init.vmsdAt) facts.externalCalls.set(c, init.external);
    return c;
  };

  /** `.interfaces = (InterfaceInfo[]) { { INTERFACE_PCIE_DEVICE }, { } }` (or a named array): the QOM interface names. */
  const interfaceNames = (x: Tok[]): string[] => {
    const list = bracedIn(x) ?? (bareName(x) ? (arrays.get(bareName(x)!) ?? null) : null);
    const out: string[] = [];
    for (const el of list ? items(list) : []) {
      const b = bracedIn(el.toks)?.slice(1, -1);
      if (!b?.length) continue;
      try {
        out.push(strOf(b, '.interfaces'));
      } catch {
        /* a name the unit cannot resolve: left out */
      }
    }
    return out;
  };

  const typeInfo = (braced: Tok[], tok: Tok | undefined, fnBody: Tok[] | null) => {
    const by = new Map<string, Tok[]>();
    for (const it of items(braced)) if (it.member) by.set(it.member, it.toks);
    if (fnBody) collectAssignments(fnBody, by);
    const nameToks = by.get('name');
    if (!nameToks) return;
    let name: string | null = null;
    try {
      name = strOf(nameToks, '.name');
    } catch {
      name = null;
    }
    if (name !== null) {
      addClass(by, tok, name);
      return;
    }
    // registered in a loop over a table of names (`type_info.name = info->name`)
    const table = fnBody && tableNames(fnBody);
    if (table?.length) for (const e of table) addClass(by, tok, e.name, e.elem);
    else unresolved('TypeInfo .name', `${untok(nameToks)} is not a constant and no table of names was found in the registering function`, tok);
  };

  const tableNames = (body: Tok[]): { name: string; elem: Map<string, Tok[]> }[] | null => {
    for (const t of body) {
      const arr = t.kind === 'id' ? arrays.get(t.text) : undefined;
      if (!arr) continue;
      const names: { name: string; elem: Map<string, Tok[]> }[] = [];
      for (const el of items(arr)) {
        const b = bracedIn(el.toks);
        if (!b) continue;
        const elem = new Map<string, Tok[]>();
        for (const i of items(b)) if (i.member) elem.set(i.member, i.toks);
        const nm = elem.get('name');
        if (!nm) continue;
        try {
          names.push({ name: strOf(nm, '.name'), elem });
        } catch {
          /* not a name table */
        }
      }
      if (names.length) return names;
    }
    return null;
  };

  for (const vi of virtioPciInfos) {
    // virtio_pci_types_register(): an abstract base (`<generic>-base-type` when unnamed) with the info's
    // class_init, and generic / transitional / non-transitional types below it
    const by = new Map<string, Tok[]>();
    for (const it of items(vi.braced)) if (it.member) by.set(it.member, it.toks);
    const str = (m: string) => (by.has(m) ? guard(`VirtioPCIDeviceTypeInfo .${m}`, vi.tok, () => strOf(by.get(m)!, `.${m}`), null) : null);
    const generic = str('generic_name');
    const base = str('base_name') ?? (generic ? `${generic}-base-type` : null);
    if (!base) continue;
    const lit = (v: string) => lex(JSON.stringify(v), vi.tok.line);
    const baseBy = new Map(by);
    baseBy.set('name', lit(base));
    baseBy.set('parent', by.get('parent') ?? lit('virtio-pci'));
    baseBy.set('abstract', lex('1', vi.tok.line));
    addClass(baseBy, vi.tok, base);
    for (const m of ['generic_name', 'transitional_name', 'non_transitional_name']) {
      const nm = str(m);
      if (!nm) continue;
      addClass(new Map([['name', lit(nm)], ['parent', lit(base)]]), vi.tok, nm);
    }
  }

  for (const ti of typeInfos) {
    const fn = enclosingFn(fns, ti.tok);
    if (ti.array) {
      for (const el of items(ti.braced)) {
        const b = bracedIn(el.toks);
        if (b) typeInfo(b, el.toks[0], null);
      }
    } else typeInfo(ti.braced, ti.tok, fn ? fn.body : null);
  }

  // ---- vmstate_register sites ----
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    const pos = t.kind === 'id' && toks[k + 1]?.text === '(' ? REGISTER_ARGS[t.text] : undefined;
    if (!pos) continue;
    if (toks[k - 1]?.kind === 'id' && /^(int|void|bool)$/.test(toks[k - 1]!.text)) continue;
    const close = matching(toks, k + 1);
    if (close < 0) continue;
    const argToks = splitTop(toks.slice(k + 2, close));
    const args = argToks.map((a) => untok(a));
    // the vmsd is the argument at the function's vmsd position, `&name` or a bare name; anything else is an expression
    const vmsdArg = argToks[pos.vmsd] ? bareName(argToks[pos.vmsd]!) : null;
    const fn = enclosingFn(fns, t);
    const reg: ExtractedRegister = { fn: t.text, vmsd: vmsdArg ? { name: vmsdArg, file: null } : null, args, at: at(t), in: fn?.name ?? null, ...(fn ? { inStatic: fn.isStatic } : {}) };
    if (fn) {
      const guards = localGuards(fn.body, fn.body.indexOf(t), fn.name, file);
      if (guards.length) reg.onlyWhen = [guards];
    }
    facts.registers.push(reg);
  }
  return facts;
}

/**
 * Enumerators that file-scope macro invocations define (registerfields.h's
 * `REG32(R, addr)` makes `enum { A_R = addr }; enum { R_R = addr / 4 };`):
 * the parser sees only the invocation, so it is expanded here.
 */
export function macroMadeEnums(toks: Tok[], lookup: (name: string, line: number) => Macro | undefined): { names: string[]; exprs: (Tok[] | null)[]; line: number }[] {
  const out: { names: string[]; exprs: (Tok[] | null)[]; line: number }[] = [];
  let depth = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.text === '{') depth++;
    else if (t.text === '}') depth--;
    if (depth !== 0 || t.kind !== 'id' || toks[k + 1]?.text !== '(') continue;
    const m = lookup(t.text, t.line);
    if (!m?.params || !m.body.some((b) => b.text === 'enum')) continue;
    const close = matching(toks, k + 1);
    if (close < 0) continue;
    let made: Tok[];
    try {
      made = new Expander((n) => lookup(n, t.line)).expand(toks.slice(k, close + 1));
    } catch {
      continue;
    }
    for (let j = 0; j < made.length; j++) {
      if (made[j]!.text !== 'enum') continue;
      const open = made[j + 1]?.text === '{' ? j + 1 : made[j + 2]?.text === '{' ? j + 2 : -1;
      if (open < 0) continue;
      const end = matching(made, open);
      const group = { names: [] as string[], exprs: [] as (Tok[] | null)[], line: t.line };
      for (const e of splitTop(made.slice(open + 1, end))) {
        if (e[0]?.kind !== 'id') continue;
        group.names.push(e[0].text);
        group.exprs.push(e[1]?.text === '=' ? e.slice(2) : null);
      }
      out.push(group);
      j = end;
    }
    k = close;
  }
  return out;
}

/** `TypeInfo x = {}` inside a function, then `x.name = …;` assignments. */
function collectAssignments(body: Tok[], by: Map<string, Tok[]>): void {
  for (let k = 0; k + 3 < body.length; k++) {
    if (body[k]!.kind === 'id' && body[k + 1]!.text === '.' && body[k + 2]!.kind === 'id' && body[k + 3]!.text === '=') {
      const member = body[k + 2]!.text;
      if (!['name', 'parent', 'class_init', 'instance_size', 'abstract'].includes(member)) continue;
      let e = k + 4;
      while (e < body.length && body[e]!.text !== ';') e++;
      if (!by.has(member)) by.set(member, body.slice(k + 4, e));
    }
  }
}

function enclosingFn(fns: Map<string, FnDef>, tok: Tok): FnDef | null {
  for (const f of fns.values()) if (f.body.includes(tok)) return f;
  return null;
}

function instanceType(x: Tok[]): string | null {
  const i = x.findIndex((t) => t.text === 'sizeof');
  if (i < 0) return null;
  const inner = x.slice(i + 1).filter((t) => t.text !== '(' && t.text !== ')');
  return inner.length ? untok(inner) : null;
}

function precededBy(toks: Tok[], k: number, word: string, reach = 4): boolean {
  for (let j = k - 1; j >= 0 && j >= k - reach; j--) {
    const x = toks[j]!.text;
    if (x === word) return true;
    if (x === ';' || x === '}' || x === '{') return false;
  }
  return false;
}

type DeclKind = 'vmsd' | 'fields' | 'subsections' | 'typeinfo' | 'virtio-pci-typeinfo' | 'array';

/** Recognises `VMStateDescription x = {`, `VMStateField x[] = {`, `VMStateDescription *x[] = {`, `TypeInfo x[] = {`, `T x[] = {` at toks[k]. */
function declAt(toks: Tok[], k: number): { kind: DeclKind; name: string; braceAt: number; array: boolean } | null {
  const t = toks[k]!.text;
  let j = k + 1;
  const skipQual = () => {
    while (toks[j]?.text === 'const' || toks[j]?.text === 'QEMU_UNUSED' || toks[j]?.text === 'G_GNUC_UNUSED') j++;
  };
  skipQual();
  let ptr = false;
  if (toks[j]?.text === '*') {
    ptr = true;
    j++;
    skipQual();
  }
  const nameTok = toks[j];
  if (!nameTok || nameTok.kind !== 'id') return null;
  j++;
  let array = false;
  if (toks[j]?.text === '[') {
    const close = matching(toks, j);
    if (close < 0) return null;
    j = close + 1;
    array = true;
  }
  if (toks[j]?.text !== '=' || toks[j + 1]?.text !== '{') return null;
  const braceAt = j + 1;
  const name = nameTok.text;
  if (t === 'VMStateDescription' && !ptr && !array) return { kind: 'vmsd', name, braceAt, array };
  if (t === 'VMStateDescription' && ptr && array) return { kind: 'subsections', name, braceAt, array };
  if (t === 'VMStateField' && array && !ptr) return { kind: 'fields', name, braceAt, array };
  if (t === 'TypeInfo' && !ptr) return { kind: 'typeinfo', name, braceAt, array };
  if (t === 'VirtioPCIDeviceTypeInfo' && !ptr && !array) return { kind: 'virtio-pci-typeinfo', name, braceAt, array };
  if (array && !ptr) return { kind: 'array', name, braceAt, array };
  return null;
}
