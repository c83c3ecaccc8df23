/**
 * A QEMU that hangs, exits at once, refuses its options, speaks something other than
 * QMP, floods, crashes mid-load or is killed from outside: each is reported with its
 * own kind (never as a verdict on the stream), within the timeout, naming the binary,
 * and leaves no process and no temp dir behind.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BROKEN_MODES, brokenQemu, type BrokenMode } from './broken.js';
import { locateQemu } from './binaries.js';
import { QemuInstance, leftovers, loadAndSave, running, saveToFile, type VmConfig } from './driver.js';
import { loadFailure } from './case.js';
import { QemuError } from './errors.js';
import { MAX_QMP_LINE } from './qmp.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const VM: VmConfig = { machine: 'pc-q35-7.2' };
const SHORT = 1500;

const alive = running;

const STREAM = new Uint8Array([0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3, 0]);

describe.each(Object.entries(BROKEN_MODES) as [BrokenMode, string][])('a fake QEMU that does %s', (mode, kind) => {
  it(`is reported as ${kind}, naming the binary, within the timeout, leaving nothing`, async () => {
    const bin = brokenQemu(mode, dir);
    let seen: { pid: number; dir: string } | undefined;
    const t0 = Date.now();
    const load = mode.endsWith('-on-load');
    // 8 MiB must arrive before the flood is called one; on a busy machine that takes a while
    const TIMEOUT = mode === 'flood' ? 10_000 : SHORT;
    const r = load
      ? await loadAndSave({ binary: bin, vm: VM, timeoutMs: TIMEOUT, onStart: (i) => (seen = i) }, STREAM)
      : await saveToFile({ binary: bin, vm: VM, timeoutMs: TIMEOUT, onStart: (i) => (seen = i) }).then(
          () => null,
          (e: unknown) => e,
        );
    const took = Date.now() - t0;
    expect(took).toBeLessThan(TIMEOUT + 1500);
    const got = r instanceof QemuError ? r : (r as { ok: boolean; kind: string; message: string; stage?: string; signal?: string });
    expect(got).toMatchObject({ kind });
    expect(got.message).toContain(bin.path);
    expect(got.message).not.toMatch(/undefined|NaN|\[object Object\]/);
    if (kind === 'timeout') expect(got.stage).toBe(load ? 'load' : 'start');
    if (mode === 'crash-on-load') {
      expect(got.signal).toBe('SIGSEGV');
      expect(got.message).toMatch(/killed by SIGSEGV during the load: about to crash/);
    }
    if (mode === 'flood') {
      expect(got.message).toContain(`more than ${MAX_QMP_LINE} bytes`);
      expect(took).toBeLessThan(TIMEOUT); // killed for flooding, not for the time
    }
    if (mode === 'non-object-qmp') expect(got.message).toMatch(/sent "null" on its QMP socket: a QMP message is a JSON object/);
    expect(seen).toBeDefined();
    expect(alive(seen!.pid)).toBe(false);
    expect(existsSync(seen!.dir)).toBe(false);
  });
});

describe('a real QEMU destination killed from outside mid-load', () => {
  it('is qemu-crashed with the signal, not a load verdict', async () => {
    const q72 = await locateQemu('7.2');
    const stream = await saveToFile({ binary: q72, vm: { machine: 'pc-q35-7.2', devices: ['isa-serial'] } });
    // Feed it a stream that never ends (a fifo nobody writes), then kill it.
    const fifo = join(dir, 'never.fifo');
    const { execa } = await import('execa');
    await execa('mkfifo', [fifo]);
    let pid = 0;
    const pending = loadAndSave({ binary: q72, vm: { machine: 'pc-q35-7.2', devices: ['isa-serial'] }, timeoutMs: 20_000, onStart: (i) => (pid = i.pid) }, fifo);
    const t0 = Date.now();
    while (!pid && Date.now() - t0 < 10_000) await new Promise((res) => setTimeout(res, 20));
    await new Promise((res) => setTimeout(res, 600));
    process.kill(pid, 'SIGKILL');
    const r = await pending;
    expect(r, JSON.stringify(r)).toMatchObject({ ok: false, kind: 'qemu-crashed', signal: 'SIGKILL' });
    expect(r.ok ? '' : r.message).toMatch(/was killed by SIGKILL during the (start|load)/);
    // and the case reports that kind, not post-load-failed
    if (!r.ok) expect(loadFailure(r, stream, '7.2', '7.2').kind).toBe('qemu-crashed');
  });
});

describe('QemuInstance.start on a path that is not a QEMU', () => {
  it('is start-failed naming the path', async () => {
    const bin = { name: 'nothing', path: join(dir, 'no-such-binary'), version: '0', env: {}, extraArgs: [] };
    const err = await QemuInstance.start({ binary: bin, vm: VM, timeoutMs: SHORT }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'start-failed' });
    expect((err as Error).message).toContain(bin.path);
  });
});

afterAll(() => expect(leftovers()).toEqual([]));
