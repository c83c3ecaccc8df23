import { VmError } from '../wire/errors.js';
import type { CompatEntry, DeviceClass, PropDef, Props, PropValue } from './types.js';

/**
 * Resolves a device instance's properties: class defaults, then every
 * compat entry whose driver is the device's type or a QOM ancestor, in
 * order (last wins), then user overrides (like `-global`).
 */
export function resolveProps(cls: DeviceClass, compat: readonly CompatEntry[], overrides: Record<string, string> = {}): Props {
  const out: Record<string, PropValue> = {};
  for (const [k, def] of Object.entries(cls.props)) out[k] = def.default;
  const types = new Set([cls.type, ...cls.parents]);
  const apply = (property: string, value: string, source: string) => {
    const def = cls.props[property];
    // The models carry only the properties that shape migration state; others are ignored here.
    if (!def) return;
    out[property] = parseProp(def, value, `${source} ${cls.type}.${property}=${value}`);
  };
  for (const e of compat) if (types.has(e.driver)) apply(e.property, e.value, 'compat property');
  for (const [k, v] of Object.entries(overrides)) {
    if (!cls.props[k]) {
      throw new VmError({ kind: 'bad-input', message: `device ${cls.name} (${cls.type}) has no property '${k}'` });
    }
    apply(k, v, 'override');
  }
  return out;
}

export function parseProp(def: PropDef, value: string, where: string): PropValue {
  const bad = () =>
    new VmError({ kind: 'bad-input', message: `${where}: '${value}' is not a valid ${def.type}` });
  switch (def.type) {
    case 'bool': {
      const v = value.toLowerCase();
      if (['on', 'true', 'yes'].includes(v)) return true;
      if (['off', 'false', 'no'].includes(v)) return false;
      throw bad();
    }
    case 'string':
    case 'onoffauto':
      return value;
    case 'uint64': {
      if (!/^(0x[0-9a-f]+|\d+)$/i.test(value)) throw bad();
      return BigInt(value);
    }
    default: {
      if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(value)) throw bad();
      const n = Number(value);
      const [lo, hi] = { uint8: [0, 0xff], uint16: [0, 0xffff], uint32: [0, 0xffffffff], int32: [-0x80000000, 0x7fffffff] }[def.type];
      if (!Number.isInteger(n) || n < lo! || n > hi!) throw bad();
      return n;
    }
  }
}
