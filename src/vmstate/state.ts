import type { State } from './types.js';

/**
 * A register file or other large scalar array kept as a typed array
 * (Uint32Array, Uint16Array …): copied, compared and shown like the number
 * array it stands for. Uint8Array is a buffer, with its own rules.
 */
export type ScalarArray = Exclude<ArrayBufferView, DataView | Uint8Array> & ArrayLike<number | bigint> & { slice(): ScalarArray };

export function isScalarArray(v: unknown): v is ScalarArray {
  return ArrayBuffer.isView(v) && !(v instanceof Uint8Array) && !(v instanceof DataView);
}

/** Deep copy of a state tree (numbers, bigints, booleans, buffers, typed and plain arrays, objects). */
export function cloneState<T = State>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  return cloneObject(v as object) as T;
}

function cloneObject(v: object): unknown {
  if (ArrayBuffer.isView(v)) return (v as Uint8Array).slice();
  if (Array.isArray(v)) {
    // a native copy (a register file of 16 K numbers copies in one go), then the elements that are objects, and holes made undefined
    const out = v.slice() as unknown[];
    const n = out.length;
    for (let i = 0; i < n; i++) {
      const x: unknown = out[i];
      if (x !== null && typeof x === 'object') out[i] = cloneObject(x);
      else if (x === undefined && !(i in out)) out[i] = undefined;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    const y = x !== null && typeof x === 'object' ? cloneObject(x) : x;
    if (k === '__proto__') setMember(out, k, y);
    else out[k] = y;
  }
  return out;
}

/**
 * `state[key] = value` for a member of any name: a member named `__proto__`
 * (a legal C member, so a legal QEMU field name, and one a stream or a dump
 * may spell) becomes an own property, where a plain assignment to a fresh
 * object would set its prototype instead.
 */
export function setMember(state: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__' && !Object.prototype.hasOwnProperty.call(state, key)) {
    Object.defineProperty(state, key, { value, writable: true, enumerable: true, configurable: true });
  } else state[key] = value;
}

/** Whether `state` has the member `key` itself: never one it inherits (`constructor`, `__proto__`, `toString` are C member names too). */
export function hasMember(state: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(state, key);
}

/** `state[key]` for a member the state has, undefined for one it lacks (never an inherited `constructor` or prototype). */
export function memberOf(state: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(state, key) ? state[key] : undefined;
}

/** Deep equality over state trees. */
export function stateEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    return sameBytes(a, b);
  }
  if (isScalarArray(a) && isScalarArray(b) && a.constructor === b.constructor) {
    return a.length === b.length && sameBytes(a, b);
  }
  if (isScalarArray(a) || isScalarArray(b)) {
    // a typed register file equals the same numbers, typed or not
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (!(isScalarArray(x) || Array.isArray(x)) || !(isScalarArray(y) || Array.isArray(y)) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
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

/** memcmp over two views' bytes. */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** JSON-safe view of a state: bigints as decimal strings, buffers as hex strings. */
export function stateToJson(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (isScalarArray(v)) return Array.from(v as ArrayLike<unknown>, stateToJson);
  if (Array.isArray(v)) return v.map(stateToJson);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setMember(out, k, stateToJson(x));
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
  const arrayLike = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || isScalarArray(v);
  if (arrayLike(state) && arrayLike(reset) && state.length === reset.length) {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < state.length; i++) {
      const d = diffFromReset(state[i], reset[i]);
      if (d !== undefined) out[`[${i}]`] = d;
    }
    return out;
  }
  if (isPlainObject(state) && isPlainObject(reset)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(state)) {
      const d = diffFromReset(state[k], reset[k]);
      if (d !== undefined) setMember(out, k, d);
    }
    return out;
  }
  return stateToJson(state);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** The 1-, 2- and 4-byte integer codecs, whose values a typed array of the right kind holds exactly. */
const TYPED_INFOS = new Set(['uint8', 'uint16', 'uint32', 'int8', 'int16', 'int32']);

/**
 * Whether a load of `n` elements of the scalar codec `info` may fill the
 * destination's own array `cur` in place although it is a typed array (a
 * register file or chip configuration the model keeps as Uint8Array,
 * Uint32Array …): it must be long enough, and a value it cannot hold
 * exactly (see `holds`) turns it into a plain array of the same numbers.
 */
export function typedTarget(cur: unknown, info: string, n: number): cur is ArrayLike<number> & { [i: number]: number } {
  return ArrayBuffer.isView(cur) && !(cur instanceof DataView) && !(cur instanceof BigInt64Array) && !(cur instanceof BigUint64Array) && TYPED_INFOS.has(info) && (cur as unknown as ArrayLike<number>).length >= n;
}
