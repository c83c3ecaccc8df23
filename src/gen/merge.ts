import { cloneState } from '../vmstate/state.js';
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
 * cloneState). Same state, same key order as a key-by-key build.
 */
export function compileMerge(base: State, members: readonly (string | null)[]): Merge {
  if (members.includes(null)) return patchMerge(base, members);
  const keys = Object.keys(base);
  const last = new Map<string, number>();
  members.forEach((m, i) => m !== null && last.set(m, i));
  const added = [...last.keys()].filter((m) => !(m in base));
  const key = (k: string) => (k === '__proto__' ? `[${JSON.stringify(k)}]` : JSON.stringify(k));
  const fromBase = (k: string) => {
    const v = base[k];
    return v !== null && typeof v === 'object' ? `G(b[${JSON.stringify(k)}])` : `b[${JSON.stringify(k)}]`;
  };
  const plain = [...keys.map((k) => `${key(k)}: ${last.has(k) ? `v[${last.get(k)}]` : fromBase(k)}`), ...added.map((m) => `${key(m)}: v[${last.get(m)}]`)];
  const withExtra = [
    ...keys.map((k) => `${key(k)}: ${last.has(k) ? `v[${last.get(k)}]` : `(${JSON.stringify(k)} in x ? x[${JSON.stringify(k)}] : ${fromBase(k)})`}`),
    ...added.map((m) => `${key(m)}: v[${last.get(m)}]`),
  ];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(
    'b',
    'G',
    'S',
    `return function mergeStruct(v, x) {
      if (x === undefined) return { ${plain.join(', ')} };
      const out = { ${withExtra.join(', ')} };
      for (const k of Object.keys(x)) if (!(k in out)) S(out, k, x[k]);
      return out;
    };`,
  );
  return make(base, cloneState, setOwn) as Merge;
}

/** `out[k] = v` as an own property, whatever k is. */
function setOwn(out: State, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
  else out[k] = v;
}

/** A custom codec's patch may write any member: merged key by key. */
function patchMerge(base: State, members: readonly (string | null)[]): Merge {
  const keys = Object.keys(base);
  return (values, extra) => {
    const patched: StatePatch = {};
    for (let i = 0; i < members.length; i++) {
      const m = members[i];
      if (m === null) Object.assign(patched, values[i] as StatePatch);
      else patched[m] = values[i];
    }
    if (extra) for (const [k, v] of Object.entries(extra)) if (!(k in patched)) patched[k] = v;
    const out: State = {};
    for (const k of keys) out[k] = k in patched ? patched[k] : cloneState(base[k]);
    for (const k of Object.keys(patched)) if (!(k in out)) out[k] = patched[k];
    return out;
  };
}
