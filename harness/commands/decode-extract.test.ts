import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_FIRMWARE_DIRS, locateQemu, once } from '../../src/qemu/binaries.js';
import { DETERMINISTIC_RTC } from '../../src/qemu/case.js';
import { leftovers, saveToFile } from '../../src/qemu/driver.js';
import { decodeStream, type DecodedStream } from '../../src/wire/decode.js';
import { VmError } from '../../src/wire/errors.js';
import { blockFileName, ramBlockPages } from '../../src/wire/ram-blocks.js';
import { collectIo } from '../io.js';
import { decodeCommand } from './decode.js';

let tmp: DirectoryResult;
let file: string;
let stream: DecodedStream;

// A real QEMU 7.2 stream, made in each test (not a hook): a missing binary fails every test with the setup hint.
const setup = once(async () => {
  tmp = await tmpDir({ prefix: 'vmcompat-extract-test-', unsafeCleanup: true });
  const bytes = await saveToFile({ binary: await locateQemu('7.2'), vm: { machine: 'pc-q35-7.2', devices: ['isa-serial'], args: DETERMINISTIC_RTC } });
  file = join(tmp.path, 'vm.bin');
  writeFileSync(file, bytes);
  stream = decodeStream(bytes);
});
afterAll(() => tmp?.cleanup());

const pages = (s: DecodedStream) => s.records.flatMap((r) => (r.type === 'START' || r.type === 'PART' || r.type === 'END' ? r.entries : [])).filter((e) => e.kind === 'page' || e.kind === 'zero');

describe('decode -x DIR', () => {
  it('writes desc.json and state.json as --desc and --json print them, and each RAM block as the guest had it', async () => {
    await setup();
    const dir = join(tmp.path, 'x');
    const io = collectIo();
    expect(await decodeCommand([file, '-x', dir], io)).toBe(0);
    const desc = collectIo();
    await decodeCommand([file, '--desc'], desc);
    expect(JSON.parse(readFileSync(join(dir, 'desc.json'), 'utf8'))).toEqual(JSON.parse(desc.lines.join('\n')));
    const state = collectIo();
    await decodeCommand([file, '--json'], state);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).result).toEqual(JSON.parse(state.lines.join('\n')).result);
    expect(readdirSync(join(dir, 'ram')).sort()).toEqual(['pc.bios.bin', 'pc.ram.bin', 'pc.rom.bin', 'rom@etc_acpi_rsdp.bin', 'rom@etc_acpi_tables.bin', 'rom@etc_table-loader.bin']);
    expect(statSync(join(dir, 'ram', 'pc.ram.bin')).size).toBe(32 << 20);
    // pc.bios is the firmware image QEMU loaded, byte for byte
    const bios = SHARED_FIRMWARE_DIRS.map((d) => join(d, 'bios-256k.bin')).find(existsSync)!;
    expect(Buffer.compare(readFileSync(join(dir, 'ram', 'pc.bios.bin')), readFileSync(bios))).toBe(0);
    // one line per file written
    expect(io.lines).toHaveLength(2 + 6);
    expect(io.lines.find((l) => l.includes('pc.ram.bin'))).toMatch(/pc\.ram\.bin  33554432 bytes, 8192 pages · RAM block pc\.ram$/);
  });

  it('refuses a stream without a description, and an output that is a file, before writing', async () => {
    await setup();
    const bare = join(tmp.path, 'bare.bin');
    // cut the description off: the device sections cannot be read
    writeFileSync(bare, readFileSync(file).subarray(0, stream.vmdesc!.offset));
    await expect(decodeCommand([bare, '-x', join(tmp.path, 'y')], collectIo())).rejects.toThrow(VmError);
    expect(existsSync(join(tmp.path, 'y'))).toBe(false);
    await expect(decodeCommand([file, '-x', file], collectIo())).rejects.toThrow(`-x ${file}: is a file, not a folder`);
  });
});

describe('decode --json -m', () => {
  it("adds every page's contents to the RAM section, keyed as analyze-migration.py keys them", async () => {
    await setup();
    const io = collectIo();
    expect(await decodeCommand([file, '--json', '-m'], io)).toBe(0);
    const doc = JSON.parse(io.lines.join('\n')).result;
    const ram = Object.entries(doc).find(([k]) => /^ram \(\d+\)$/.test(k))![1] as { memory: Record<string, string> };
    const all = pages(stream);
    expect(Object.keys(ram.memory)).toHaveLength(new Set(all.map((e) => `${(e as { block: string }).block}@${(e as { addr: number }).addr}`)).size);
    const data = all.find((e) => e.kind === 'page' && e.block === 'pc.bios')!;
    if (data.kind !== 'page') throw new Error('no pc.bios data page');
    const text = ram.memory[`pc.bios (0x${data.addr.toString(16).padStart(16, '0')})`]!;
    expect(Buffer.from(text.replace(/ /g, ''), 'hex')).toEqual(Buffer.from(data.data));
    expect(Object.values(ram.memory)).toContain('Filled with 0x00');
    await expect(decodeCommand([file, '-m'], collectIo())).rejects.toThrow('-m (RAM contents) goes with --json or -x');
  });
});

describe('RAM blocks from an untrusted stream', () => {
  const entry = (addr: number) => ({ kind: 'zero' as const, flags: 2, addr, block: 'pc.ram', fill: 0 });
  const fake = (entries: unknown[]) => ({ version: 3, records: [{ type: 'START', offset: 0, sectionId: 0, idstr: 'ram', entries, footer: true }], vmdesc: null, trailing: null, length: 100 }) as unknown as DecodedStream;

  it('sizes a block by the pages present, never by the MEM_SIZE claim', () => {
    const claim = { kind: 'mem-size', flags: 4, total: 2 ** 40, blocks: [{ name: 'pc.ram', length: 2 ** 40 }] };
    expect(ramBlockPages(fake([claim, entry(0), entry(4096)]), 4096)).toEqual([{ name: 'pc.ram', claimed: 2 ** 40, pages: [entry(0), entry(4096)], extent: 8192 }]);
    // one page far out: a file of a terabyte from 9 bytes of stream is refused
    expect(() => ramBlockPages(fake([claim, entry(0), entry(2 ** 39)]), 4096)).toThrow(/RAM block 'pc\.ram': its highest page ends at 0x8000001000 but the stream holds only 2 page\(s\)/);
  });

  it('names block files without leaving the folder', () => {
    expect(blockFileName('/rom@etc/acpi/tables')).toBe('rom@etc_acpi_tables.bin');
    expect(blockFileName('../../etc/passwd')).toBe('__.._etc_passwd.bin');
    expect(blockFileName('0000:00:02.0/vga.vram')).toBe('0000:00:02.0_vga.vram.bin');
    expect(blockFileName('')).toBe('_.bin');
  });
});

afterAll(() => expect(leftovers()).toEqual([]));
