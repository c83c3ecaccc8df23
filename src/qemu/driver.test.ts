import { readFileSync, existsSync, readdirSync, writeFileSync, chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { dir as tmpDir } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { walkStream } from '../wire/walk.js';
import { locateQemu, once, type QemuBinary } from './binaries.js';
import { QemuInstance, leftovers, loadFromFile, running, saveToFile, type VmConfig } from './driver.js';
import { QemuError } from './errors.js';

const alive = running;

/** SIGKILL is asynchronous: give the kernel a moment to finish the job. */
async function deadSoon(pid: number, ms = 1000): Promise<boolean> {
  const end = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Pids whose command line mentions `needle` (to find QEMU's `cat` helpers). */
function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle) && alive(Number(e))) out.push(Number(e));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

const VM: VmConfig = { machine: 'pc-q35-7.2', devices: ['isa-serial', 'virtio-gpu-pci', 'e1000'] };

let q72: QemuBinary;
let q10: QemuBinary;
let stream72: Uint8Array;

// In each test, not a hook: a missing binary fails every test with the setup hint.
const setup = once(async () => {
  q72 = await locateQemu('7.2');
  q10 = await locateQemu('10.0');
  stream72 = await saveToFile({ binary: q72, vm: VM });
});

describe('saveToFile / loadFromFile against real QEMU', () => {
  it('saves a paused 7.2 guest to a complete stream', async () => {
    await setup();
    const w = walkStream(stream72);
    expect(w.machine).toBe('pc-q35-7.2');
    expect(w.records.at(-1)?.type).toBe('VMDESCRIPTION');
  });

  it('loads 7.2 → 7.2 and the destination stays paused', async () => {

    await setup();
    const r = await loadFromFile({ binary: q72, vm: VM }, stream72);
    expect(r).toMatchObject({ ok: true });
    if (r.ok) expect(['prelaunch', 'paused']).toContain(r.status);
  });

  it('loads 7.2 → 10.0 and 10.0 → 7.2 at pc-q35-7.2', async () => {

    await setup();
    expect(await loadFromFile({ binary: q10, vm: VM }, stream72)).toMatchObject({ ok: true });
    const stream10 = await saveToFile({ binary: q10, vm: VM });
    expect(await loadFromFile({ binary: q72, vm: VM }, stream10)).toMatchObject({ ok: true });
  });

  it("surfaces QEMU's own error text when the destination rejects the stream", async () => {

    await setup();
    // Break the serial section's footer: 7.2 and 10.0 both exit with the §2.8 wording.
    const serial = walkStream(stream72).records.find((r) => r.idstr === 'serial')!;
    const bad = stream72.slice();
    bad[serial.footerOffset!] = 0x00;
    for (const binary of [q72, q10]) {
      const r = await loadFromFile({ binary, vm: VM }, bad);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.kind).toBe('load-failed');
      expect(r.stderr).toContain('Missing section footer for serial');
      expect(r.stderr).toContain('load of migration failed: Invalid argument');
      expect(r.exitCode).not.toBe(0);
    }
    // The walker names the same failure, with the offset QEMU does not give.
    expect(() => walkStream(bad)).toThrow(/^Missing section footer for serial: expected 0x7e at 0x/);
  });

  it('reports a machine type mismatch as QEMU words it', async () => {

    await setup();
    const r = await loadFromFile({ binary: q72, vm: { ...VM, machine: 'pc-i440fx-7.2' } }, stream72);
    expect(r).toMatchObject({ ok: false, kind: 'load-failed' });
    expect(r.ok ? '' : r.stderr).toContain("Machine type received is 'pc-q35-7.2' and local is 'pc-i440fx-7.2'");
  });

  it('reports a start failure with stderr', async () => {

    await setup();
    const err = await saveToFile({ binary: q72, vm: { machine: 'pc-q35-7.2', devices: ['no-such-device'] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QemuError);
    expect(err).toMatchObject({ kind: 'config-refused', stage: 'start' });
    expect((err as Error).message).toContain("'no-such-device' is not a valid device model name");
  });
});

describe('cleanup', () => {
  it('kills a binary that never answers QMP within the timeout and leaves nothing behind', async () => {
    await setup();
    const d = await tmpDir({ unsafeCleanup: true });
    try {
      const script = join(d.path, 'fake-qemu');
      const childPidFile = join(d.path, 'child.pid');
      // Hangs like a wedged QEMU, with a child of its own (as QEMU has `sh -c cat …`).
      writeFileSync(script, '#!/bin/sh\nsleep 1000 &\necho $! > "$FAKE_CHILD_PIDFILE"\nwait\n');
      chmodSync(script, 0o755);
      const fake: QemuBinary = { name: 'fake', path: script, version: '0', env: { FAKE_CHILD_PIDFILE: childPidFile }, extraArgs: [] };
      let seen: { pid: number; dir: string } | undefined;
      const t0 = Date.now();
      const err = await QemuInstance.start({ binary: fake, vm: VM, timeoutMs: 1000, onStart: (i) => (seen = i) }).catch((e: unknown) => e);
      const took = Date.now() - t0;
      expect(err).toMatchObject({ kind: 'timeout', stage: 'start' });
      expect((err as Error).message).toContain('did not answer on QMP');
      expect(took).toBeLessThan(3000);
      expect(seen).toBeDefined();
      expect(alive(seen!.pid)).toBe(false);
      expect(existsSync(seen!.dir)).toBe(false);
      const child = Number(readFileSync(childPidFile, 'utf8'));
      expect(child).toBeGreaterThan(0);
      expect(await deadSoon(child)).toBe(true);
    } finally {
      await d.cleanup();
    }
  });

  it('kills a real QEMU whose incoming migration never ends, with its cat helper', async () => {

    await setup();
    const d = await tmpDir({ unsafeCleanup: true });
    try {
      const fifo = join(d.path, 'never-written.fifo');
      await execa('mkfifo', [fifo]);
      let seen: { pid: number; dir: string } | undefined;
      const t0 = Date.now();
      const r = await loadFromFile({ binary: q72, vm: VM, timeoutMs: 1500, onStart: (i) => (seen = i) }, fifo);
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(r, JSON.stringify(r)).toMatchObject({ ok: false, kind: 'timeout' });
      expect(alive(seen!.pid)).toBe(false);
      expect(existsSync(seen!.dir)).toBe(false);
      expect(pidsMentioning(fifo)).toEqual([]);
    } finally {
      await d.cleanup();
    }
  });

  it('kills QEMU and removes its temp dir when the parent gets SIGINT or exits', async () => {

    await setup();
    // Transpile the driver's files to JS (no type check: fast) so a plain node child runs it.
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
    const out = join(root, '.cache', `driver-test-${process.pid}`);
    try {
      const ts = (await import('typescript')).default;
      for (const f of ['qemu/driver.ts', 'qemu/binaries.ts', 'qemu/qmp.ts', 'qemu/errors.ts', 'wire/errors.ts']) {
        const js = ts.transpileModule(readFileSync(join(root, 'src', f), 'utf8'), {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        }).outputText;
        mkdirSync(dirname(join(out, f)), { recursive: true });
        writeFileSync(join(out, f.replace(/\.ts$/, '.js')), js);
      }
      const child = join(out, 'child.mjs');
      writeFileSync(
        child,
        `import { locateQemu } from './qemu/binaries.js';
import { QemuInstance } from './qemu/driver.js';
const q = await QemuInstance.start({ binary: await locateQemu('7.2'), vm: { machine: 'pc-q35-7.2' } });
console.log(JSON.stringify({ pid: q.pid, dir: q.dir }));
// 'exit' mode: exit normally once the parent has looked at the QEMU process.
process.stdin.once('data', () => process.exit(3));
`,
      );
      for (const mode of ['sigint', 'exit']) {
        const p = execa(process.execPath, [child, mode], { reject: false });
        const line = await new Promise<string>((res, rej) => {
          p.stdout!.once('data', (b: Buffer) => res(b.toString()));
          p.once('exit', () => void p.then((r) => rej(new Error(`child (${mode}) exited early: ${r.stderr}`))));
        });
        const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
        expect(alive(pid)).toBe(true);
        if (mode === 'sigint') p.kill('SIGINT');
        else p.stdin!.write('exit now\n');
        const res = await p;
        if (mode === 'sigint') expect(res.signal).toBe('SIGINT');
        else expect(res.exitCode).toBe(3);
        expect(await deadSoon(pid)).toBe(true);
        expect(existsSync(dir)).toBe(false);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
