/**
 * Where a device class can be at all: a class that is not user-creatable
 * (its class_init, or the nearest ancestor's that says, sets
 * `user_creatable = false`: every sys-bus-device by default) exists in a VM
 * only when board code creates it. From the tree's text:
 *
 *   - user_creatable: what each class_init body assigns;
 *   - mentions: the target's .c files that name a class (its TYPE_ macro or
 *     its name in quotes) where code can create it: any file but the class's
 *     own, and in its own file only inside a non-static function (an init
 *     helper boards call, such as an `i8259_init`); and the headers' inline
 *     helpers that name it (`i8254_pit_init`).
 *
 * A class that is not user-creatable is absent from machine type M when
 * every file that mentions it defines only machine types outside M's QOM
 * ancestry (another board's code). Mentions are over-counted on purpose
 * (a cast counts; a subclass's `.parent` does not): the answer errs on
 * "can be there".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtractedModel } from '../model.js';
import type { MachineExtraction } from '../machines/extract.js';
import { targetConfig, targetSources } from '../config.js';

export interface Placement {
  /** What class_init sets `user_creatable` to, by QOM type (absent: it does not say). */
  userCreatable: Record<string, boolean>;
  /** The target's .c files that may create each class (see above), by QOM type. */
  mentions: Record<string, string[]>;
}

const readText = (root: string, f: string): string => {
  try {
    return readFileSync(join(root, f), 'utf8');
  } catch {
    return '';
  }
};

/** The body of the function `name` defined in `text` (brace-matched), or null. */
function functionBody(text: string, name: string): string | null {
  const m = new RegExp(`^[A-Za-z_][\\w\\s*]*\\b${name}\\s*\\([^;{]*\\)\\s*\\{`, 'm').exec(text);
  if (!m) return null;
  let depth = 0;
  for (let i = m.index + m[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(m.index + m[0].length, i);
  }
  return null;
}

/** Whether the statement at `at` runs on every call: at the body's top level, not the branch of an `if` or `else` without braces. */
function unconditional(body: string, at: number): boolean {
  const before = body.slice(0, at);
  let depth = 0;
  for (const ch of before) depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
  if (depth !== 0) return false;
  const stmt = before.slice(Math.max(before.lastIndexOf(';'), before.lastIndexOf('{'), before.lastIndexOf('}')) + 1);
  return !/\b(if|else|for|while)\b/.test(stmt);
}

/** `#define TYPE_X "name"` (and `#define TYPE_X TYPE_Y`) over the given files: macro → type name. */
function typeMacros(texts: Iterable<string>): Map<string, string> {
  const direct = new Map<string, string>();
  const alias = new Map<string, string>();
  for (const t of texts) {
    for (const m of t.matchAll(/^\s*#\s*define\s+(TYPE_\w+)\s+"([^"]+)"\s*$/gm)) direct.set(m[1]!, m[2]!);
    for (const m of t.matchAll(/^\s*#\s*define\s+(TYPE_\w+)\s+(TYPE_\w+)\s*$/gm)) alias.set(m[1]!, m[2]!);
  }
  for (let i = 0; i < 4; i++) for (const [a, b] of alias) if (!direct.has(a) && direct.has(b)) direct.set(a, direct.get(b)!);
  return direct;
}

/** Non-static function bodies of a file (where an exported init helper creates its own class). */
function exportedBodies(text: string, withStatic = false): string {
  const out: string[] = [];
  const head = withStatic ? /^[A-Za-z_][\w\s*]*\b\w+\s*\([^;{]*\)\s*\{/gm : /^(?!static\b)[A-Za-z_][\w\s*]*\b\w+\s*\([^;{]*\)\s*\{/gm;
  for (const m of text.matchAll(head)) {
    let depth = 0;
    for (let i = m.index! + m[0].length - 1; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) {
        out.push(text.slice(m.index!, i));
        break;
      }
    }
  }
  return out.join('\n');
}

/** A file's text without TypeInfo `.parent = …` initialisers (a subclass names its parent, it does not create it). */
const withoutParents = (t: string): string => t.replace(/\.parent\s*=\s*[^,}\n]+/g, '');

/** Calls that name a type without creating one (a memory region's or a trace's name, a cast check). */
const NAMING_CALLS = /^(memory_region_\w+|error_\w+|trace_\w+|qemu_log\w*|warn_report\w*|object_dynamic_cast\w*|object_class_dynamic_cast\w*|OBJECT_CHECK|g_str\w+|strcmp)$/;

/** Whether `text` names the type as an argument of a call that may create it (the class's own file: its TypeInfo and region names do not count). */
function createsIn(text: string, pattern: RegExp): boolean {
  const g = new RegExp(pattern.source, 'g');
  for (const m of text.matchAll(g)) {
    let depth = 0;
    for (let i = m.index! - 1; i >= 0; i--) {
      const ch = text[i];
      if (ch === ')') depth++;
      else if (ch === '(' && depth-- === 0) {
        const fn = /(\w+)\s*$/.exec(text.slice(Math.max(0, i - 80), i))?.[1];
        if (fn && !NAMING_CALLS.test(fn)) return true;
        break;
      } else if (ch === ';' || ch === '{' || ch === '}') break;
    }
  }
  return false;
}

export function extractPlacement(root: string, model: ExtractedModel): Placement {
  const userCreatable: Record<string, boolean> = {};
  for (const c of model.classes) {
    if (!c.class_init) continue;
    const body = functionBody(readText(root, c.at.file), c.class_init);
    const m = body ? /->\s*user_creatable\s*=\s*(true|false|1|0)\b/.exec(body) : null;
    if (!m || !unconditional(body!, m.index)) continue;
    userCreatable[c.name] = m[1] === 'true' || m[1] === '1';
  }
  const files = targetSources(root, targetConfig(root)).files.filter((f) => f.endsWith('.c'));
  const texts = new Map(files.map((f) => [f, readText(root, f)]));
  // the headers (include/, hw/) define most TYPE_ macros, the .c files the rest
  const headerFiles = ['include', 'hw'].flatMap((d) => (readdirSync(join(root, d), { recursive: true }) as string[]).filter((f) => f.endsWith('.h')).map((f) => join(d, f)));
  const headers = new Map(headerFiles.map((f) => [f, readText(root, f)]));
  const macros = typeMacros([...texts.values(), ...headers.values()]);
  // a header's inline helpers (`i8254_pit_init`) create for whoever calls them: shared code
  const inlineBodies = new Map([...headers].map(([f, t]) => [f, exportedBodies(t, true)] as const).filter(([, b]) => b.length > 0));
  const byName = new Map<string, string[]>();
  for (const [macro, name] of macros) byName.set(name, [...(byName.get(name) ?? []), macro]);
  const mentions: Record<string, string[]> = {};
  for (const c of model.classes) {
    if (c.abstract || userCreatable[c.name] === true) continue;
    const words = [`"${c.name}"`, ...(byName.get(c.name) ?? [])];
    const pattern = new RegExp(words.map((w) => (w.startsWith('"') ? w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : `\\b${w}\\b`)).join('|'));
    const found: string[] = [];
    for (const [f, t] of texts) {
      if (f === c.at.file ? createsIn(exportedBodies(t, true), pattern) : pattern.test(withoutParents(t))) found.push(f);
    }
    for (const [f, b] of inlineBodies) if (pattern.test(b)) found.push(f);
    mentions[c.name] = found;
  }
  return { userCreatable, mentions };
}

/** Whether the nearest class of the chain that says sets user_creatable false. */
export function notUserCreatable(chain: readonly string[], p: Placement): boolean {
  for (const n of chain) if (n in p.userCreatable) return !p.userCreatable[n];
  return false;
}

/**
 * The machine types of the tree where a class that is not user-creatable
 * may be created: those whose QOM ancestry owns a file that mentions it, or
 * where a mentioning file defines no machine type at all (shared code).
 */
export function boardMachines(cls: string, p: Placement, model: ExtractedModel, machines: MachineExtraction): string[] {
  const parentOf = new Map(model.classes.map((c) => [c.name, c.parent]));
  const fileOf = new Map(model.classes.map((c) => [c.name, c.at.file]));
  const isMachine = (name: string): boolean => {
    for (let n: string | null | undefined = name, i = 0; n && i < 32; n = parentOf.get(n), i++) if (n === 'machine') return true;
    return false;
  };
  // files that define machine types: the versioned ones (machines/) and the machine classes
  const machineFiles = new Set<string>([...machines.machines.map((m) => m.file), ...model.classes.filter((c) => isMachine(c.name)).map((c) => c.at.file)]);
  const files = p.mentions[cls] ?? [];
  return machines.machines
    .filter((m) => {
      const own = new Set<string>([m.file]);
      for (let n: string | null | undefined = m.parent, i = 0; n && i < 32; n = parentOf.get(n), i++) {
        const f = fileOf.get(n);
        if (f) own.add(f);
      }
      return files.some((f) => own.has(f) || !machineFiles.has(f));
    })
    .map((m) => m.name);
}
