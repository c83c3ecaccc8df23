import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { collectIo } from './io.js';
import { proveCell } from './commands/prove.js';
import type { ReportCase } from '../src/check/report-schema.js';

const prove = async (...args: string[]) => {
  const io = collectIo();
  const code = await main(['prove', ...(args.includes('--report-dir') ? [] : ['--reporter', 'none']), ...args], io);
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
};

describe('vmcompat prove', () => {
  it('the seed fix: 9.0.0 fails against 8.2.0, 9.0.1 passes both ways, at every machine type the three know (exit 0)', async () => {
    const r = await prove('--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--device', 'virtio-gpu', '--device', 'isa-ipmi-kcs', '--runs', '10', '--seed', '5');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^vmcompat prove — base 9\.0\.0 · fix 9\.0\.1 · peer 8\.2\.0 · \d+ machine types · \d+ devices · 10 states\/case · seed 5/);
    expect(r.out).toMatch(/device\s+machine\s+base 9\.0\.0 ↔ 8\.2\.0\s+fix 9\.0\.1 ↔ 8\.2\.0\s+9\.0\.0 ↔ 9\.0\.1\s+verdict/);
    for (const m of ['pc-q35-8.2', 'pc-q35-8.1', 'pc-q35-8.0', 'pc-i440fx-8.2', 'pc-i440fx-8.1', 'pc-i440fx-8.0']) {
      expect(r.out).toMatch(new RegExp(`virtio-gpu\\s+${m.replace(/\./g, '\\.')}\\s+✗ → footer-missing\\s+✗ ← short-read\\s+✓ →\\s+✓ ←\\s+✗ → footer-missing\\s+✗ ← short-read\\s+fixed, round trips exact; 9\\.0\\.0 ↔ 9\\.0\\.1 breaks`));
    }
    expect(r.out).not.toMatch(/pc-q35-9\.0/); // 8.2.0 does not know it
    // unaffected devices are one counted line, not a row each
    expect(r.out).toMatch(/^unaffected: 12 device × machine type combinations pass with 9\.0\.0, 9\.0\.1 and 9\.0\.0 ↔ 9\.0\.1 \(--verbose lists them\)$/m);
    expect(r.out).not.toMatch(/isa-ipmi-kcs\s+pc-/);
    expect(r.out).toMatch(/proved: the fix removes every failure \(\d+ device × machine type combinations\) and introduces none/);
  });

  it('a "fix" that does not fix is not proved (exit 1), and its failures come with their replay commands', async () => {
    const r = await prove('--base', '9.0.0', '--fix', '9.0.0', '--peer', '8.2.0', '--device', 'virtio-gpu', '--machine', 'pc-q35-8.2', '--runs', '5', '--seed', '5');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/pc-q35-8\.2\s+✗ → footer-missing\s+✗ ← short-read\s+✗ → footer-missing\s+✗ ← short-read\s+✓ →\s+✓ ←\s+NOT FIXED/);
    expect(r.out).toMatch(/replay: {2}npx vmcompat repro 'virtio-gpu\/9\.0\.0->8\.2\.0\/pc-q35-8\.2' --seed \d+/);
    expect(r.out).toMatch(/not proved: 9\.0\.0 still fails where 9\.0\.0 fails/);
  });

  it('a fix that breaks what worked is not proved; nor is one where the base never failed', async () => {
    const regressed = await prove('--base', '9.0.1', '--fix', '9.0.0', '--peer', '8.2.0', '--device', 'virtio-gpu', '--machine', 'pc-i440fx-8.1', '--runs', '5', '--seed', '5');
    expect(regressed.code).toBe(1);
    expect(regressed.out).toMatch(/REGRESSED/);
    expect(regressed.out).toMatch(/not proved: 9\.0\.0 fails where 9\.0\.1 passes/);
    const vacuous = await prove('--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--device', 'isa-ipmi-kcs', '--runs', '3', '--seed', '5');
    expect(vacuous.code).toBe(1);
    expect(vacuous.out).toMatch(/not provable: 9\.0\.0 already passes against 8\.2\.0 at every machine type both know; the fix can only apply at machine types 8\.2\.0 does not know \(pc-q35-9\.0, /);
  });

  it('--json carries the verdict per machine type', async () => {
    const io = collectIo();
    expect(await main(['prove', '--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--device', 'virtio-gpu', '--machine', 'pc-q35-8.2', '--runs', '3', '--seed', '1', '--json'], io)).toBe(0);
    // --json alone writes no files
    const doc = JSON.parse(io.lines.join('\n')).result;
    expect(doc).toMatchObject({ proved: true, machines: ['pc-q35-8.2'], devices: ['virtio-gpu'] });
    expect(doc.rows).toEqual([
      {
        device: 'virtio-gpu',
        machine: 'pc-q35-8.2',
        verdict: 'fixed',
        base: { forward: 'virtio-gpu/9.0.0->8.2.0/pc-q35-8.2', backward: 'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2' },
        fix: { forward: 'virtio-gpu/9.0.1->8.2.0/pc-q35-8.2', backward: 'virtio-gpu/8.2.0->9.0.1/pc-q35-8.2' },
        across: { forward: 'virtio-gpu/9.0.0->9.0.1/pc-q35-8.2', backward: 'virtio-gpu/9.0.1->9.0.0/pc-q35-8.2' },
      },
    ]);
    expect(doc.reports).toEqual([]);
  });

  it.each([
    [['--base', '9.0.0', '--peer', '8.2.0'], /--fix required/],
    [['--base', '9.0.0', '--fix', '9.9.9', '--peer', '8.2.0'], /--fix 9\.9\.9: unknown release \(known: .*8\.2\.0, 9\.0\.0, 9\.0\.1/],
    [['--base', '9.0.0', '--fix', '9.0.1', '--peer', '9.0.1'], /--peer 9\.0\.1 is also the fix/],
    [['--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--machine', 'pc-q35-9.0'], /--machine 'pc-q35-9\.0' matches no machine type that 9\.0\.0, 9\.0\.1 and 8\.2\.0 all know/],
    [['--base', '9.0.0', '--fix', '/opt/qemu/bin/qemu-system-x86_64', '--peer', '8.2.0'], /all be release names or all be QEMU binaries, not a mix/],
  ])('%j exits 2 with the reason', async (args, reason) => {
    const r = await prove(...args);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toMatch(reason);
  });

  it('with paths to QEMU binaries it hands over to prove-with-binaries', async () => {
    const r = await prove('--base', '/nonexistent/a/qemu', '--fix', '/nonexistent/b/qemu', '--peer', '/nonexistent/c/qemu');
    expect(r.code).not.toBe(0);
    expect(r.err).not.toMatch(/unknown release/);
  });
});

describe('vmcompat prove shows what a maintainer must see (#13 item 14)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmcompat-prove-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('base ↔ fix: 9.0.0 ↔ 9.0.1 fails at every machine type ≤ 8.2 — in the table, the reason and the reports; the proof still holds', async () => {
    const out = join(dir, 'rep');
    const r = await prove('--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2', '--device', 'virtio-gpu', '--runs', '3', '--seed', '5', '--workers', '2', '--report-dir', out);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[1]).toMatch(/^machine +base 9\.0\.0 ↔ 8\.2\.0 +fix 9\.0\.1 ↔ 8\.2\.0 +9\.0\.0 ↔ 9\.0\.1 +verdict$/);
    const q35 = lines.find((l) => l.startsWith('pc-q35-8.2 '))!;
    expect(q35).toMatch(/✓ →  ✓ ← +✗ → footer-missing  ✗ ← short-read +fixed, round trips exact; 9\.0\.0 ↔ 9\.0\.1 breaks \(expected\)$/);
    // the built-in scenario virtio-gpu-scanout expects every one of them: expected failures, as check calls them
    expect(r.out).toMatch(/where 9\.0\.0 ↔ 9\.0\.1 fails \(24 cases, all expected by a scenario; the first explained\)/);
    expect(r.out).not.toMatch(/UNEXPECTED/);
    expect(r.out).toMatch(/ expected failure · footer-missing /);
    expect(r.out).toMatch(/proved: the fix removes every failure \(12 device × machine type combinations\) and introduces none; 9\.0\.0 ↔ 9\.0\.1 fails at 12 device × machine type combinations \(every one expected by scenario 'virtio-gpu-scanout'\)/);
    for (const f of ['junit.xml', 'report.json', 'summary.md', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.cases).toHaveLength(12 * 6);
    expect(report.cases.filter((c: ReportCase) => c.from === '9.0.0' && c.to === '9.0.1' && c.status === 'fail')).toHaveLength(12);
    expect(report.plan.pairs).toEqual([['9.0.0', '8.2.0'], ['9.0.1', '8.2.0'], ['9.0.0', '9.0.1']]);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('virtio-gpu/9.0.1-&gt;9.0.0/pc-q35-8.2');
    // 24 base ↔ fix and 24 base ↔ peer failures, all known: JUnit counts none of them as failures
    expect(junit).toMatch(/<testsuites name="vmcompat" tests="72" failures="0" errors="0"/);
    const across = report.cases.filter((c: ReportCase) => [c.from, c.to].sort().join() === '9.0.0,9.0.1');
    expect(new Set(across.map((c: ReportCase) => `${c.outcome} ${c.scenario}`))).toEqual(new Set(['expected-failure virtio-gpu-scanout']));
    expect(report.summary).toMatchObject({ unexpected: 0, expectedFailures: 48 });
  });

  it('a base ↔ fix result no scenario expects is unexpected, as in check: an unknown failure, an unexpected pass (exit 1 though proved)', async () => {
    const file = join(dir, 'partial.json');
    // expects the bug against the peer, not base ↔ fix for virtio-gpu; expects a base ↔ fix failure of isa-ipmi-kcs that does not happen
    writeFileSync(
      file,
      JSON.stringify({
        name: 'partial',
        cases: [
          { device: 'virtio-gpu', from: ['9.0.0', '8.2.0'], to: ['8.2.0', '9.0.0'], machine: 'pc-q35-8.2', expect: { status: 'fail', kind: 'footer-missing' } },
          { device: 'isa-ipmi-kcs', from: '9.0.0', to: '9.0.1', machine: 'pc-q35-8.2', expect: { status: 'fail', kind: 'footer-missing' } },
        ],
      }),
    );
    const out = join(dir, 'partial');
    const r = await prove('--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2', '--device', 'virtio-gpu', '--device', 'isa-ipmi-kcs', '--machine', 'pc-q35-8.2', '--runs', '3', '--seed', '5', '--workers', '2', '--scenario', file, '--report-dir', out, '--reporter', 'junit,json');
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^proved: the fix removes every failure \(1 device × machine type combination\) and introduces none; .*9\.0\.0 ↔ 9\.0\.1 fails at 1 device × machine type combination \(2 cases no scenario expects: a VM moved across the fix breaks there, see the table\); 9\.0\.0 ↔ 9\.0\.1: 1 case passes that a scenario expects to fail/m);
    expect(r.out).toMatch(/ UNEXPECTED FAILURE · footer-missing /);
    expect(r.out).toMatch(/ UNEXPECTED PASS \(expected footer-missing\)/);
    // base → peer is known to this scenario, peer → base is not (its kind is short-read): the proof does not care, the report does
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const outcome = (id: string) => report.cases.find((c: ReportCase) => c.id === id)?.outcome;
    expect(outcome('virtio-gpu/9.0.0->8.2.0/pc-q35-8.2')).toBe('expected-failure');
    expect(outcome('virtio-gpu/8.2.0->9.0.0/pc-q35-8.2')).toBe('unexpected-failure');
    expect(outcome('virtio-gpu/9.0.0->9.0.1/pc-q35-8.2')).toBe('unexpected-failure');
    expect(outcome('isa-ipmi-kcs/9.0.0->9.0.1/pc-q35-8.2')).toBe('unexpected-pass');
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<testsuites name="vmcompat" tests="12" failures="4" /);
  });

  it('rows where everything passes are one count line (listed with --verbose)', async () => {
    const r = await prove('--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--device', 'virtio-gpu', '--device', 'isa-ipmi-kcs', '--machine', 'q35', '--runs', '3', '--seed', '5', '--workers', '2');
    expect(r.out).toMatch(/^unaffected: 6 device × machine type combinations pass with 9\.0\.0, 9\.0\.1 and 9\.0\.0 ↔ 9\.0\.1 \(--verbose lists them\)$/m);
    expect(r.out.split('\n').filter((l) => l.startsWith('isa-ipmi-kcs'))).toEqual([]);
    const v = await prove('--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--device', 'virtio-gpu', '--device', 'isa-ipmi-kcs', '--machine', 'q35', '--runs', '3', '--seed', '5', '--workers', '2', '--verbose');
    expect(v.out.split('\n').filter((l) => l.startsWith('isa-ipmi-kcs'))).toHaveLength(6);
  });

  it('a cell says where a direction failed when it was not on the way out', () => {
    const c = (stage: string | null, status = 'fail') => ({ status, kind: 'value-changed', detail: stage ? { stage } : null }) as unknown as ReportCase;
    expect(proveCell(c('forward'), '→')).toBe('✗ → value-changed');
    expect(proveCell(c('return'), '→')).toBe('✗ → value-changed (on the way back)');
    expect(proveCell(c('compare'), '←')).toBe('✗ ← value-changed (round trip)');
    expect(proveCell(c(null, 'pass'), '→')).toBe('✓ →');
  });
});
