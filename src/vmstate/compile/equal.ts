/**
 * stateEqual (src/vmstate/state.ts) by code written for one state's shape,
 * as clone.ts copies: two structs whose members are the sample's, in its
 * order, are compared member by member by name instead of key by key,
 * their nested structs and arrays of structs by their own such compares.
 * Anything of another shape goes to stateEqual itself, from there down:
 * the answer is stateEqual's in every case.
 */
import { stateEqual } from '../state.js';

export type Equal = (a: unknown, b: unknown) => boolean;

const isStruct = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);

/** A compare of states shaped like `sample` (a reset state of the device, say). */
export function equalFor(sample: unknown): Equal {
  if (isStruct(sample)) return structEqual(sample);
  if (Array.isArray(sample)) return arrayEqual(sample);
  return stateEqual;
}

function arrayEqual(sample: unknown[]): Equal {
  const first = sample.find(isStruct);
  const element = first ? structEqual(first) : stateEqual;
  return (a, b) => {
    if (a === b) return true;
    if (!Array.isArray(a) || !Array.isArray(b)) return stateEqual(a, b);
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x: unknown = a[i];
      const y: unknown = b[i];
      if (x !== y && !element(x, y)) return false;
    }
    return true;
  };
}

function structEqual(sample: Record<string, unknown>): Equal {
  const keys = Object.keys(sample);
  // as in clone.ts: a member named __proto__ is left to stateEqual
  if (keys.includes('__proto__')) return stateEqual;
  const nested: Equal[] = [];
  const members = keys.map((k) => {
    const v = sample[k];
    const at = `[${JSON.stringify(k)}]`;
    if (isStruct(v) || Array.isArray(v)) {
      nested.push(equalFor(v));
      return `(a${at} === b${at} || E[${nested.length - 1}](a${at}, b${at}))`;
    }
    return `(a${at} === b${at} || G(a${at}, b${at}))`;
  });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(
    'K',
    'E',
    'G',
    `return function equalStruct(a, b) {
      if (a === b) return true;
      if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) || Array.isArray(b) || ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) return G(a, b);
      const ka = Object.keys(a);
      if (ka.length !== ${keys.length}) return G(a, b);
      for (let i = 0; i < ${keys.length}; i++) if (ka[i] !== K[i]) return G(a, b);
      if (Object.keys(b).length !== ${keys.length}) return false;
      return ${members.length ? members.join(' && ') : 'true'};
    };`,
  );
  return make(keys, nested, stateEqual) as Equal;
}
