import { cloneState, hasMember, setMember } from '../vmstate/state.js';
import type { State } from '../vmstate/types.js';
import type { StatePatch } from './types.js';

/** Merges a struct arbitrary's part values (and an optional extra patch) into a fresh state. */
export type Merge = (values: readonly unknown[], extra?: StatePatch) => State;

/**
 * The merge of a struct's part values over a fresh copy of `base`, keeping
 * `base`'s key order (a later part wins, as in save order); `extra` fills
 * keys no part wrote; `members[i]` is the member part i writes (null: a
 * custom codec's patch of any members). Built once per struct arbitrary:
 * with no custom patch, the state is one object literal written for
 * `base`'s keys (new Function, as compile/clone.ts copies), a member no part
 * writes copied from `base` (a primitive as is, anything else by
 * cloneState), once the struct has been merged COMPILE_AFTER times; before
 * that by a shared loop (measured: per case, with fresh arbitraries, a
 * compiled function per struct costs its warm-up and gains nothing). Same
 * state, same key order either way.
 */
export function compileMerge(base: State, members: readonly (string | null)[]): Merge {
  if (members.includes(null)) return patchMerge(base, members);
  // a compiled function starts cold: a struct merged a few times (one case's states) is merged faster by the shared loop
  const loop = loopMerge(base, members);
  let calls = 0;
  let fast: Merge | undefined;
  return (values, extra) => {
    if (fast) return fast(values, extra);
    if (++calls >= COMPILE_AFTER) fast = literalMerge(base, members);
    return loop(values, extra);
  };
}

/** Merges of one struct after which the object literal is compiled. */
const COMPILE_AFTER = 256;

/** The merge as one object literal for `base`'s keys (new Function). */
export function literalMerge(base: State, members: readonly (string | null)[]): Merge {
  const keys = Object.keys(base);
  const last = new Map<string, number>();
  members.forEach((m, i) => m !== null && last.set(m, i));
  const added = [...last.keys()].filter((m) => !hasMember(base, m));
  const key = (k: string) => (k === '__proto__' ? `[${JSON.stringify(k)}]` : JSON.stringify(k));
  const fromBase = (k: string) => {
    const v = base[k];
    return v !== null && typeof v === 'object' ? `G(b[${JSON.stringify(k)}])` : `b[${JSON.stringify(k)}]`;
  };
  const plain = [...keys.map((k) => `${key(k)}: ${last.has(k) ? `v[${last.get(k)}]` : fromBase(k)}`), ...added.map((m) => `${key(m)}: v[${last.get(m)}]`)];
  const withExtra = [
    ...keys.map((k) => `${key(k)}: ${last.has(k) ? `v[${last.get(k)}]` : `(H(x, ${JSON.stringify(k)}) ? x[${JSON.stringify(k)}] : ${fromBase(k)})`}`),
    ...added.map((m) => `${key(m)}: v[${last.get(m)}]`),
  ];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(
    'b',
    'G',
    'S',
    'H',
    `return function mergeStruct(v, x) {
      if (x === undefined) return { ${plain.join(', ')} };
      const out = { ${withExtra.join(', ')} };
      for (const k of Object.keys(x)) if (!H(out, k)) S(out, k, x[k]);
      return out;
    };`,
  );
  return make(base, cloneState, setMember, hasMember) as Merge;
}


/** A custom codec's patch may write any member: merged key by key (own members only: a member may be named __proto__ or constructor). */
function patchMerge(base: State, members: readonly (string | null)[]): Merge {
  const keys = Object.keys(base);
  return (values, extra) => {
    const patched = new Map<string, unknown>();
    for (let i = 0; i < members.length; i++) {
      const m = members[i];
      if (m === null) for (const [k, v] of Object.entries(values[i] as StatePatch)) patched.set(k, v);
      else patched.set(m, values[i]);
    }
    if (extra) for (const [k, v] of Object.entries(extra)) if (!patched.has(k)) patched.set(k, v);
    const out: State = {};
    for (const k of keys) setMember(out, k, patched.has(k) ? patched.get(k) : cloneState(base[k]));
    for (const [k, v] of patched) if (!hasMember(out, k)) setMember(out, k, v);
    return out;
  };
}

/** The merge key by key, by one shared loop (no compilation: fast from the first call). */
export function loopMerge(base: State, members: readonly (string | null)[]): Merge {
  const keys = Object.keys(base);
  const last = new Map<string, number>();
  members.forEach((m, i) => m !== null && last.set(m, i));
  const added = [...last.keys()].filter((m) => !hasMember(base, m));
  const slot = keys.map((k) => last.get(k) ?? -1);
  const addedSlot = added.map((m) => last.get(m)!);
  return (values, extra) => {
    const out: State = {};
    for (let j = 0; j < keys.length; j++) {
      const i = slot[j]!;
      const k = keys[j]!;
      setMember(out, k, i >= 0 ? values[i] : extra && hasMember(extra, k) ? extra[k] : cloneState(base[k]));
    }
    for (let j = 0; j < added.length; j++) setMember(out, added[j]!, values[addedSlot[j]!]);
    if (extra) for (const k of Object.keys(extra)) if (!hasMember(out, k)) setMember(out, k, extra[k]);
    return out;
  };
}
