import { describe, expect, it } from 'vitest';
import { DUMP_WIDTH, framesOf, hexdump } from './hexdump.js';
import type { TraceEntry } from '../vmstate/types.js';
import { findRelease } from '../../scenarios/releases/index.js';
import { Engine } from '../machine/engine.js';

const leaf = (name: string, offset: number, size: number): TraceEntry => ({ keys: [name], vmsd: 'v', field: name, offset, size, what: 'field' });

describe('hexdump', () => {
  it('marks the bytes at the offset, with an ASCII column, and names what each side put there', () => {
    const bytes = new Uint8Array(48).map((_, i) => i + 0x30);
    const lines = hexdump(bytes, {
      offset: 0x14,
      length: 4,
      before: 1,
      after: 0,
      frames: [],
      sent: [leaf('a', 0x10, 4), leaf('b', 0x14, 4)],
      read: [leaf('a', 0x10, 4), leaf('c', 0x14, 8)],
      sender: '8.2.0',
      receiver: '9.0.0',
    });
    // the marked run starts a row, so its row names only what is at and after it
    expect(lines).toEqual([
      '000010  40 41 42 43                                       |@ABC            |  8.2.0: a',
      '000014 [44 45 46 47]48 49 4a 4b 4c 4d 4e 4f 50 51 52 53   |DEFGHIJKLMNOPQRS|  8.2.0: b · 9.0.0: c',
    ]);
  });
  it('marks the whole field at the offset when no length is given', () => {
    const bytes = new Uint8Array(32);
    const [line] = hexdump(bytes, { offset: 0x12, before: 0, after: 0, frames: [], sent: [leaf('x', 0x10, 2), leaf('y', 0x12, 8)] });
    expect(line).toMatch(/^000012 \[00 00 00 00 00 00 00 00\]00 00/);
  });
  it('stops at the end of the stream', () => {
    const lines = hexdump(new Uint8Array([1, 2, 3]), { offset: 2, before: 3, after: 3, frames: [] });
    expect(lines).toEqual(['000000  01 02                                             |..              |', '000002 [03]                                               |.               |']);
  });
  it('puts framing on rows of its own, labelled, and never cuts a footer with the brackets', () => {
    // a 5-byte footer from 0x0e: rows break at 0x0e and 0x13, the footer is marked whole
    const bytes = new Uint8Array(32);
    bytes[0x0e] = 0x7e;
    const lines = hexdump(bytes, { offset: 0x0f, before: 1, after: 1, frames: [{ offset: 0x0e, size: 5, label: 'section footer (7e, id 2)' }], sent: [leaf('p', 0, 14)] });
    expect(lines).toEqual([
      '000000  00 00 00 00 00 00 00 00 00 00 00 00 00 00         |..............  |  sent: p',
      '00000e [7e 00 00 00 00]                                   |~....           |  section footer (7e, id 2)',
      '000013  00 00 00 00 00 00 00 00 00 00 00 00 00            |.............   |',
    ]);
    for (const l of lines) expect(l.indexOf('|')).toBe(DUMP_WIDTH - ROW_ASCII);
  });
  it("labels a real stream's file header, configuration, section header and footer, subsection header, EOF and description", () => {
    const r = findRelease('9.0.0')!;
    const e = new Engine(r, 'pc-q35-8.2', { devices: ['virtio-gpu'] });
    const key = e.instances[0]!.key;
    const saved = e.save({ [key]: e.resetState(key) });
    const trace = saved.sections.flatMap((s) => s.trace);
    const labels = framesOf(saved.bytes, trace).map((f) => f.label.split(' ').slice(0, 2).join(' '));
    expect(labels[0]).toBe('file header');
    for (const l of ['configuration section:', 'section header', 'section footer', 'EOF (end', 'VM description']) expect(labels).toContain(l);
    const eof = framesOf(saved.bytes, trace).find((f) => f.label.startsWith('EOF'))!;
    const dump = hexdump(saved.bytes, { offset: eof.offset, before: 1, after: 1, sent: trace });
    expect(dump.find((l) => l.includes('EOF'))).toMatch(/^[0-9a-f]{6} \[00\]/);
    expect(dump.at(-1)).toMatch(/VM description \(JSON, \d+ bytes\)$/);
  });
});

const ROW_ASCII = 16 + 2;
