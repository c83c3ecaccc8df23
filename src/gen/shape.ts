import fc, { type Arbitrary } from 'fast-check';
import { biased } from './bias.js';

/**
 * Values shaped like `reset` — a member no VMSD field describes, so no codec
 * says its width: booleans, 32-bit integers (signed when the reset value is
 * negative), 64-bit bigints, byte buffers of the same length, arrays and
 * structs element by element. Biased toward `reset`; a device's validity
 * rules narrow what a guest can really reach.
 */
export function shapedArbitrary(reset: unknown): Arbitrary<unknown> {
  if (typeof reset === 'boolean') return biased(reset, fc.boolean());
  if (typeof reset === 'number') {
    if (!Number.isInteger(reset)) return fc.constant(reset);
    return biased(reset, reset < 0 ? fc.integer({ min: -0x80000000, max: 0x7fffffff }) : fc.integer({ min: 0, max: 0xffffffff }));
  }
  if (typeof reset === 'bigint') return biased(reset, reset < 0n ? fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n) : fc.bigInt(0n, 2n ** 64n - 1n));
  if (reset instanceof Uint8Array) return biased(reset, fc.uint8Array({ minLength: reset.length, maxLength: reset.length }) as Arbitrary<Uint8Array>);
  if (Array.isArray(reset)) return fc.tuple(...reset.map(shapedArbitrary));
  if (reset !== null && typeof reset === 'object') {
    return fc.record(Object.fromEntries(Object.entries(reset).map(([k, v]) => [k, shapedArbitrary(v)])));
  }
  return fc.constant(reset);
}
