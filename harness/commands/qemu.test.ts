import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { VmError } from '../../src/wire/errors.js';
import { collectIo } from '../io.js';
import { qemuCommand } from './qemu.js';
import { leftovers } from '../../src/qemu/driver.js';

// Needs both provisioned binaries: a missing one fails with `npm run qemu:setup` in the message.
describe('vmcompat qemu', () => {
  it('runs both ways and prints one line per case in the reporters’ format', async () => {
    const io = collectIo();
    const code = await qemuCommand(['--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-7.2', '--device', 'isa-serial'], io);
    expect(code, io.lines.join('\n')).toBe(0);
    expect(io.lines[0]).toMatch(/^vmcompat qemu — 7\.2 \(\/usr\/bin\/qemu-system-x86_64\) 7\.2\.\d+ ⇄ 10\.0 \(.*\) 10\.0\.\d+ · 1 machine type · devices: isa-serial$/);
    expect(io.lines[1]).toMatch(/^ ✓ isa-serial  7\.2 → 10\.0  pc-q35-7\.2  \d+ fields of \d+ devices and \d+ RAM pages compared; ignored: globalstate/);
    expect(io.lines[2]).toMatch(/^ ✓ isa-serial  10\.0 → 7\.2  pc-q35-7\.2  /);
    expect(io.lines[3]).toMatch(/^2 cases: 2 passed · 0 failed · 0 skipped/);
  });

  it('exits 1 on a failure and prints QEMU’s own lines under it; --json keeps the CaseResult names', async () => {
    const io = collectIo();
    const args = ['--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-7.2', '--device', 'isa-serial', '--dst-device', 'e1000', '--one-way'];
    expect(await qemuCommand(args, io)).toBe(1);
    expect(io.lines[1]).toMatch(/^ ✗ isa-serial  7\.2 → 10\.0  pc-q35-7\.2  FAILED · unknown-section in serial @0x[0-9a-f]+$/);
    expect(io.lines).toContain('     forward: 7.2 saved, 10.0 loaded');
    expect(io.lines.some((l) => l.startsWith("     qemu: Unknown savevm section or instance 'serial' 0."))).toBe(true);

    const json = collectIo();
    expect(await qemuCommand([...args, '--json'], json)).toBe(1);
    const doc = JSON.parse(json.lines.join('\n')).result;
    expect(doc.src).toMatchObject({ name: '7.2', path: '/usr/bin/qemu-system-x86_64' });
    expect(doc.machines).toEqual(['pc-q35-7.2']);
    expect(doc.summary).toMatchObject({ total: 1, failed: 1 });
    expect(doc.cases[0]).toMatchObject({ id: 'isa-serial/7.2->10.0/pc-q35-7.2', status: 'fail', kind: 'unknown-section', stage: 'forward', expected: null, unexpected: true });
    expect(doc.cases[0].failure.bytes).toBeUndefined();
  });

  it("writes check's reports for real cases (--reporter)", async () => {
    const tmp = await tmpDir({ prefix: 'vmcompat-qemu-report-', unsafeCleanup: true });
    try {
      const io = collectIo();
      const args = ['--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-7.2', '--device', 'isa-serial', '--dst-device', 'e1000', '--one-way'];
      expect(await qemuCommand([...args, '--reporter', 'json,junit,markdown,html', '--report-dir', tmp.path], io)).toBe(1);
      expect(io.lines.at(-1)).toMatch(/ junit\.xml report\.json summary\.md report\.html$|report\.json/);
      const report = JSON.parse(readFileSync(join(tmp.path, 'report.json'), 'utf8'));
      expect(report.cases[0]).toMatchObject({ id: 'isa-serial/7.2->10.0/pc-q35-7.2', status: 'fail', outcome: 'unexpected-failure', kind: 'unknown-section', detail: { stage: 'forward', saver: '7.2', loader: '10.0' } });
      expect(report.cases[0].detail.qemu[0]).toMatch(/^Unknown savevm section or instance 'serial' 0/);
      expect(report.plan).toMatchObject({ total: 1, releases: ['7.2', '10.0'], machines: ['pc-q35-7.2'] });
      expect(readFileSync(join(tmp.path, 'junit.xml'), 'utf8')).toContain('isa-serial');
      expect(existsSync(join(tmp.path, 'report.html'))).toBe(true);
    } finally {
      await tmp.cleanup();
    }
  });

  it('property mode on a pair that really breaks fails and exits 1: 10.0 whose scanout test always says yes (--src-global) ⇄ 7.2, virtio-gpu-pci', async () => {
    const io = collectIo();
    const args = ['--src', '10.0', '--src-global', 'virtio-gpu-device.x-scanout-vmstate-version=2', '--dst', '7.2', '--machine', 'pc-q35-7.2', '--device', 'virtio-gpu-pci', '--runs', '20', '--seed', '11'];
    expect(await qemuCommand(args, io), io.lines.join('\n')).toBe(1);
    expect(io.lines[0]).toMatch(/10\.0\.\d+ -global virtio-gpu-device\.x-scanout-vmstate-version=2 ⇄ 7\.2 /);
    expect(io.lines).toContain(' ✗ virtio-gpu-pci  10.0 → 7.2  pc-q35-7.2  FAILED · footer-missing in virtio-gpu-one-scanout parent_obj.scanout[0].fb.format @0x58633');
    expect(io.lines).toContain(' ✗ virtio-gpu-pci  7.2 → 10.0  pc-q35-7.2  FAILED · short-read in virtio-gpu-one-scanout parent_obj.scanout[0].fb.format @0x58633');
    expect(io.lines.some((l) => /^\s+0586[0-9a-f]{2} .*parent_obj\.scanout\[0\]/.test(l)), io.lines.join('\n')).toBe(true);
    expect(io.lines.at(-1)).toMatch(/^2 cases: 0 passed · 2 failed · 0 skipped/);
  });

  it('--keep-streams with --runs keeps every state’s streams, one set of files per state, none overwritten', async () => {
    const tmp = await tmpDir({ prefix: 'vmcompat-qemu-keep-runs-', unsafeCleanup: true });
    try {
      const io = collectIo();
      const args = ['--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-7.2', '--device', 'isa-serial', '--runs', '3', '--seed', '11', '--one-way', '--keep-streams', tmp.path];
      expect(await qemuCommand(args, io), io.lines.join('\n')).toBe(0);
      const files = readdirSync(tmp.path).sort();
      // the unmutated state and the three runs, each: mutated, the source's save, the destination's re-save, the source's save back
      const states = ['run-000', 'run-001', 'run-002', 'run-003'];
      const roles = ['forward-by-7.2', 'mutated-by-vmcompat', 'resaved-by-10.0', 'returned-by-7.2'];
      expect(files).toEqual(states.flatMap((st) => roles.map((r) => `isa-serial_7.2-to-10.0_pc-q35-7.2_property_${st}.${r}.bin`)));
      // each run's state is its own: the mutated streams differ from the unmutated one and from each other
      const mutated = states.map((st) => readFileSync(join(tmp.path, `isa-serial_7.2-to-10.0_pc-q35-7.2_property_${st}.mutated-by-vmcompat.bin`)).toString('hex'));
      expect(new Set(mutated).size).toBe(4);
      expect(io.lines).toContain(`streams of isa-serial/7.2->10.0/pc-q35-7.2/property: 4 states (run-000 … run-003), 16 files, ${files.reduce((n, f) => n + statSync(join(tmp.path, f)).size, 0)} bytes in ${relative(process.cwd(), tmp.path)}/`);

      // a failing state's streams are named in the output; the one the destination rejected says why it has no re-save
      const bad = collectIo();
      const gpu = ['--src', '10.0', '--src-global', 'virtio-gpu-device.x-scanout-vmstate-version=2', '--dst', '7.2', '--machine', 'pc-q35-7.2', '--device', 'virtio-gpu-pci', '--runs', '2', '--seed', '11', '--one-way', '--keep-streams', tmp.path];
      expect(await qemuCommand(gpu, bad)).toBe(1);
      expect(bad.lines).toContain('  the counterexample (run-000):');
      expect(bad.lines.some((l) => /^  stream forward  .*virtio-gpu-pci_10\.0-to-7\.2_pc-q35-7\.2_property_run-000\.forward-by-10\.0\.bin  \(saved by 10\.0, \d+ bytes\); 7\.2 load-failed: .*Missing section footer/.test(l)), bad.lines.join('\n')).toBe(true);
    } finally {
      await tmp.cleanup();
    }
  });

  it('a run in which every case is skipped exits 2, saying nothing was checked', async () => {
    const io = collectIo();
    const code = await qemuCommand(['--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-7.2', '--device', 'isa-serial', '--runs', '3', '--mutate', 'no-such-section', '--one-way'], io);
    expect(code).toBe(2);
    expect(io.lines).toContain(' - isa-serial  7.2 → 10.0  pc-q35-7.2  skipped: inconclusive: the unmutated state passes but nothing can be mutated: no typed field matches no-such-section');
    expect(io.errors.at(-1)).toMatch(/every case was skipped .*nothing was checked/);
  });

  it('refuses unusable arguments with a reason', async () => {
    await expect(qemuCommand(['--dst', '10.0', '--machine', 'all'], collectIo())).rejects.toThrow(/--src and --dst are required/);
    await expect(qemuCommand(['--src', '7.2', '--dst', '10.0'], collectIo())).rejects.toThrow(/--machine is required/);
    await expect(qemuCommand(['--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-10.*'], collectIo())).rejects.toThrow(
      /no machine type matching pc-q35-10\.\* is known to 7\.2 \(7\.2\.\d+\) and 10\.0 \(10\.0\.\d+\); shared versioned types: .*pc-q35-7\.2/,
    );
    // a name close to one both know: did you mean
    await expect(qemuCommand(['--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-7.3'], collectIo())).rejects.toThrow(/no machine type matching pc-q35-7\.3 is known to 7\.2 \(7\.2\.\d+\) and 10\.0 \(10\.0\.\d+\); did you mean 'pc-q35-7\.\d'/);
    const missing = await qemuCommand(['--src', '/nonexistent/qemu', '--dst', '10.0', '--machine', 'all'], collectIo()).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(VmError);
    expect((missing as Error).message).toMatch(/\/nonexistent\/qemu.*npm run qemu:setup/);
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
