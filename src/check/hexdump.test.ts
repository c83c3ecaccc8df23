import { describe, expect, it } from 'vitest';
import { hexdump } from './hexdump.js';
import type { TraceEntry } from '../vmstate/types.js';

const leaf = (name: string, offset: number, size: number): TraceEntry => ({ keys: [name], vmsd: 'v', field: name, offset, size, what: 'field' });

describe('hexdump', () => {
  it('marks the bytes at the offset and names what each side put there', () => {
    const bytes = new Uint8Array(48).map((_, i) => i);
    const lines = hexdump(bytes, {
      offset: 0x14,
      length: 4,
      before: 1,
      after: 0,
      sent: [leaf('a', 0x10, 4), leaf('b', 0x14, 4)],
      read: [leaf('a', 0x10, 4), leaf('c', 0x14, 8)],
      sender: '8.2.0',
      receiver: '9.0.0',
    });
    expect(lines).toEqual([
      '000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f',
      '000010  10 11 12 13[14 15 16 17]18 19 1a 1b 1c 1d 1e 1f   8.2.0: a … b · 9.0.0: a … c',
    ]);
  });
  it('stops at the end of the stream', () => {
    const lines = hexdump(new Uint8Array([1, 2, 3]), { offset: 2, before: 3, after: 3 });
    expect(lines).toEqual(['000000  01 02[03]']);
  });
});
