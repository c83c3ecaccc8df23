/**
 * A compare of two states on what the sender's state covers, by code
 * written for the sender's VMSD and its reset state's shape
 * ("coveredEqual"): the verdict of a passing check without a trace.
 *
 * The check holds the receiver to the leaves the sender put on the wire
 * (diffOnWire over the save's trace). Every such leaf sits under a member
 * of the sender's state or a member its VMSD names; the receiver may have
 * members of its own besides (a field it adds, a scanout's new members).
 * So where the sender's VMSD says a member is a struct (a struct field, an
 * array of them), the receiver's struct there is compared on the sender's
 * members and the members the VMSD names, each by its own such compare;
 * every other member is compared whole (stateEqual), leaves and all. At a
 * struct a codec over the whole struct records leaves of its own choosing
 * in (a member-less field whose codec records its own leaves), the
 * receiver's own members are compared too. Then states that compare equal
 * here agree at every leaf of any trace of the sender's: diffOnWire finds
 * nothing. When they do not (a member differs, arrays of another length,
 * another shape), the check takes its traces to say whether that is on the
 * wire: false here never decides a verdict.
 */
import * as F from '../flags.js';
import { isArrayField, isStruct as isStructField } from '../field.js';
import { stateEqual } from '../state.js';
import type { VMStateDescription } from '../types.js';

/** A compare of two states. */
export type Equal = (a: unknown, b: unknown) => boolean;

/** How one member is compared. */
type Node = { kind: 'whole' } | { kind: 'struct'; level: Level } | { kind: 'array'; level: Level };

/** One struct's members as the VMSDs saved over it name them. */
interface Level {
  members: Map<string, Node>;
  /** A codec over the whole struct records its own leaves here: the receiver's own members count too. */
  strict: boolean;
}

const WHOLE: Node = { kind: 'whole' };

const isStruct = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

const levels = new WeakMap<VMStateDescription, Level>();

/** The level of the struct `vmsd` is saved over (one per VMSD; a VMSD that reaches itself shares it). */
function levelOf(vmsd: VMStateDescription): Level {
  let l = levels.get(vmsd);
  if (l) return l;
  l = { members: new Map(), strict: false };
  levels.set(vmsd, l);
  addVmsd(l, vmsd, new Set());
  return l;
}

/** Adds what `vmsd`, its subsections and the VMSDs its member-less codecs save over the same struct name. */
function addVmsd(l: Level, vmsd: VMStateDescription, seen: Set<VMStateDescription>): void {
  if (seen.has(vmsd)) return;
  seen.add(vmsd);
  for (const f of vmsd.fields) {
    if (f.member === null) {
      if (f.info?.recordsOwnLeaves) l.strict = true;
      for (const n of f.info?.nested ?? []) addVmsd(l, n, seen);
      continue;
    }
    let node: Node = WHOLE;
    if (isStructField(f) && f.vmsd && !(f.flags & F.VMS_VBUFFER)) node = isArrayField(f) ? { kind: 'array', level: levelOf(f.vmsd) } : { kind: 'struct', level: levelOf(f.vmsd) };
    const had = l.members.get(f.member);
    // a member two fields name in two ways (or over two VMSDs) is compared whole
    if (had && (had.kind !== node.kind || (had.kind !== 'whole' && had.level !== (node as { level: Level }).level))) node = WHOLE;
    l.members.set(f.member, node);
  }
  for (const s of vmsd.subsections ?? []) addVmsd(l, s, seen);
}

/** The generic compare at one level (any shape): what the compiled one falls back to. */
function levelEqual(l: Level, a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isStruct(a) || !isStruct(b)) return stateEqual(a, b);
  for (const k of Object.keys(a)) if (!nodeEqual(l.members.get(k), a[k], own(b, k) ? b[k] : undefined)) return false;
  for (const [k, n] of l.members) if (!own(a, k) && !nodeEqual(n, undefined, own(b, k) ? b[k] : undefined)) return false;
  if (l.strict) for (const k of Object.keys(b)) if (!own(a, k) && !l.members.has(k) && b[k] !== undefined) return false;
  return true;
}

function nodeEqual(n: Node | undefined, x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (n === undefined || n.kind === 'whole') return stateEqual(x, y);
  if (n.kind === 'struct') return levelEqual(n.level, x, y);
  return arrayEqual(n.level, x, y, (p, q) => levelEqual(n.level, p, q));
}

function arrayEqual(_l: Level, x: unknown, y: unknown, element: Equal): boolean {
  if (!Array.isArray(x) || !Array.isArray(y)) return stateEqual(x, y);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !element(x[i], y[i])) return false;
  return true;
}

/**
 * coveredEqual(sent, received) for states of the struct `vmsd` is saved
 * over, compiled for states shaped like `sample` (the sender's reset
 * state): a struct with the sample's members in its order takes the
 * straight-line compare, any other shape the generic one.
 */
export function coveredFor(vmsd: VMStateDescription, sample: unknown): Equal {
  return compileLevel(levelOf(vmsd), sample);
}

function compileLevel(l: Level, sample: unknown): Equal {
  const generic: Equal = (a, b) => levelEqual(l, a, b);
  if (!isStruct(sample)) return generic;
  const keys = Object.keys(sample);
  // a member named __proto__ is left to the generic compare (no literal property access for it)
  if (keys.includes('__proto__') || [...l.members.keys()].includes('__proto__')) return generic;
  const fns: Equal[] = [];
  const compareOf = (k: string, n: Node | undefined, v: unknown): string => {
    const at = `[${JSON.stringify(k)}]`;
    if (n === undefined || n.kind === 'whole') return `(a${at} === b${at} || G(a${at}, b${at}))`;
    const fn = n.kind === 'struct' ? compileLevel(n.level, v) : compileArray(n.level, v);
    fns.push(fn);
    return `(a${at} === b${at} || E[${fns.length - 1}](a${at}, b${at}))`;
  };
  const members = keys.map((k) => compareOf(k, l.members.get(k), sample[k]));
  // members the VMSD names that the sample lacks: absent on both sides, or compared
  const absent = [...l.members.keys()].filter((k) => !keys.includes(k));
  const absentChecks = absent.map((k) => `(!O(b, ${JSON.stringify(k)}) || b[${JSON.stringify(k)}] === undefined)`);
  const known = new Set([...keys, ...l.members.keys()]);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(
    'K',
    'E',
    'G',
    'L',
    'KNOWN',
    'O',
    `return function coveredStruct(a, b) {
      if (a === b) return true;
      if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) || Array.isArray(b) || ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) return L(a, b);
      const ka = Object.keys(a);
      if (ka.length !== ${keys.length}) return L(a, b);
      for (let i = 0; i < ${keys.length}; i++) if (ka[i] !== K[i]) return L(a, b);
      if (!(${[...members, ...absentChecks].join(' && ') || 'true'})) return false;
      ${l.strict ? 'for (const k of Object.keys(b)) if (!KNOWN.has(k) && b[k] !== undefined) return false;' : ''}
      return true;
    };`,
  );
  return make(keys, fns, stateEqual, generic, known, own) as Equal;
}

function compileArray(l: Level, sample: unknown): Equal {
  const first = Array.isArray(sample) ? sample.find(isStruct) : undefined;
  const element = compileLevel(l, first);
  return (x, y) => arrayEqual(l, x, y, element);
}

/**
 * The members of the struct `vmsd` is saved over on which `received` may
 * not agree with `sent` (each compared as coveredEqual compares it; a
 * member only the receiver has, where a codec over the struct records
 * leaves of its own, counts too), or null for states that are not structs.
 * A leaf of the sender's trace under any other member agrees: the traced
 * compare may pass those leaves by (diffOnWire's `only`).
 */
export function differingMembersFor(vmsd: VMStateDescription): (sent: unknown, received: unknown) => Set<string> | null {
  const l = levelOf(vmsd);
  return (a, b) => {
    if (!isStruct(a) || !isStruct(b)) return null;
    const out = new Set<string>();
    for (const k of Object.keys(a)) if (!nodeEqual(l.members.get(k), a[k], own(b, k) ? b[k] : undefined)) out.add(k);
    for (const [k, n] of l.members) if (!own(a, k) && !nodeEqual(n, undefined, own(b, k) ? b[k] : undefined)) out.add(k);
    if (l.strict) for (const k of Object.keys(b)) if (!own(a, k) && !l.members.has(k) && b[k] !== undefined) out.add(k);
    return out;
  };
}
