/** Writer.ints and Reader.ints: an integer array in one call, byte for byte and error for error what the per-element calls do. */
import { describe, expect, it } from 'vitest';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

const kinds = [
  { bytes: 1, signed: false, put: 'u8', get: 'u8' },
  { bytes: 1, signed: true, put: 'u8', get: 'i8' },
  { bytes: 2, signed: false, put: 'u16', get: 'u16' },
  { bytes: 2, signed: true, put: 'u16', get: 'i16' },
  { bytes: 4, signed: false, put: 'u32', get: 'u32' },
  { bytes: 4, signed: true, put: 'u32', get: 'i32' },
] as const;

const values: unknown[] = [0, 1, -1, 255, 256, 65535, -32768, 0x7fffffff, 0xffffffff, 2 ** 40 + 3, undefined, true, 1.7, NaN, 5n];

describe('Writer.ints / Reader.ints', () => {
  for (const k of kinds) {
    it(`${k.get}: the same bytes, values and short read as element by element`, () => {
      const one = new Writer(8);
      for (const v of values) (one[k.put] as (x: number) => void)(Number(v ?? 0));
      const bulk = new Writer(8);
      bulk.u8(9);
      bulk.ints(values, values.length, k.bytes);
      expect(bulk.finish().subarray(1)).toEqual(one.finish());

      const bytes = one.finish();
      for (const end of [bytes.length, bytes.length - 1, 3, 0]) {
        const each: unknown[] = [];
        const r1 = new Reader(bytes, 0, end);
        let e1: unknown = null;
        try {
          for (let i = 0; i < values.length; i++) each[i] = (r1[k.get] as (w: string) => number)('x');
        } catch (e) {
          e1 = e;
        }
        const all: unknown[] = [];
        const r2 = new Reader(bytes, 0, end);
        let e2: unknown = null;
        try {
          r2.ints(all, values.length, k.bytes, k.signed, 'x');
        } catch (e) {
          e2 = e;
        }
        expect(all).toEqual(each);
        expect(r2.offset).toBe(r1.offset);
        expect(e2).toEqual(e1);
        expect((e2 as Error | null)?.message).toBe((e1 as Error | null)?.message);
      }
    });
  }
});
