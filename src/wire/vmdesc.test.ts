import { describe, expect, it } from 'vitest';
import { Writer } from './writer.js';
import { deviceBytes, findVmdesc, subsectionHeaderBytes, type VmdescDevice } from './vmdesc.js';

function withVmdesc(prefix: number[], json: string): Uint8Array {
  const w = new Writer();
  for (const b of prefix) w.u8(b);
  const text = new TextEncoder().encode(json);
  w.u8(0x06);
  w.u32(text.length);
  w.bytes(text);
  return w.finish();
}

describe('findVmdesc', () => {
  it('finds the description that ends exactly at the end', () => {
    const buf = withVmdesc([0x06, 0x00, 0x00], '{"page_size": 4096, "devices": []}');
    expect(findVmdesc(buf)).toMatchObject({ offset: 3, jsonOffset: 8, desc: { page_size: 4096, devices: [] } });
  });

  it('returns null with trailing bytes or a wrong length, throws on broken JSON', () => {
    const buf = withVmdesc([0x00], '{"page_size": 4096, "devices": []}');
    expect(findVmdesc(new Uint8Array([...buf, 0]))).toBeNull();
    const wrongLen = buf.slice();
    wrongLen[4] = (wrongLen[4]! + 1) & 0xff;
    expect(findVmdesc(wrongLen)).toBeNull();
    expect(() => findVmdesc(withVmdesc([0x00], '{"page_size": 4096,'))).toThrow(/not valid JSON/);
    expect(() => findVmdesc(withVmdesc([0x00], '{"x": 1}'))).toThrow(/expected an object with "page_size" and "devices"/);
  });
});

describe('deviceBytes', () => {
  it('sums fields (× array_len), per-index elements and subsections with their headers', () => {
    // Shapes as QEMU writes them: a compressed array, 10.0-style index elements (the last
    // one without `index`), a struct whose size already includes its nested content, and
    // a subsection with a subsection of its own.
    const dev: VmdescDevice = {
      name: 'dev',
      instance_id: 0,
      vmsd_name: 'dev',
      version: 1,
      fields: [
        { name: 'regs', array_len: 4, type: 'uint32', size: 4 },
        { name: 'q', index: 0, type: 'uint8', size: 1 },
        { name: 'q', type: 'uint8', size: 1 },
        { name: 's', type: 'struct', struct: { vmsd_name: 'inner', version: 1, fields: [{ name: 'a', type: 'uint64', size: 8 }] }, size: 8 },
      ],
      subsections: [
        {
          vmsd_name: 'dev/sub',
          version: 2,
          fields: [{ name: 'b', type: 'uint16', size: 2 }],
          subsections: [{ vmsd_name: 'dev/sub/deeper', version: 1, fields: [{ name: 'c', type: 'bool', size: 1 }] }],
        },
      ],
    };
    expect(subsectionHeaderBytes('dev/sub')).toBe(1 + 1 + 7 + 4);
    expect(deviceBytes(dev)).toBe(16 + 1 + 1 + 8 + (13 + 2) + (1 + 1 + 14 + 4 + 1));
  });

  it('handles fw_cfg as the spec describes it (74 bytes)', () => {
    const fw: VmdescDevice = {
      name: 'fw_cfg',
      instance_id: 0,
      vmsd_name: 'fw_cfg',
      version: 2,
      fields: [
        { name: 'cur_entry', type: 'uint16', size: 2 },
        { name: 'cur_offset[1]', type: 'uint32', size: 4 },
      ],
      subsections: [
        { vmsd_name: 'fw_cfg/dma', version: 0, fields: [{ name: 'dma_addr', type: 'uint64', size: 8 }] },
        { vmsd_name: 'fw_cfg/acpi_mr', version: 1, fields: [{ name: 'table_mr_size', array_len: 3, type: 'uint64', size: 8 }] },
      ],
    };
    expect(deviceBytes(fw)).toBe(74);
  });
});
