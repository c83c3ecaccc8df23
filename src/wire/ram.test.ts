import { describe, expect, it } from 'vitest';
import { VmError } from './errors.js';
import { newRamContext, readRamPayload } from './ram.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

const PAGE = 4096;

function build(f: (w: Writer) => void): Reader {
  const w = new Writer();
  f(w);
  return new Reader(w.finish());
}

describe('readRamPayload', () => {
  it('reads a MEM_SIZE block list, then named and CONTINUE pages across records', () => {
    const ctx = newRamContext(PAGE);
    const start = build((w) => {
      w.u64(0x3000n | 0x04n);
      w.countedString('pc.ram');
      w.u64(0x2000n);
      w.countedString('pc.rom');
      w.u64(0x1000n);
      w.u64(0x10n);
    });
    expect(readRamPayload(start, ctx)).toMatchObject({
      totalSize: 0x3000n,
      blocks: [{ name: 'pc.ram', length: 0x2000n }, { name: 'pc.rom', length: 0x1000n }],
    });
    const part = build((w) => {
      w.u64(0x0n | 0x02n); // ZERO, named
      w.countedString('pc.ram');
      w.u8(0);
      w.u64(0x1000n | 0x08n | 0x20n); // PAGE, CONTINUE
      w.zeros(PAGE);
      w.u64(0x200n); // MULTIFD_FLUSH
      w.u64(0x10n); // EOS
      w.u8(0x7e); // footer: left for the caller
    });
    expect(readRamPayload(part, ctx)).toEqual({ zeroPages: 1, pages: 1, multifdFlushes: 1 });
    expect(part.remaining).toBe(1);
  });

  it('rejects CONTINUE before any block, unknown blocks, pages past a block and unknown flags', () => {
    const err = (f: (w: Writer) => void, ctx = newRamContext(PAGE)) => {
      try {
        readRamPayload(build(f), ctx);
      } catch (e) {
        return e as VmError;
      }
      throw new Error('expected a failure');
    };
    expect(err((w) => w.u64(0x22n)).message).toMatch(/CONTINUE but no block was named/);
    const known = () => {
      const c = newRamContext(PAGE);
      c.blocks.set('pc.ram', 0x1000n);
      return c;
    };
    expect(err((w) => (w.u64(0x02n), w.countedString('nope')), known())).toMatchObject({ offset: 8 });
    expect(err((w) => (w.u64(0x1000n | 0x02n), w.countedString('pc.ram')), known()).message).toMatch(/outside block 'pc.ram'/);
    expect(err((w) => w.u64(0x4000n | 0x04n)).kind).toBe('short-read');
    const flags = err((w) => (w.u64(0x0n), w.u64(0x10n)), known());
    expect(flags).toMatchObject({ kind: 'bad-input', offset: 0 });
    expect(flags.message).toMatch(/^Unknown combination of migration flags: 0x0/);
  });

  it('checks that MEM_SIZE block lengths add up', () => {
    const r = build((w) => {
      w.u64(0x1000n | 0x04n);
      w.countedString('a');
      w.u64(0x2000n);
    });
    expect(() => readRamPayload(r, newRamContext(PAGE))).toThrow(/adding up to 0x1000, found 0x2000/);
  });
});
