import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { locateQemu, once, type QemuBinary } from '../../src/qemu/binaries.js';
import { collectIo } from '../io.js';
import { proveBinaries } from './prove-binaries.js';
import { leftovers } from '../../src/qemu/driver.js';

let q72: QemuBinary;
let q10: QemuBinary;
let tmp: DirectoryResult;
/** A "build" whose RTC keeps QEMU's default host clock: its state changes between a save and a re-save. */
let broken: string;

// In each test, not a hook: a missing binary fails every test with the setup hint.
const setup = once(async () => {
  q72 = await locateQemu('7.2');
  q10 = await locateQemu('10.0');
  tmp = await tmpDir({ prefix: 'vmcompat-prove-test-', unsafeCleanup: true });
  broken = join(tmp.path, 'qemu-system-x86_64');
  // exec keeps the pid, so the driver's process-group kill still reaches QEMU
  writeFileSync(broken, `#!/bin/sh\nexec ${q72.path} "$@" -rtc clock=host\n`);
  chmodSync(broken, 0o755);
});
afterAll(() => tmp?.cleanup());

describe('prove with QEMU binaries', () => {
  it('does not claim a proof when the base already passes (base = peer = 7.2, fix = 10.0)', async () => {
    await setup();
    const io = collectIo();
    const code = await proveBinaries({ base: q72.path, fix: q10.path, peer: q72.path, machines: ['pc-q35-7.2'], devices: ['isa-serial'] }, io);
    expect(code, io.lines.join('\n')).toBe(1);
    expect(io.lines[0]).toMatch(/^vmcompat prove — base 7\.2\.\d+ \(\/usr\/bin\/qemu-system-x86_64\) · fix 10\.0\.\d+ \(.*\) · peer 7\.2\.\d+ \(\/usr\/bin\/qemu-system-x86_64\) · 1 machine type · devices: isa-serial$/);
    expect(io.lines[1]).toMatch(/^machine {5}base 7\.2\.\d+ ↔ 7\.2\.\d+ +fix 10\.0\.\d+ ↔ 7\.2\.\d+ +verdict$/);
    expect(io.lines[2]).toMatch(/^pc-q35-7\.2 {2}✓ → {2}✓ ← +✓ → {2}✓ ← +unaffected$/);
    expect(io.lines.at(-1)).toMatch(/^nothing to prove: the base 7\.2\.\d+ already passes against the peer 7\.2\.\d+ at every machine type checked {3}\(/);
  });

  it('proves a fix when the base fails against the peer and the fix passes both ways (--json)', async () => {

    await setup();
    const io = collectIo();
    const code = await proveBinaries({ base: broken, fix: q72.path, peer: q10.path, machines: ['pc-q35-7.2'], devices: ['isa-serial'], json: true }, io);
    const doc = JSON.parse(io.lines.join('\n')).result;
    expect(code, doc.reason).toBe(0);
    expect(doc).toMatchObject({ proved: true, machines: ['pc-q35-7.2'], devices: ['isa-serial'], base: { path: broken }, peer: { path: q10.path } });
    expect(doc.reason).toBe('proved: the fix passes both ways at 1 machine type where the base fails, and breaks nothing');
    expect(doc.rows).toEqual([
      {
        machine: 'pc-q35-7.2',
        verdict: 'fixed',
        base: { forward: expect.stringMatching(/->/), backward: expect.stringMatching(/->/) },
        fix: { forward: expect.stringMatching(/->/), backward: expect.stringMatching(/->/) },
      },
    ]);
    const baseForward = doc.cases[0];
    expect(baseForward).toMatchObject({ status: 'fail', kind: 'value-changed', stage: 'compare' });
    expect(baseForward.path).toMatch(/^mc146818rtc \(0\) /);
    expect(doc.cases.slice(2).map((c: { status: string }) => c.status)).toEqual(['pass', 'pass']);
  });

  it('says where a fix that breaks what the base did not fails (regressed)', async () => {

    await setup();
    const io = collectIo();
    const code = await proveBinaries({ base: q72.path, fix: broken, peer: q10.path, machines: ['pc-q35-7.2'], devices: ['isa-serial'] }, io);
    expect(code).toBe(1);
    expect(io.lines.some((l) => /^pc-q35-7\.2 .*REGRESSED$/.test(l))).toBe(true);
    expect(io.lines).toContain('where the fix fails:');
    expect(io.lines.some((l) => /✗ isa-serial .*FAILED · value-changed in mc146818rtc \(0\)/.test(l))).toBe(true);
    expect(io.lines.at(-1)).toMatch(/^not proved: the fix .* fails where the base passes at 1 machine type/);
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
