import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { locateQemu, once, type QemuBinary } from '../../src/qemu/binaries.js';
import { collectIo } from '../io.js';
import { proveBinaries } from './prove-binaries.js';
import { main } from '../cli.js';
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
  it('does not claim a proof when the base already passes (base = peer = 7.2, fix = 10.0): unaffected as one count, and 10.0\'s machine types named as where the fix could apply', async () => {
    await setup();
    const io = collectIo();
    const code = await proveBinaries({ base: q72.path, fix: q10.path, peer: q72.path, machines: ['pc-q35-7.2'], devices: ['isa-serial'] }, io);
    expect(code, io.lines.join('\n')).toBe(1);
    expect(io.lines[0]).toMatch(/^vmcompat prove — base 7\.2\.\d+ \(\/usr\/bin\/qemu-system-x86_64\) · fix 10\.0\.\d+ \(.*\) · peer 7\.2\.\d+ \(\/usr\/bin\/qemu-system-x86_64\) · 1 machine type · devices: isa-serial$/);
    // every direction passes, base ↔ fix too: the row is counted, not shown
    expect(io.lines[1]).toMatch(/^unaffected: 1 device × machine type combination pass with 7\.2\.\d+, 10\.0\.\d+ and 7\.2\.\d+ ↔ 10\.0\.\d+ \(--verbose lists them\)$/);
    expect(io.lines.at(-1)).toMatch(/^not provable: 7\.2\.\d+ already passes against 7\.2\.\d+ at every machine type both know {3}\(/);
    // a "fix" in 10.0 against a 7.2 peer: whatever it changes can only be at machine types 7.2 lacks, and the reason names them
    const io2 = collectIo();
    expect(await proveBinaries({ base: q10.path, fix: q10.path, peer: q72.path, machines: ['pc-q35-7.2'], devices: ['isa-serial'] }, io2)).toBe(1);
    expect(io2.lines.at(-1)).toMatch(/^not provable: 10\.0\.\d+ already passes against 7\.2\.\d+ at every machine type both know; the fix can only apply at machine types 7\.2\.\d+ does not know \(pc-i440fx-8\.0, pc-i440fx-8\.1, pc-i440fx-8\.2, pc-i440fx-9\.0 and \d+ more\), so it cannot be proved against 7\.2\.\d+ {3}\(/);
  });

  it('proves a fix (the base fails against the peer, the fix passes both ways) and shows base ↔ fix, with its stage, in the table, the reason, --json and the reports', async () => {
    await setup();
    const io = collectIo();
    const out = join(tmp.path, 'reports');
    const code = await proveBinaries({ base: broken, fix: q72.path, peer: q10.path, machines: ['pc-q35-7.2'], devices: ['isa-serial'], json: true, reporters: ['json', 'junit'], reportDir: out }, io);
    const doc = JSON.parse(io.lines.join('\n')).result;
    expect(doc).toMatchObject({ proved: true, machines: ['pc-q35-7.2'], devices: ['isa-serial'], base: { path: broken }, peer: { path: q10.path } });
    // the broken build and the fix part on the RTC too, and no scenario expects it: proved, yet not green
    expect(code, doc.reason).toBe(1);
    expect(doc.ok).toBe(false);
    expect(doc.reason).toMatch(/^proved: the fix removes every failure \(1 device × machine type combination\) and introduces none; \S+ ↔ \S+ fails at 1 device × machine type combination \(\d cases? no scenario expects: a VM moved across the fix breaks there, see the table\)$/);
    expect(doc.rows).toEqual([
      {
        device: 'isa-serial',
        machine: 'pc-q35-7.2',
        verdict: 'fixed',
        base: { forward: expect.stringMatching(/->/), backward: expect.stringMatching(/->/) },
        fix: { forward: expect.stringMatching(/->/), backward: expect.stringMatching(/->/) },
        across: { forward: `isa-serial/${broken}->/usr/bin/qemu-system-x86_64/pc-q35-7.2`, backward: `isa-serial//usr/bin/qemu-system-x86_64->${broken}/pc-q35-7.2` },
      },
    ]);
    expect(doc.cases).toHaveLength(6);
    expect(doc.cases[0]).toMatchObject({ status: 'fail', kind: 'value-changed', stage: 'compare' });
    expect(doc.cases[0].path).toMatch(/^mc146818rtc \(0\) /);
    expect(doc.cases.slice(2, 4).map((c: { status: string }) => c.status)).toEqual(['pass', 'pass']);
    expect(doc.cases[4]).toMatchObject({ status: 'fail', kind: 'value-changed', stage: 'compare' });
    // check's reports, the proof's six cases with their outcomes
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.cases.map((c: { outcome: string }) => c.outcome).slice(0, 5)).toEqual(['unexpected-failure', expect.any(String), 'pass', 'pass', 'unexpected-failure']);
    expect(report.plan.machines).toEqual(['pc-q35-7.2']);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<testsuites name="vmcompat" tests="6" failures="[3-4]" errors="0"/);
  });

  it('says where a fix that breaks what the base did not fails (regressed), names the stage in its cells, and takes a full version (10.0.2) for the provisioned build', async () => {
    await setup();
    const io = collectIo();
    const code = await main(['prove', '--base', '7.2', '--fix', broken, '--peer', q10.version, '--machine', 'pc-q35-7.2', '--device', 'isa-serial', '--reporter', 'none'], io);
    expect(code, io.errors.join('\n')).toBe(1);
    expect(io.lines[0]).toContain(`peer ${q10.version} (${q10.path})`);
    const row = io.lines.find((l) => l.startsWith('pc-q35-7.2 '))!;
    expect(row).toMatch(/✓ → {2}✓ ← +✗ → value-changed \(re-save differs\)  ✗ ← value-changed \(re-save differs\) .*REGRESSED; .* breaks$/);
    expect(io.lines).toContain(`where ${broken} fails:`);
    expect(io.lines.some((l) => /✗ isa-serial .*UNEXPECTED FAILURE · value-changed in mc146818rtc \(0\)/.test(l))).toBe(true);
    expect(io.lines.at(-1)).toMatch(/^not proved: \S+ fails where \S+ passes at 1 device × machine type combination/);
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
