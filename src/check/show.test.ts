import { describe, expect, it } from 'vitest';
import { describeChange } from './show.js';

describe('describeChange', () => {
  it('shows short values whole', () => {
    expect(describeChange(5, 7, '8.2.0', '8.1.0')).toBe('was 5 at 8.2.0 and is 7 after 8.1.0');
    expect(describeChange(new Uint8Array([1, 2]), new Uint8Array([1, 3]), 'A', 'B')).toBe('was "0102" at A and is "0103" after B');
  });

  it('shows a long byte string as a window around its first difference', () => {
    const sent = new Uint8Array(512);
    sent[300] = 0xfe;
    sent[301] = 0x01;
    sent[511] = 0x80;
    const received = new Uint8Array(512);
    const m = describeChange(sent, received, '8.2.0', '8.1.0');
    expect(m).toBe(
      'was …00000000fe0100000000000000000000… at 8.2.0 and is …00000000000000000000000000000000… after 8.1.0 ' +
        '(512 bytes; first difference at byte 300, 3 byte(s) differ; the whole values are in the report)',
    );
    expect(m.length).toBeLessThan(200);
  });
});
