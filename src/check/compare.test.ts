import { describe, expect, test } from 'vitest';
import type { TraceEntry } from '../vmstate/types.js';
import { diffOnWire, wireBytes } from './compare.js';

const leaf = (keys: (string | number)[], offset: number, size: number): TraceEntry => ({ keys, vmsd: 'toy', field: String(keys[0]), offset, size, what: 'field' });
const text = (s: string, n: number) => {
  const b = new Uint8Array(n);
  b.set(new TextEncoder().encode(s));
  return b;
};

describe('diffOnWire: a member split or joined across releases is compared by its wire bytes', () => {
  // one side sends name[12]; the other reads name[4], flag (u8), pad[7] over the same 12 bytes
  const wide = [leaf(['size'], 0, 4), leaf(['name'], 4, 12)];
  const split = [leaf(['size'], 0, 4), leaf(['name'], 4, 4), leaf(['flag'], 8, 1), leaf(['pad'], 9, 7)];

  test('split: the wide value against the narrow leaves over its bytes; equal bytes are no difference', () => {
    const sent = { size: 4, name: text('run', 12) };
    const received = { size: 4, name: text('run', 4), flag: 0, pad: new Uint8Array(7) };
    expect(diffOnWire(wide, sent, received, split)).toBeNull();
  });

  test('split: a byte the receiver holds otherwise is a difference, at the sender’s leaf, with the bytes received', () => {
    const sent = { size: 4, name: text('run', 12) };
    const received = { size: 4, name: text('run', 4), flag: 1, pad: new Uint8Array(7) };
    const d = diffOnWire(wide, sent, received, split);
    expect(d?.path).toBe('name');
    expect(d?.received).toEqual(Uint8Array.of(0x72, 0x75, 0x6e, 0, 1, 0, 0, 0, 0, 0, 0, 0));
  });

  test('joined: the narrow value against the first bytes of the wide one', () => {
    const sent = { size: 4, name: text('run', 4), flag: 0, pad: new Uint8Array(7) };
    expect(diffOnWire(split, sent, { size: 4, name: text('run', 12) }, wide)).toBeNull();
    expect(diffOnWire(split, sent, { size: 4, name: text('ran', 12) }, wide)?.path).toBe('name');
  });

  test('the same bytes under the same path are still compared as values', () => {
    expect(diffOnWire(wide, { size: 4, name: text('a', 12) }, { size: 5, name: text('a', 12) }, wide)?.path).toBe('size');
  });

  test('wireBytes: buffers of their length and big-endian integers; anything else is not plain', () => {
    expect(wireBytes(0x0102, 2)).toEqual(Uint8Array.of(1, 2));
    expect(wireBytes(-1, 4)).toEqual(Uint8Array.of(255, 255, 255, 255));
    expect(wireBytes(true, 1)).toEqual(Uint8Array.of(1));
    expect(wireBytes(5n, 8)).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 5));
    expect(wireBytes(Uint8Array.of(1), 2)).toBeNull();
    expect(wireBytes({ a: 1 }, 1)).toBeNull();
  });
});
