import type { State } from './types.js';

/** Deep copy of a state tree (numbers, bigints, booleans, buffers, arrays, objects). */
export function cloneState<T = State>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v.slice() as T;
  if (Array.isArray(v)) {
    // arrays of scalars (register files, byte arrays) are common and long: copy them in one go
    let scalars = true;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x !== null && typeof x === 'object') {
        scalars = false;
        break;
      }
    }
    return (scalars ? v.slice() : v.map(cloneState)) as T;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = cloneState(x);
  return out as T;
}

/** Deep equality over state trees. */
export function stateEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    // index by index: Object.keys would make a string per element of a 32 K register file
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== bb[i] && !stateEqual(a[i], bb[i])) return false;
    return true;
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!stateEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** JSON-safe view of a state: bigints as decimal strings, buffers as hex strings. */
export function stateToJson(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(stateToJson);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = stateToJson(x);
    return out;
  }
  return v;
}

/**
 * The members of `state` that differ from `reset`, JSON-safe; arrays of the
 * same length show only the differing elements as `[i]` keys. A compact way
 * to show a counterexample: "what is not a freshly reset device".
 */
export function diffFromReset(state: unknown, reset: unknown): unknown {
  if (stateEqual(state, reset)) return undefined;
  if (Array.isArray(state) && Array.isArray(reset) && state.length === reset.length) {
    const out: Record<string, unknown> = {};
    state.forEach((x, i) => {
      const d = diffFromReset(x, reset[i]);
      if (d !== undefined) out[`[${i}]`] = d;
    });
    return out;
  }
  if (isPlainObject(state) && isPlainObject(reset)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(state)) {
      const d = diffFromReset(state[k], reset[k]);
      if (d !== undefined) out[k] = d;
    }
    return out;
  }
  return stateToJson(state);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}
