import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { locateQemu, once } from '../../src/qemu/binaries.js';
import { leftovers, saveToFile } from '../../src/qemu/driver.js';
import { VmError } from '../../src/wire/errors.js';
import { collectIo } from '../io.js';
import { decodeCommand } from './decode.js';

let tmp: DirectoryResult;
let file: string;
let bytes: Uint8Array;

// In each test, not a hook: a missing binary fails every test with the setup hint.
const setup = once(async () => {
  tmp = await tmpDir({ prefix: 'vmcompat-decode-test-', unsafeCleanup: true });
  bytes = await saveToFile({
    binary: await locateQemu('10.0'),
    vm: { machine: 'pc-q35-10.0', devices: ['isa-serial', 'ipmi-bmc-sim,id=bmc0', 'isa-ipmi-kcs,bmc=bmc0'] },
  });
  file = join(tmp.path, 'stream.bin');
  writeFileSync(file, bytes);
});
afterAll(() => tmp?.cleanup());

describe('vmcompat decode', () => {
  it('prints the stream, RAM and every device field', async () => {
    await setup();
    const io = collectIo();
    expect(await decodeCommand([file], io)).toBe(0);
    expect(io.lines[0]).toMatch(new RegExp(`^pc-q35-10\\.0 · stream v3 · ${bytes.length} bytes · \\d+ records · \\d+ device sections · description \\d+ bytes$`));
    expect(io.lines[1]).toMatch(/^ram \(\d+\): 3 records, \d+ data pages, \d+ zero pages; blocks: pc\.ram 32 MiB, /);
    expect(io.lines).toContain(`COMMAND 11 (switchover-start) @${io.lines.find((l) => l.startsWith('COMMAND'))!.split('@')[1]}`);
    const serial = io.lines.findIndex((l) => /^serial \(0\)  section \d+, version 3, 11 bytes @0x/.test(l));
    expect(io.lines.slice(serial + 1, serial + 4)).toEqual(['  state: struct serial', '    divider = 0x000c  (uint16)', '    rbr = 0x00  (uint8)']);
    expect(io.lines).toContain('  kcs[1]: vstruct ipmi-interface-kcs');
    expect(io.lines.some((l) => /^    outmsg\[300\] = 00 00 .* …  \(uint8\)$/.test(l))).toBe(true);
    expect(io.lines.some((l) => l === '  subsection fw_cfg/dma (version 0)')).toBe(true);
  });

  it('--json is shaped like analyze-migration.py -d state', async () => {

    await setup();
    const io = collectIo();
    expect(await decodeCommand([file, '--json'], io)).toBe(0);
    const doc = JSON.parse(io.lines.join('\n')).result as Record<string, Record<string, unknown>>;
    const ram = Object.keys(doc).find((k) => /^ram \(\d+\)$/.test(k))!;
    expect(doc[ram]).toMatchObject({ 'section sizes': { 'pc.ram': '0x0000000002000000' } });
    const serial = Object.entries(doc).find(([k]) => /^serial \(\d+\)$/.test(k))![1];
    expect(serial).toMatchObject({ state: { divider: '0x000c', lsr: '0x60' } });
    const fw = Object.entries(doc).find(([k]) => k.startsWith('fw_cfg '))![1];
    expect(Object.keys(fw)).toEqual(['cur_entry', 'cur_offset[1]', 'fw_cfg/dma', 'fw_cfg/acpi_mr']);
  });

  it('--desc prints the description the stream carries', async () => {

    await setup();
    const io = collectIo();
    expect(await decodeCommand([file, '--desc'], io)).toBe(0);
    const desc = JSON.parse(io.lines.join('\n'));
    expect(desc.configuration).toMatchObject({ vmsd_name: 'configuration' });
    expect(desc.devices.some((d: { name: string }) => d.name === 'ipmi-interface')).toBe(true);
  });

  it('--reencode writes a byte-identical file, and says so', async () => {

    await setup();
    const out = join(tmp.path, 're.bin');
    const io = collectIo();
    expect(await decodeCommand([file, '--reencode', out], io)).toBe(0);
    expect(io.lines).toEqual([`wrote ${out}: ${bytes.length} bytes, identical to ${file}`]);
    expect(Buffer.compare(readFileSync(out), bytes)).toBe(0);
  });

  it('--release shows the fields inside the blobs the description only sizes: virtio-gpu\'s scanouts as the model reads them', async () => {
    await setup();
    const gpu = await saveToFile({ binary: await locateQemu('7.2'), vm: { machine: 'pc-q35-7.2', devices: ['virtio-gpu-pci'] } });
    const f = join(tmp.path, 'gpu.bin');
    writeFileSync(f, gpu);
    const plain = collectIo();
    expect(await decodeCommand([f], plain)).toBe(0);
    expect(plain.lines.some((l) => l.includes('scanout'))).toBe(false);
    const io = collectIo();
    expect(await decodeCommand([f, '--release', '7.2'], io)).toBe(0);
    const at = io.lines.findIndex((l) => /^0000:00:0\d\.0\/virtio-gpu \(0\)/.test(l));
    expect(io.lines.slice(at + 1, at + 4)).toEqual([expect.stringMatching(/^  virtio = /), expect.stringMatching(/^  virtio-gpu = /), expect.stringMatching(/^  inside, as 7\.2\.3 at pc-q35-7\.2 reads it \(\d+ fields\):$/)]);
    const line = io.lines.find((l) => l.startsWith('    virtio-gpu-scanouts:parent_obj.conf.max_outputs = '))!;
    expect(line).toMatch(/ = 0x00000001  @0x[0-9a-f]+$/);
    // the offset holds those bytes
    const off = Number(/@(0x[0-9a-f]+)$/.exec(line)![1]);
    expect([...gpu.subarray(off, off + 4)]).toEqual([0, 0, 0, 1]);
    expect(io.lines).toContain(io.lines.find((l) => l.startsWith('    virtio-gpu:virtio.status = ')));
    // the model's fields are a text view: --json keeps analyze-migration's shape
    await expect(decodeCommand([f, '--release', '7.2', '--json'], collectIo())).rejects.toThrow(/not with --json/);
  });

  it('names the offset and what it found in a file it cannot decode', async () => {

    await setup();
    const bad = join(tmp.path, 'cut.bin');
    writeFileSync(bad, bytes.subarray(0, 4000));
    await expect(decodeCommand([bad], collectIo())).rejects.toThrow(VmError);
    await expect(decodeCommand([bad], collectIo())).rejects.toThrow(/FULL record|RAM|short read|no VM description/);
    await expect(decodeCommand([], collectIo())).rejects.toThrow(/missing required argument 'FILE'/);
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
