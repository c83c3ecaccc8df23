import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexBytes, leafText } from './tree.js';

describe('leafText', () => {
  it('prints a number as its BigInt prints: zero-padded hex, the signed value beside a negative one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((size) =>
          fc.tuple(fc.constant(size), fc.bigInt({ min: -(1n << BigInt(size * 8 - 1)), max: (1n << BigInt(size * 8)) - 1n })),
        ),
        ([size, n]) => {
          const asNumber = Number(n);
          if (!Number.isSafeInteger(asNumber)) return;
          expect(leafText(asNumber, size)).toBe(leafText(n, size));
        },
      ),
    );
    expect(leafText(-1, 2)).toBe('0xffff (-1)');
    expect(leafText(12, 2)).toBe('0x000c');
    expect(leafText(-1n, 8)).toBe('0xffffffffffffffff (-1)');
    // a value wider than its size goes the BigInt way, as before
    expect(leafText(0x1_0000, 1)).toBe('0x10000');
  });
});

describe('hexBytes', () => {
  it('is each byte as two hex digits, one space between', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(hexBytes(b)).toBe([...b].map((x) => x.toString(16).padStart(2, '0')).join(' '));
      }),
    );
    expect(hexBytes(new Uint8Array([0, 0xab, 7]))).toBe('00 ab 07');
    expect(hexBytes(new Uint8Array())).toBe('');
  });
});
