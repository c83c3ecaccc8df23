/**
 * cloneState (src/vmstate/state.ts) by code written for one state's shape:
 * a struct whose members are those of the sample, in the sample's order,
 * is copied by one object literal instead of a key-by-key build, its
 * nested structs and arrays of structs by their own such copies. Anything
 * of another shape (other members, another order, an array where the
 * sample had a struct) is copied by cloneState itself, from there down:
 * the result is cloneState's in every case, keys in the same order.
 */
import { cloneState } from '../state.js';

export type Cloner = <T>(v: T) => T;

const isObject = (v: unknown): v is object => v !== null && typeof v === 'object';
const isStruct = (v: unknown): v is Record<string, unknown> => isObject(v) && !Array.isArray(v) && !ArrayBuffer.isView(v);

const generic = cloneState as Cloner;

/** A copier of states shaped like `sample` (a reset state of the device, say). */
export function clonerFor(sample: unknown): Cloner {
  if (isStruct(sample)) return structCloner(sample);
  if (Array.isArray(sample)) return arrayCloner(sample);
  return generic;
}

function arrayCloner(sample: unknown[]): Cloner {
  // arrays of structs: every element by the first struct's copier (each element checks its own shape)
  const first = sample.find(isStruct);
  const element = first ? structCloner(first) : generic;
  return (<T>(v: T): T => {
    if (!Array.isArray(v)) return generic(v);
    // a native copy, then the elements that are objects copied in turn (and a hole made the undefined cloneState makes of it)
    const out = v.slice() as unknown[];
    const n = out.length;
    for (let i = 0; i < n; i++) {
      const x: unknown = out[i];
      if (isObject(x)) out[i] = element(x);
      else if (x === undefined && !(i in out)) out[i] = undefined;
    }
    return out as T;
  }) as Cloner;
}

function structCloner(sample: Record<string, unknown>): Cloner {
  const keys = Object.keys(sample);
  const nested: Cloner[] = [];
  const members = keys.map((k) => {
    const v = sample[k];
    const at = `o[${JSON.stringify(k)}]`;
    // a literal's `"__proto__": v` sets the prototype; a computed key defines an own property, as cloneState's copy has
    const key = k === '__proto__' ? `[${JSON.stringify(k)}]` : JSON.stringify(k);
    if (isStruct(v) || Array.isArray(v)) {
      nested.push(clonerFor(v));
      return `${key}: (x = ${at}, x !== null && typeof x === 'object' ? C[${nested.length - 1}](x) : x)`;
    }
    return `${key}: (x = ${at}, x !== null && typeof x === 'object' ? G(x) : x)`;
  });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(
    'K',
    'C',
    'G',
    `return function cloneStruct(o) {
      if (o === null || typeof o !== 'object' || Array.isArray(o) || ArrayBuffer.isView(o)) return G(o);
      const ks = Object.keys(o);
      if (ks.length !== ${keys.length}) return G(o);
      for (let i = 0; i < ${keys.length}; i++) if (ks[i] !== K[i]) return G(o);
      let x;
      return { ${members.join(', ')} };
    };`,
  );
  return make(keys, nested, generic) as Cloner;
}
