import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { releases } from '../../scenarios/releases/index.js';
import { Engine } from '../../src/machine/engine.js';
import { locateQemu, once } from '../../src/qemu/binaries.js';
import { DETERMINISTIC_RTC } from '../../src/qemu/case.js';
import { leftovers, saveToFile } from '../../src/qemu/driver.js';
import { modelRead } from '../../src/qemu/model.js';
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
  it('--release on real streams: the sections the model reads exactly are decoded by it, the rest (cpu_common, which no hand model has) by the streams\' own descriptions, and the output says which', async () => {
    await real();
    const io = collectIo();
    expect(await diffCommand([f('serial-1.bin'), f('serial-2.bin'), '--release', '7.2'], io)).toBe(0);
    expect(io.lines[0]).toMatch(/serial-1\.bin: pc-q35-7\.2 · 30 device sections · \d+ bytes · described by 7\.2\.3 at pc-q35-7\.2 \(\d+ sections\), its own description \(\d+\)$/);
    expect(io.lines[2]).toMatch(/^by the model: \d+ sections, field by field as it names them$/);
    expect(io.lines[3]).toMatch(/^by the streams' descriptions: \d+ sections? the model does not describe: .*cpu_common \(0\).* \(why: --json\)$/);
    expect(io.lines.at(-1)).toMatch(/^identical state: 31 sections, \d+ fields, \d+ RAM pages$/);
    const { doc } = await json([f('serial-1.bin'), f('serial-2.bin'), '--release', '7.2']);
    const by = new Map(doc.result.a.sections.map((x: { section: string }) => [x.section, x]));
    expect(by.get('serial (0)')).toEqual({ section: 'serial (0)', by: 'model', why: null });
    expect(by.get('mc146818rtc (0)')).toMatchObject({ by: 'model' });
    expect(by.get('cpu_common (0)')).toEqual({ section: 'cpu_common (0)', by: 'own', why: '7.2.3 has no device for it' });
    expect([...by.values()].filter((x) => (x as { by: string }).by === 'model').length).toBeGreaterThan(10);
  });

  it('a real stream without its description beside one with it: read by the other\'s description, and with --release by the model where it can', async () => {
    await real();
    const a = readFileSync(f('serial-1.bin'));
    const s = decodeStream(new Uint8Array(a));
    writeFileSync(f('serial-bare.bin'), a.subarray(0, s.vmdesc!.offset));
    const io = collectIo();
    expect(await diffCommand([f('serial-bare.bin'), f('serial-2.bin')], io)).toBe(0);
    expect(io.lines[0]).toMatch(/serial-bare\.bin: pc-q35-7\.2 · 30 device sections · \d+ bytes · described by B's description \(30\)$/);
    const m = collectIo();
    expect(await diffCommand([f('serial-bare.bin'), f('serial-2.bin'), '--release', '7.2.0'], m)).toBe(0);
    expect(m.lines[0]).toMatch(/serial-bare\.bin: .* · described by 7\.2\.0 at pc-q35-7\.2 \(\d+ sections\), B's description \(\d+\)$/);
    expect(m.lines.at(-1)).toMatch(/^identical state: 31 sections/);
    // neither stream describes cpu_common and the model has no such device: exit 2, naming the section
    const both = collectIo();
    expect(await main(['diff', f('serial-bare.bin'), f('serial-bare.bin'), '--release', '7.2.0'], both)).toBe(2);
    expect(both.errors.join('\n')).toMatch(/^vmcompat diff: .*serial-bare\.bin: section 'cpu_common' instance 0 at 0x[0-9a-f]+: 7\.2\.0 does not describe it \(7\.2\.0 has no device for it\), and the stream has no description, nor does the other stream$/);
  });

  it('--release names the fields inside a blob the description only sizes (virtio): virtio-rng\'s isr, not a byte of "virtio"', async () => {
    await real();
    const binary = await locateQemu('7.2');
    const a = await saveToFile({ binary, vm: { machine: 'pc-q35-7.2', devices: ['virtio-rng-pci'], args: DETERMINISTIC_RTC } });
    const rec = decodeStream(a).records.find((r) => r.type === 'FULL' && r.idstr.endsWith('/virtio-rng'));
    if (rec?.type !== 'FULL') throw new Error('no virtio-rng section');
    const read = modelRead(releases.find((r) => r.name === '7.2.3')!, 'pc-q35-7.2', [], a, rec)!;
    const isr = read.trace.find((e) => e.what === 'field' && e.keys.join('.') === 'virtio.isr')!;
    const b = Buffer.from(a);
    b[isr.offset] ^= 1;
    writeFileSync(f('rng-a.bin'), a);
    writeFileSync(f('rng-b.bin'), b);
    const plain = collectIo();
    expect(await diffCommand([f('rng-a.bin'), f('rng-b.bin')], plain)).toBe(1);
    expect(plain.lines).toContain(`  virtio[${isr.offset - rec.payloadOffset}]: 0x00 → 0x01  (A 0x${isr.offset.toString(16)}, B 0x${isr.offset.toString(16)})`);
    const io = collectIo();
    expect(await diffCommand([f('rng-a.bin'), f('rng-b.bin'), '--release', '7.2'], io)).toBe(1);
    expect(io.lines).toContain(`  virtio-rng:virtio.isr: 0x00 → 0x01  (A 0x${isr.offset.toString(16)}, B 0x${isr.offset.toString(16)})`);
    expect(io.lines.at(-1)).toMatch(/^differ: 1 field difference in 1 section /);
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
    expect(await main(['diff', f('m-bare.bin'), f('m-bare.bin')], io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/^vmcompat diff: .*m-bare\.bin: cannot decode FULL record 'serial' .* no VM description .*; give --release R \(and --machine M\) to read it with a release model's VMSDs, or diff it against a stream that has a description$/);
    // beside a stream that has one, its description reads both
    const lent = collectIo();
    expect(await diffCommand([f('m-bare.bin'), f('m-scr.bin')], lent)).toBe(0);
    expect(lent.lines[0]).toMatch(/m-bare\.bin: .* · described by B's description \(1\)$/);
    const ok = collectIo();
    expect(await diffCommand([f('m-bare.bin'), f('m-scr.bin'), '--release', '9.0'], ok)).toBe(0);
    expect(ok.lines[0]).toMatch(/m-bare\.bin: pc-q35-8\.2 · 1 device sections · \d+ bytes · described by 9\.0\.1 at pc-q35-8\.2 \(1 section\)$/);
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
