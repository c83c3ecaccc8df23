import { describe, expect, it } from 'vitest';
import { decode } from './decode.js';
import { VmError } from './errors.js';
import { Reader } from './reader.js';
import { walk } from './walk.js';
import { MAX_VMDESC_DEPTH, checkVmdesc } from './vmdesc-check.js';
import { Writer } from './writer.js';

/**
 * Every way the issue found a description could lie, through both parsers that trust
 * it: a typed 'bad-vmdesc' naming the JSON path and the description's offset, quickly.
 */

/** Header, one FULL section 'dev' of `payload` bytes + footer, EOF, then `json` as the description. */
function stream(json: string, payload = 4): Uint8Array {
  const w = new Writer();
  w.u32(0x5145564d);
  w.u32(3);
  w.u8(0x04);
  w.u32(0);
  w.countedString('dev');
  w.u32(0);
  w.u32(1);
  for (let i = 0; i < payload; i++) w.u8(0);
  w.u8(0x7e);
  w.u32(0);
  w.u8(0x00);
  const text = new TextEncoder().encode(json);
  w.u8(0x06);
  w.u32(text.length);
  w.bytes(text);
  return w.finish();
}

const dev = (fields: string, extra = '') => `{"page_size":4096,"devices":[{"name":"dev","instance_id":0,"vmsd_name":"dev","version":1,"fields":${fields}${extra}}]}`;
const u32 = '{"name":"a","type":"uint32","size":4}';

function nest(kind: 'struct' | 'subsections' | 'inline', depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    if (kind === 'struct') {
      open += `{"name":"s","type":"struct","size":4,"struct":{"vmsd_name":"n${i}","version":1,"fields":[`;
      close = ']}}' + close;
    } else if (kind === 'inline') {
      open += `{"name":"t","type":"tmp","size":4,"vmsd_name":"t${i}","version":0,"fields":[`;
      close = ']}' + close;
    } else {
      open += `{"vmsd_name":"s${i}","version":1,"fields":[],"subsections":[`;
      close = ']}' + close;
    }
  }
  if (kind === 'subsections') return dev('[]', `,"subsections":[${open}${close}]`);
  return dev(`[${open}${u32}${close}]`);
}

const CASES: [string, string, RegExp][] = [
  ['devices: [null]', '{"page_size":4096,"devices":[null]}', /devices\[0\]: null is not an object/],
  ['fields: [null]', dev('[null]'), /devices\[0\]\.fields\[0\]: null is not an object/],
  ['subsections: {}', dev(`[${u32}]`, ',"subsections":{}'), /devices\[0\]\.subsections: an object is not a list/],
  ['a negative size', dev('[{"name":"a","type":"buffer","size":-4096}]'), /devices\[0\]\.fields\[0\]\.size: -4096 is not a size/],
  ['a fractional size', dev('[{"name":"a","type":"buffer","size":2.5}]'), /devices\[0\]\.fields\[0\]\.size: 2\.5 is not a size/],
  ['a negative array_len', dev('[{"name":"a","type":"uint8","size":1,"array_len":-3}]'), /fields\[0\]\.array_len: -3 is not an element count/],
  ['a fractional array_len', dev('[{"name":"a","type":"uint8","size":1,"array_len":0.5}]'), /fields\[0\]\.array_len: 0\.5 is not an element count/],
  ['a fractional page_size', '{"page_size":4096.5,"devices":[]}', /page_size: 4096\.5 is not a page size/],
  ['a huge page_size', '{"page_size":1099511627776,"devices":[]}', /page_size: 1099511627776 is not a page size/],
  ['a page_size that is not a number', '{"page_size":"4096","devices":[]}', /page_size: "4096" is not a page size/],
  ['size 0 with array_len 1e9', dev('[{"name":"a","type":"buffer","size":0,"array_len":1000000000}]'), /1000000000 element\(s\) of 0 byte\(s\)/],
  ['more bytes than the stream holds', dev('[{"name":"a","type":"uint8","size":1,"array_len":1000000}]'), /describes 1000000 bytes, more than the \d+ bytes of stream/],
  ['structs nested 5000 deep', nest('struct', 5000), new RegExp(`nested more than ${MAX_VMDESC_DEPTH} vmsds deep`)],
  ['subsections nested 5000 deep', nest('subsections', 5000), new RegExp(`nested more than ${MAX_VMDESC_DEPTH} vmsds deep`)],
  ['tmp fields nested 5000 deep', nest('inline', 5000), new RegExp(`nested more than ${MAX_VMDESC_DEPTH} vmsds deep`)],
  ['a name that is not a string', dev('[{"name":7,"type":"uint32","size":4}]'), /fields\[0\]\.name: 7 is not a string/],
  ['devices that is not a list', '{"page_size":4096,"devices":7}', /\(top\): expected an object with "page_size" and "devices"/],
];

describe('a description that lies', () => {
  it.each(CASES)('%s: bad-vmdesc naming the JSON path and the offset, from decode and walk', (_, json, re) => {
    const buf = stream(json);
    for (const parse of [decode, walk]) {
      const t0 = performance.now();
      const r = parse(buf);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error).toBeInstanceOf(VmError);
      expect(r.error.kind).toBe('bad-vmdesc');
      expect(r.error.message).toMatch(re);
      expect(r.error.message).toMatch(/^VM description at 0x28: /);
      expect(r.error.offset).toBe(0x28);
      expect(r.error.message).not.toMatch(/NaN|undefined|\[object Object\]/);
    }
  });

  it('the same description passes once it is honest (the stream is well formed)', () => {
    const r = decode(stream(dev(`[${u32}]`)));
    expect(r.ok ? null : r.error.message).toBeNull();
    expect(decode(stream(dev(`[${u32}]`))).ok).toBe(true);
    expect(walk(stream(dev(`[${u32}]`)), { expectConfiguration: false }).ok).toBe(true);
  });

  it("a caller's description is held to the same checks", () => {
    const buf = stream(dev(`[${u32}]`)).slice(0, 23); // the description cut off
    const r = decode(buf, { vmdesc: JSON.parse(dev('[null]')) });
    expect(r.ok ? null : r.error.kind).toBe('bad-vmdesc');
  });

  it('nesting at the cap is accepted, one more is not', () => {
    expect(() => checkVmdesc(JSON.parse(nest('struct', MAX_VMDESC_DEPTH - 1)), 1 << 20)).not.toThrow();
    expect(() => checkVmdesc(JSON.parse(nest('struct', MAX_VMDESC_DEPTH)), 1 << 20)).toThrow(/nested more than/);
  });
});

describe('Reader', () => {
  it.each([-1, -4096, 0.5, Number.NaN, 2 ** 60, Infinity])('refuses %s as a length without moving', (n) => {
    const r = new Reader(new Uint8Array(16), 8);
    expect(() => r.bytes(n, 'x')).toThrow(VmError);
    expect(() => r.skip(n, 'x')).toThrow(/is not a byte count|short read/);
    expect(r.offset).toBe(8);
  });
});
