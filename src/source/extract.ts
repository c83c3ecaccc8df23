import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VmError } from '../wire/errors.js';
import { targetConfig, targetSources } from './config.js';
import { blankLines, FileCache, Preprocessor, type MacroEnv } from './cpp.js';
import { lex, untok } from './lex.js';
import type { CRef, ExtractedModel, ExtractedVmsd } from './model.js';
import { cParser } from './parse.js';
import { macroMadeEnums, scanUnit, type FnVmsd } from './scan.js';
import { callerGuards, functionsOf, type ReachFile, type ReachSource } from './reach.js';
import type { ExtractedClass } from './model.js';
import { TypeIndex } from './types-index.js';

/** Bumped whenever the extractor's output changes for the same tree (cache key). */
export const EXTRACTOR_VERSION = 9;

export const SOURCE_SETUP_HINT = 'run `npm run source:setup` (bash harness/source-setup.sh, as root) to unpack the QEMU source trees into .cache/src';

export interface ExtractOptions {
  target?: string;
  /** Read only these .c files (relative to the root) instead of the target's source list. */
  only?: string[];
  /** Called after each file with (done, total, file). */
  progress?: (done: number, total: number, file: string) => void;
}

/** A QEMU source tree's release name (its VERSION file); a typed error if `root` is not a tree. */
export function treeVersion(root: string): string {
  const v = join(root, 'VERSION');
  if (!existsSync(join(root, 'include/migration/vmstate.h')) || !existsSync(v)) {
    throw new VmError({
      kind: 'bad-input',
      message: `${root}: not a QEMU source tree (no VERSION or include/migration/vmstate.h); ${SOURCE_SETUP_HINT}`,
    });
  }
  return readFileSync(v, 'utf8').trim();
}

/**
 * Reads a tree and returns its VMState facts. Nothing is built or configured.
 * `cache` (of the same tree) shares the scanned files with the other readers of one extraction.
 */
export async function extractTree(rootArg: string, opts: ExtractOptions = {}, cache?: FileCache): Promise<ExtractedModel> {
  const root = resolve(rootArg);
  const version = treeVersion(root);
  const cfg = targetConfig(root, opts.target);
  const sources = opts.only ? null : targetSources(root, cfg);
  const files = opts.only ?? sources!.files;
  if (cache && cache.root !== root) throw new Error(`extractTree(${root}): a file cache of another tree (${cache.root})`);
  cache ??= new FileCache(root);
  const pp = new Preprocessor(cache, cfg.cpp);
  const index = new TypeIndex();
  const parser = await cParser();
  const model: ExtractedModel = {
    format: 'vmcompat-extract/1',
    version,
    tree: root,
    target: cfg.target,
    files: files.length,
    vmsds: [],
    classes: [],
    registers: [],
    // what the meson.build files did not say (read as true: the file is read)
    unresolved: sources ? sources.unresolved.map((u) => ({ what: `meson ${u.what}`, reason: u.reason, at: u.at })) : [],
    missingHeaders: {},
    modules: sources?.modules ?? {},
  };
  let attrs: { re: RegExp; map: Map<string, string> } | null | undefined;
  const indexText = (file: string, text: string, env: MacroEnv) => {
    // attribute macros (QEMU_PACKED) between `struct` and its tag would read as the tag: give the parser their text
    if (attrs === undefined) attrs = attributeMacros(env);
    if (attrs) text = text.replace(attrs.re, (m) => attrs!.map.get(m) ?? m);
    for (const g of macroMadeEnums(lex(text), (n) => env.at(n))) index.addEnum(file, g.names, g.exprs, g.line);
    const tree = parser.parse(text);
    if (!tree) return;
    try {
      index.add(file, tree.rootNode);
    } finally {
      tree.delete();
    }
  };
  const fnVmsd = new Map<string, FnVmsd[]>();
  const external: [ExtractedClass, string[]][] = [];
  let done = 0;
  for (const f of files) {
    const unit = pp.unit(f);
    done++;
    if (!unit) continue;
    for (const h of unit.includes) {
      if (index.has(h)) continue;
      const s = cache.get(h);
      const mask = pp.headerActive.get(h);
      if (s && mask) indexText(h, blankLines(s.text, mask), unit.env);
    }
    indexText(f, unit.active, unit.env);
    const facts = scanUnit(unit, index);
    model.vmsds.push(...facts.vmsds);
    model.classes.push(...facts.classes);
    model.registers.push(...facts.registers);
    model.unresolved.push(...facts.unresolved);
    for (const fv of facts.fnVmsd) {
      const l = fnVmsd.get(fv.name);
      if (l) l.push(fv);
      else fnVmsd.set(fv.name, [fv]);
    }
    external.push(...facts.externalCalls);
    for (const m of new Set(unit.missing)) model.missingHeaders[m] = (model.missingHeaders[m] ?? 0) + 1;
    opts.progress?.(done, files.length, f);
  }
  // class_init helpers defined in another file (`sdhci_common_class_init`): the last one called that sets a vmsd
  for (const [c, calls] of external) {
    for (const name of calls) {
      const hit = (fnVmsd.get(name) ?? []).filter((x) => !x.isStatic);
      if (hit.length === 1) {
        c.vmsd = hit[0]!.vmsd ? { ...hit[0]!.vmsd } : null;
        c.vmsdAt = hit[0]!.at;
      }
    }
  }
  registrationReach(model, files, cache, pp);
  link(model);
  return model;
}

/**
 * Each registration's reach through its callers (reach.ts): a
 * vmstate_register() in a helper (`replay_vmstate_register`) is reached
 * only where the helper is called, under that call's conditions.
 */
function registrationReach(model: ExtractedModel, files: readonly string[], cache: FileCache, pp: Preprocessor): void {
  const read = new Map<string, ReachFile | null>();
  const src: ReachSource = {
    files,
    text: (f) => cache.get(f)?.text ?? null,
    read: (f) => {
      let r = read.get(f);
      if (r === undefined) {
        const unit = pp.unit(f);
        const toks = unit ? lex(unit.active) : null;
        r = toks ? { toks, fns: functionsOf(toks) } : null;
        read.set(f, r);
      }
      return r;
    },
  };
  for (const r of model.registers) {
    if (!r.in) continue;
    const up = callerGuards(src, r.in, r.at.file, r.inStatic ?? false);
    const local = r.onlyWhen?.[0] ?? [];
    const paths = up === null ? (local.length ? [local] : null) : up.map((p) => [...local, ...p]);
    if (paths) r.onlyWhen = paths;
    else delete r.onlyWhen;
  }
}

/** Resolves VMSD names to the file defining them: the referring file's own, else the one non-static VMSD of that name. */
function link(model: ExtractedModel): void {
  const byName = new Map<string, ExtractedVmsd[]>();
  for (const v of model.vmsds) {
    const l = byName.get(v.cname);
    if (l) l.push(v);
    else byName.set(v.cname, [v]);
  }
  const fix = (ref: CRef, from: string, what: string, line: number) => {
    const list = byName.get(ref.name);
    const own = list?.find((v) => v.at.file === from);
    // a stub file (`ramfb-stubs.c`) is what the build links only when the real one is left out
    const real = list?.filter((v) => !/(^|[/-])stubs?[/.]/.test(v.at.file)) ?? [];
    const pub = (real.length ? real : list ?? []).filter((v) => !v.static);
    const hit = own ?? (pub.length === 1 ? pub[0] : list?.length === 1 ? list[0] : undefined);
    if (hit) ref.file = hit.at.file;
    else
      model.unresolved.push({
        what,
        reason: list?.length ? `${ref.name} is defined in ${list.length} files (${list.map((v) => v.at.file).join(', ')}), none of them ${from}` : `no VMStateDescription ${ref.name} in the files read`,
        at: { file: from, line },
      });
  };
  for (const v of model.vmsds) {
    for (const f of v.fields ?? []) if (f.vmsd) fix(f.vmsd, v.at.file, `${v.cname}.${f.name} .vmsd`, f.at.line);
    for (const s of v.subsections) fix(s, v.at.file, `${v.cname} subsection`, v.at.line);
  }
  for (const c of model.classes) if (c.vmsd) fix(c.vmsd, c.at.file, `class ${c.name} ->vmsd`, c.vmsdAt?.line ?? c.at.line);
  for (const r of model.registers) if (r.vmsd) fix(r.vmsd, r.at.file, `${r.fn}() vmsd`, r.at.line);
}

/** Lookup helpers over a model (by reference, by class with inheritance). */
export class ModelView {
  private readonly vmsds = new Map<string, ExtractedVmsd>();
  private readonly classes = new Map<string, ExtractedModel['classes']>();
  constructor(readonly model: ExtractedModel) {
    for (const v of model.vmsds) this.vmsds.set(`${v.at.file}#${v.cname}`, v);
    for (const c of model.classes) {
      const l = this.classes.get(c.name);
      if (l) l.push(c);
      else this.classes.set(c.name, [c]);
    }
  }
  vmsd(ref: CRef): ExtractedVmsd | undefined {
    return ref.file ? this.vmsds.get(`${ref.file}#${ref.name}`) : undefined;
  }
  classDefs(name: string): ExtractedModel['classes'] {
    return this.classes.get(name) ?? [];
  }
  /** The VMSD a class has: its own class_init's, else its parent's (QOM copies the parent class). */
  classVmsd(name: string, seen = new Set<string>()): { ref: CRef | null; owner: string; set: boolean } | null {
    const defs = this.classDefs(name);
    if (!defs.length || seen.has(name)) return null;
    seen.add(name);
    const own = defs.find((c) => c.vmsdAt);
    if (own) return { ref: own.vmsd, owner: name, set: true };
    const parent = defs.find((c) => c.parent)?.parent;
    if (!parent) return { ref: null, owner: name, set: false };
    return this.classVmsd(parent, seen) ?? { ref: null, owner: name, set: false };
  }
}

/** Object-like macros that stand for an `__attribute__((…))`, as a replacer. */
function attributeMacros(env: MacroEnv): { re: RegExp; map: Map<string, string> } | null {
  const map = new Map<string, string>();
  for (const m of env.all()) if (m.params === null && m.body[0]?.text === '__attribute__') map.set(m.name, untok(m.body));
  if (!map.size) return null;
  return { re: new RegExp(`\\b(${[...map.keys()].join('|')})\\b`, 'g'), map };
}

/** mtime/size fingerprint input for the cache key. */
export function statKey(root: string, rel: string): string {
  try {
    const s = statSync(join(root, rel));
    return `${rel}:${s.size}:${Math.floor(s.mtimeMs)}`;
  } catch {
    return `${rel}:-`;
  }
}
