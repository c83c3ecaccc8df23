import { cloneState, hasMember, setMember } from '../vmstate/state.js';
import type { State } from '../vmstate/types.js';
import type { StatePatch } from './types.js';

/** Merges a struct arbitrary's part values (and an optional extra patch) into a fresh state. */
export type Merge = (values: readonly unknown[], extra?: StatePatch) => State;

/**
 * The merge of a struct's part values over a fresh copy of `base`, keeping
 * `base`'s key order (a later part wins, as in save order); `extra` fills
 * keys no part wrote; `members[i]` is the member part i writes (null: a
 * custom codec's patch of any members). Built once per struct arbitrary.
 * (A merge compiled to one object literal with new Function was measured
 * within 2 % of the loop, per case with fresh arbitraries: not kept.)
 */
export function compileMerge(base: State, members: readonly (string | null)[]): Merge {
  return members.includes(null) ? patchMerge(base, members) : loopMerge(base, members);
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

/** The merge key by key, by one shared loop. */
function loopMerge(base: State, members: readonly (string | null)[]): Merge {
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
