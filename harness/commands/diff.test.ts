import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { releases } from '../../scenarios/releases/index.js';
import { Engine } from '../../src/machine/engine.js';
import { locateQemu, once } from '../../src/qemu/binaries.js';
import { DETERMINISTIC_RTC } from '../../src/qemu/case.js';
import { leftovers, saveToFile } from '../../src/qemu/driver.js';
import { decodeStream } from '../../src/wire/decode.js';
import { main } from '../cli.js';
import { collectIo } from '../io.js';
import { diffCommand } from './diff.js';

let tmp: DirectoryResult;
const f = (n: string) => join(tmp.path, n);

// Real streams of QEMU 7.2, made in each test (not a hook): a missing binary fails every test with the setup hint.
const real = once(async () => {
  tmp ??= await tmpDir({ prefix: 'vmcompat-diff-test-', unsafeCleanup: true });
  const binary = await locateQemu('7.2');
  const save = (devices: string[]) => saveToFile({ binary, vm: { machine: 'pc-q35-7.2', devices, args: DETERMINISTIC_RTC } });
  writeFileSync(f('serial-1.bin'), await save(['isa-serial']));
  writeFileSync(f('serial-2.bin'), await save(['isa-serial']));
  writeFileSync(f('bare.bin'), await save([]));
});

// Model streams: one field changed, with and without a description.
const model = once(async () => {
  tmp ??= await tmpDir({ prefix: 'vmcompat-diff-test-', unsafeCleanup: true });
  const e = new Engine(releases.find((r) => r.name === '9.0.0')!, 'pc-q35-8.2', { devices: ['isa-serial'] });
  const reset = e.resetState('isa-serial');
  const changed = structuredClone(reset);
  (changed.state as Record<string, unknown>).scr = 0x5a;
  writeFileSync(f('m-reset.bin'), e.save({ 'isa-serial': reset }).bytes);
  writeFileSync(f('m-scr.bin'), e.save({ 'isa-serial': changed }).bytes);
  writeFileSync(f('m-bare.bin'), e.save({ 'isa-serial': changed }, { describe: false }).bytes);
});
afterAll(() => tmp?.cleanup());

const json = async (args: string[]) => {
  const io = collectIo();
  const code = await diffCommand([...args, '--json'], io);
  return { code, doc: JSON.parse(io.lines.join('\n')) };
};

describe('vmcompat diff on real 7.2 streams', () => {
  it('two saves of one guest hold the same state: exit 0', async () => {
    await real();
    const io = collectIo();
    expect(await diffCommand([f('serial-1.bin'), f('serial-2.bin')], io)).toBe(0);
    expect(io.lines.at(-1)).toMatch(/^identical state: 31 sections, \d+ fields, \d+ RAM pages$/);
    expect(io.lines.some((l) => l.startsWith('ram: ') && / 0 differ, 0 only in A, 0 only in B$/.test(l))).toBe(true);
  });

  it('a device only one guest has, and what it changes elsewhere (config bits, ACPI tables): exit 1', async () => {
    await real();
    const { code, doc } = await json([f('serial-1.bin'), f('bare.bin')]);
    expect(code).toBe(1);
    expect(doc.command).toBe('diff');
    const d = doc.result;
    expect(d.onlyA.map((s: { section: string }) => s.section)).toEqual(['serial (0)']);
    expect(d.onlyB).toEqual([]);
    // the offset is the record's type byte in A
    const a = readFileSync(f('serial-1.bin'));
    expect(a[d.onlyA[0].offset]).toBe(0x04);
    // every field difference points at bytes that do differ
    const b = readFileSync(f('bare.bin'));
    for (const x of d.fields.filter((x: { kind: string }) => x.kind === 'value')) expect(a[x.aOffset], x.path).not.toBe(b[x.bOffset]);
    expect(d.ram.pagesDiffer).toBeGreaterThan(0);
    expect(d.ram.first[0].block).toMatch(/^\/rom@etc\//);
  });

  it('names a RAM page whose bytes differ, and the first byte', async () => {
    await real();
    const a = readFileSync(f('serial-1.bin'));
    const s = decodeStream(new Uint8Array(a));
    const page = s.records.flatMap((r) => (r.type === 'START' || r.type === 'PART' || r.type === 'END' ? r.entries : [])).find((e) => e.kind === 'page' && e.block === 'pc.bios')!;
    if (page.kind !== 'page') throw new Error('no pc.bios data page');
    const at = page.data.byteOffset + 100;
    const b = Buffer.from(a);
    b[at] ^= 0xff;
    writeFileSync(f('poked.bin'), b);
    const { code, doc } = await json([f('serial-1.bin'), f('poked.bin')]);
    expect(code).toBe(1);
    expect(doc.result.fields).toEqual([]);
    expect(doc.result.ram).toMatchObject({ pagesDiffer: 1, pagesOnlyA: 0, pagesOnlyB: 0, first: [{ block: 'pc.bios', addr: page.addr, firstByte: 100 }] });
  });
  it("a real stream without its description: a release model that lacks one of its devices says which, exit 2", async () => {
    await real();
    const a = readFileSync(f('serial-1.bin'));
    const s = decodeStream(new Uint8Array(a));
    writeFileSync(f('serial-bare.bin'), a.subarray(0, s.vmdesc!.offset));
    const io = collectIo();
    expect(await main(['diff', f('serial-bare.bin'), f('serial-1.bin'), '--release', '7.2.0'], io)).toBe(2);
    expect(io.lines).toEqual([]);
    expect(io.errors.join('\n')).toMatch(/^vmcompat diff: .*serial-bare\.bin: section '(\S+)' instance 0 at 0x[0-9a-f]+: 7\.2\.0@pc-q35-7\.2 registers no such device, so it cannot describe it \(it has: .*serial/);
  });
});

describe('vmcompat diff on model streams', () => {
  it('one field: its path, both values and its offset in each stream', async () => {
    await model();
    const io = collectIo();
    expect(await diffCommand([f('m-reset.bin'), f('m-scr.bin')], io)).toBe(1);
    const line = io.lines.find((l) => l.startsWith('  state.scr: '))!;
    expect(line).toMatch(/^  state\.scr: 0x00 → 0x5a  \(A 0x[0-9a-f]+, B 0x[0-9a-f]+\)$/);
    const off = Number(/A (0x[0-9a-f]+)/.exec(line)![1]);
    expect(readFileSync(f('m-reset.bin'))[off]).toBe(0);
    expect(readFileSync(f('m-scr.bin'))[off]).toBe(0x5a);
    expect(io.lines.at(-1)).toMatch(/^differ: 1 field difference in 1 section \(2 sections and \d+ fields compared\)$/);
  });

  it('a stream without a description: refused with the hint, read with --release', async () => {
    await model();
    const io = collectIo();
    expect(await main(['diff', f('m-bare.bin'), f('m-scr.bin')], io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/^vmcompat diff: .*m-bare\.bin: cannot decode FULL record 'serial' .* no VM description .*; give --release R/);
    const ok = collectIo();
    expect(await diffCommand([f('m-bare.bin'), f('m-scr.bin'), '--release', '9.0'], ok)).toBe(0);
    expect(ok.lines[0]).toMatch(/m-bare\.bin: pc-q35-8\.2 · 1 device sections · \d+ bytes · described by 9\.0\.1 at pc-q35-8\.2$/);
    expect(ok.lines.at(-1)).toMatch(/^identical state: 2 sections, \d+ fields, 0 RAM pages$/);
  });
});

describe('vmcompat diff on bad input', () => {
  it('exit 2 with one line naming the file and where', async () => {
    await model();
    const bytes = readFileSync(f('m-scr.bin'));
    writeFileSync(f('cut.bin'), bytes.subarray(0, 40));
    writeFileSync(f('junk.bin'), Buffer.from('not a migration stream at all'));
    const run = async (args: string[]) => {
      const io = collectIo();
      return { code: await main(['diff', ...args], io), err: io.errors.join('\n') };
    };
    expect(await run([f('cut.bin'), f('m-scr.bin')])).toEqual({ code: 2, err: expect.stringMatching(/^vmcompat diff: .*cut\.bin: .*(short read|no VM description)/) });
    expect(await run([f('m-scr.bin'), f('junk.bin')])).toEqual({ code: 2, err: expect.stringMatching(/^vmcompat diff: .*junk\.bin: .*magic/i) });
    expect(await run([f('m-scr.bin'), f('nope.bin')])).toEqual({ code: 2, err: expect.stringMatching(/nope\.bin: does not exist/) });
    expect(await run([f('m-scr.bin')])).toEqual({ code: 2, err: expect.stringMatching(/missing required argument 'B'/) });
    expect(await run([f('m-bare.bin'), f('m-scr.bin'), '--release', '9.9'])).toEqual({ code: 2, err: expect.stringMatching(/--release: unknown release '9\.9'/) });
    expect(await run([f('m-bare.bin'), f('m-scr.bin'), '--machine', 'pc-q35-8.2'])).toEqual({ code: 2, err: expect.stringMatching(/--machine goes with --release/) });
    expect(await run([f('m-bare.bin'), f('m-scr.bin'), '--release', '9.0.0', '--machine', 'pc-q35-99'])).toEqual({ code: 2, err: expect.stringMatching(/release 9\.0\.0 has no machine type 'pc-q35-99'/) });
  });
});

afterAll(() => expect(leftovers()).toEqual([]));
