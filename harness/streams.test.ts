import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStream } from '../src/wire/decode.js';
import { leftovers } from '../src/qemu/driver.js';
import { collectIo } from './io.js';
import { reproCommand } from './commands/repro.js';
import { qemuCommand } from './commands/qemu.js';
import { GENERATOR_VERSION } from '../src/check/seed.js';

let tmp: DirectoryResult;
beforeAll(async () => (tmp = await tmpDir({ prefix: 'vmcompat-streams-test-', unsafeCleanup: true })));
afterAll(() => tmp?.cleanup());

const GPU = 'virtio-gpu/9.0.0->8.2.0/pc-q35-8.2';

describe('repro --stream-out', () => {
  it("writes the failing forward stream, stops where the destination rejects it, and the stream fails there", async () => {
    const dir = join(tmp.path, 'gpu');
    const io = collectIo();
    expect(await reproCommand([GPU, '--seed', '1', '--gen', String(GENERATOR_VERSION), '--runs', '5', '--stream-out', dir], io)).toBe(1);
    const at = io.lines.indexOf('  the streams of the smallest state:');
    expect(at).toBeGreaterThan(0);
    const file = join(dir, 'virtio-gpu_9.0.0-to-8.2.0_pc-q35-8.2.forward-by-9.0.0.bin');
    expect(io.lines[at + 1]).toBe(`  stream forward  ${file}  (saved by 9.0.0, ${readFileSync(file).length} bytes); 8.2.0 rejected it: ${io.lines[at + 1]!.split('rejected it: ')[1]}`);
    expect(io.lines[at + 1]).toMatch(/rejected it: Missing section footer for 0000:00:02\.0\/virtio-gpu/);
    expect(io.lines).toHaveLength(at + 2);
    // a stream with its own description, of the device the case is about
    const s = decodeStream(readFileSync(file));
    expect(s.records.filter((r) => r.type === 'FULL').map((r) => (r as { idstr: string }).idstr)).toEqual(['0000:00:02.0/virtio-gpu']);
    expect(s.vmdesc).not.toBeNull();
  });

  it('a passing case: the three streams of a reset device, named by stage and saver, in --json too', async () => {
    const dir = join(tmp.path, 'pass');
    const io = collectIo();
    expect(await reproCommand(['virtio-gpu/8.2.0->9.0.1/pc-q35-8.2', '--seed', '1', '--gen', String(GENERATOR_VERSION), '--runs', '3', '--stream-out', dir, '--json'], io)).toBe(0);
    const doc = JSON.parse(io.lines.join('\n')).result;
    expect(doc.streams.map((s: { role: string; savedBy: string }) => `${s.role} ${s.savedBy}`)).toEqual(['forward 8.2.0', 'resaved 9.0.1', 'returned 8.2.0']);
    for (const s of doc.streams) {
      expect(s.path).toBe(join(dir, `virtio-gpu_8.2.0-to-9.0.1_pc-q35-8.2.${s.role}-by-${s.savedBy}.bin`));
      expect(readFileSync(s.path).length).toBe(s.bytes);
      expect(s.stopped).toBeNull();
    }
    // what comes back is what was sent: the reset device survives the round trip byte for byte
    expect(Buffer.compare(readFileSync(doc.streams[0].path), readFileSync(doc.streams[2].path))).toBe(0);
  });

  it('refuses a --stream-out that is a file before running anything', async () => {
    const f = join(tmp.path, 'a-file');
    writeFileSync(f, '');
    await expect(reproCommand([GPU, '--seed', '1', '--gen', String(GENERATOR_VERSION), '--stream-out', f], collectIo())).rejects.toThrow(`--stream-out ${f}: is a file, not a folder`);
  });
});

// Needs the provisioned binaries: a missing one fails with `npm run qemu:setup` in the message.
describe('qemu --keep-streams', () => {
  it("keeps both directions' streams, which decode and name their saver's machine type", async () => {
    const dir = join(tmp.path, 'real');
    const io = collectIo();
    expect(await qemuCommand(['--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-7.2', '--device', 'isa-serial', '--keep-streams', dir], io), io.lines.join('\n')).toBe(0);
    const names = ['7.2-to-10.0_pc-q35-7.2.forward-by-7.2', '7.2-to-10.0_pc-q35-7.2.resaved-by-10.0', '10.0-to-7.2_pc-q35-7.2.forward-by-10.0', '10.0-to-7.2_pc-q35-7.2.resaved-by-7.2'];
    const lines = io.lines.filter((l) => l.startsWith('stream '));
    expect(lines).toHaveLength(4);
    names.forEach((n, i) => {
      const file = join(dir, `isa-serial_${n}.bin`);
      expect(lines[i]).toBe(`stream ${i % 2 ? 'resaved' : 'forward'}  ${file}  (saved by ${n.split('-by-')[1]}, ${readFileSync(file).length} bytes)`);
      const s = decodeStream(readFileSync(file));
      expect(s.records[0]).toMatchObject({ type: 'CONFIGURATION', machine: 'pc-q35-7.2' });
      expect(s.records.some((r) => r.type === 'FULL' && r.idstr === 'serial')).toBe(true);
    });
  });

  it('keeps the stream a destination rejected, and says why there is no re-save', async () => {
    const dir = join(tmp.path, 'rejected');
    const io = collectIo();
    const args = ['--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-7.2', '--device', 'isa-serial', '--dst-device', 'e1000', '--one-way', '--keep-streams', dir, '--json'];
    expect(await qemuCommand(args, io)).toBe(1);
    const doc = JSON.parse(io.lines.join('\n')).result;
    expect(doc.streams).toHaveLength(1);
    expect(doc.streams[0]).toMatchObject({ case: 'isa-serial/7.2->10.0/pc-q35-7.2', role: 'forward', savedBy: '7.2' });
    expect(doc.streams[0].stopped).toMatch(/^10\.0 load-failed: .*Unknown savevm section or instance 'serial' 0/);
    expect(existsSync(join(dir, 'isa-serial_7.2-to-10.0_pc-q35-7.2.resaved-by-10.0.bin'))).toBe(false);
  });

  // with --runs every state's streams are kept: harness/commands/qemu.test.ts
});

afterAll(() => expect(leftovers()).toEqual([]));
