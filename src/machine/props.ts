import { VmError } from '../wire/errors.js';
import type { CompatEntry, DeviceClass, PropDef, Props, PropValue } from './types.js';

/** The QOM object a global property reaches: the device itself, or its PCI proxy. */
export type GlobalTarget = 'device' | 'proxy';

/** Whether a global for `driver` reaches the device object (its type, an ancestor or an interface), as object_dynamic_cast decides. */
function isA(type: string, parents: readonly string[], interfaces: readonly string[] | undefined, driver: string): boolean {
  return type === driver || parents.includes(driver) || (interfaces ?? []).includes(driver);
}

/** Which objects of `cls` a global for `driver` reaches (`device` matches both a virtio device and its proxy). */
export function globalTargets(cls: DeviceClass, driver: string): GlobalTarget[] {
  const out: GlobalTarget[] = [];
  if (isA(cls.type, cls.parents, cls.interfaces, driver)) out.push('device');
  if (cls.proxy && isA(cls.proxy.type, cls.proxy.parents, cls.proxy.interfaces, driver)) out.push('proxy');
  return out;
}

/** Whether the property belongs to the target object (a proxy reaches its device's too, through its aliases). */
function owns(cls: DeviceClass, target: GlobalTarget, property: string): boolean {
  if (!cls.props[property]) return false;
  if (!cls.proxy) return true;
  return target === 'proxy' || !cls.proxy.props.includes(property);
}

/**
 * Resolves a device instance's properties: class defaults, then every
 * global property (the machine type's compat entries, then the user's
 * `-global`s) whose driver the object is, in order (last wins), then
 * `-device` options (`overrides`). A virtio device and its PCI proxy are
 * two objects: the device's globals apply first, then the proxy's.
 *
 * The models carry only the properties that shape migration state, so a
 * compat entry naming another property is passed over; a user global that
 * reaches the device and names a property it does not have is an error,
 * as QEMU's "Property not found" is.
 */
export function resolveProps(
  cls: DeviceClass,
  compat: readonly CompatEntry[],
  overrides: Record<string, string> = {},
  globals: readonly CompatEntry[] = [],
): Props {
  const out: Record<string, PropValue> = {};
  for (const [k, def] of Object.entries(cls.props)) out[k] = def.default;
  const list = [...compat.map((e) => ({ e, user: false })), ...globals.map((e) => ({ e, user: true }))];
  for (const target of ['device', 'proxy'] as const) {
    for (const { e, user } of list) {
      if (!globalTargets(cls, e.driver).includes(target)) continue;
      if (!owns(cls, target, e.property)) {
        if (user && !e.optional) throw noSuchGlobalProperty(cls, target, e);
        continue;
      }
      out[e.property] = parseProp(cls.props[e.property]!, e.value, `${user ? 'global' : 'compat property'} ${e.driver}.${e.property}=${e.value}`);
    }
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (!cls.props[k]) {
      throw new VmError({ kind: 'bad-input', message: `device ${cls.name} (${cls.type}) has no property '${k}'` });
    }
    out[k] = parseProp(cls.props[k]!, v, `override ${cls.type}.${k}=${v}`);
  }
  return out;
}

function noSuchGlobalProperty(cls: DeviceClass, target: GlobalTarget, e: CompatEntry): VmError {
  const type = target === 'proxy' ? cls.proxy!.type : cls.type;
  const mine = Object.keys(cls.props).filter((p) => owns(cls, target, p) && p !== 'host_features');
  const elsewhere = cls.proxy && target === 'device' && cls.proxy.props.includes(e.property) ? ` ('${e.property}' is a property of the PCI proxy ${cls.proxy.type})` : '';
  return new VmError({
    kind: 'bad-input',
    message: `can't apply global ${e.driver}.${e.property}=${e.value}: ${type} has no property '${e.property}'${elsewhere} (the model has: ${mine.join(', ') || 'none'})`,
  });
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
