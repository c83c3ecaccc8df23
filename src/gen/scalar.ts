import fc, { type Arbitrary } from 'fast-check';

/**
 * Arbitraries for QEMU's primitive VMStateInfo codecs, by `info.name`
 * (spec §3.6). Values follow the state conventions: ≤ 32-bit integers are
 * numbers, 64-bit integers and timers bigints, bools booleans, buffers
 * Uint8Arrays.
 */

const INT_RANGES: Record<string, readonly [number, number]> = {
  int8: [-0x80, 0x7f],
  uint8: [0, 0xff],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** `_EQUAL` codecs: the value must match the destination's, so it keeps its reset value. */
const EQUAL_INFOS = new Set(['uint8 equal', 'uint16 equal', 'int32 equal', 'uint32 equal', 'int64 equal']);

/** Codecs that carry no member value. */
const VALUELESS_INFOS = new Set(['unused_buffer', 'nullptr']);

const PRIMITIVE_INFOS = new Set([
  'bool',
  ...Object.keys(INT_RANGES),
  'int64',
  'uint64',
  'timer',
  'buffer',
  'int32 le',
  ...EQUAL_INFOS,
  ...VALUELESS_INFOS,
]);

/** True for the codecs of migration/vmstate-types.c this generator knows; anything else is a custom codec. */
export function isPrimitiveInfo(name: string): boolean {
  return PRIMITIVE_INFOS.has(name);
}

export function isEqualInfo(name: string): boolean {
  return EQUAL_INFOS.has(name);
}

export function isValuelessInfo(name: string): boolean {
  return VALUELESS_INFOS.has(name);
}

/** The integer range of a ≤ 32-bit integer codec (`uint8`, `int32 le` …), or undefined. */
export function intRange(name: string): readonly [number, number] | undefined {
  return INT_RANGES[name] ?? (name === 'int32 le' ? INT_RANGES.int32 : undefined);
}

/** The full-range arbitrary of one element of a primitive codec; undefined for `_EQUAL`, valueless and custom codecs. */
export function scalarArbitrary(name: string, size = 0): Arbitrary<unknown> | undefined {
  const range = INT_RANGES[name];
  if (range) return fc.integer({ min: range[0], max: range[1] });
  switch (name) {
    case 'bool':
      return fc.boolean();
    case 'int64':
      return fc.bigInt(INT64_MIN, INT64_MAX);
    case 'uint64':
      return fc.bigInt(0n, UINT64_MAX);
    case 'timer':
      // disarmed (-1) or armed at a non-negative expiry in ns
      return fc.oneof(fc.constant(-1n), fc.bigInt(0n, INT64_MAX));
    case 'buffer':
      return fc.uint8Array({ minLength: size, maxLength: size });
    default:
      return undefined;
  }
}

/** The value a member has before anything sets it (used to pad arrays and build elements past the reset ones). */
export function blankValue(name: string, size = 0): unknown {
  if (INT_RANGES[name] || name === 'int32 le' || (isEqualInfo(name) && name !== 'int64 equal')) return 0;
  switch (name) {
    case 'bool':
      return false;
    case 'int64':
    case 'uint64':
    case 'int64 equal':
      return 0n;
    case 'timer':
      return -1n;
    case 'buffer':
      return new Uint8Array(size);
    default:
      return undefined;
  }
}
