/**
 * vmstate_info_bitmap as QEMU writes it: BITS_TO_U64S(size) be64 words,
 * bit i of the bitmap at bit i % 64 of word i / 64, the size member
 * counting bits.
 */
import { describe, expect, test } from 'vitest';
import { vmstate_info_bitmap } from '../../scenarios/common/bitmap.js';
import { Writer } from '../../src/wire/writer.js';
import { Reader } from '../../src/wire/reader.js';

const el = (size: number) => ({ size }) as never;

describe('vmstate_info_bitmap', () => {
  test('70 bits are two be64 words, bit 0 the low bit of the first, bit 64 the low bit of the second', () => {
    const bits = new Uint8Array(70);
    bits[0] = 1;
    bits[3] = 1;
    bits[64] = 1;
    bits[69] = 1;
    const w = new Writer();
    vmstate_info_bitmap.put(w, bits, el(70));
    const out = w.finish();
    expect(Buffer.from(out).toString('hex')).toBe('0000000000000009' + '0000000000000021');
    expect(vmstate_info_bitmap.get(new Reader(out), undefined, el(70))).toEqual(bits);
  });

  test('one bit still takes a whole word; no bits take none', () => {
    const w = new Writer();
    vmstate_info_bitmap.put(w, Uint8Array.of(1), el(1));
    vmstate_info_bitmap.put(w, new Uint8Array(0), el(0));
    expect(Buffer.from(w.finish()).toString('hex')).toBe('0000000000000001');
  });
});
