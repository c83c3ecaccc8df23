/**
 * What check prints in CI and on a terminal: --quiet / --verbose and the
 * off-terminal default, failures grouped per VMSD and cause (terminal and
 * summary.md) with replay lines for expected failures too, JUnit without the
 * cases that cannot apply (--junit-skips keeps them), --releases replay
 * paths relative to the working directory.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { collectIo } from './io.js';
import { replayPaths } from './commands/check.js';
import { failureGroups, foldMachines } from './reporters/groups.js';
import type { Report, ReportCase } from '../src/check/report-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// virtio-gpu 8.2.0 ↔ 9.0.0 fails as expected at 8.2 and 8.1, ↔ 9.0.1 passes; at pc-q35-9.0, 8.2.0 cannot apply
const SLICE = ['--device', 'virtio-gpu', '--pair', '8.2.0:9.0.0', '--pair', '8.2.0:9.0.1', '--machine', 'pc-q35-{8.1,8.2,9.0}', '--runs', '3', '--seed', '11', '--workers', '1'];
const tty = () => ({ ...collectIo(), status: () => {} });

describe('check output', () => {
  const runs: Record<string, { io: ReturnType<typeof collectIo>; code: number }> = {};
  let report: Report;
  beforeAll(async () => {
    for (const [name, io, extra] of [
      ['log', collectIo(), ['--report-dir', join(dir, 'log')]],
      ['skips', collectIo(), ['--junit-skips', '--reporter', 'junit', '--report-dir', join(dir, 'skips')]],
      ['verbose', collectIo(), ['--verbose', '--reporter', 'none']],
      ['tty', tty(), ['--reporter', 'none']],
      ['quiet-tty', tty(), ['--quiet', '--reporter', 'none']],
    ] as const) {
      const code = await main(['check', ...SLICE, ...extra], io);
      runs[name] = { io, code };
      expect(code, io.errors.join('\n')).toBe(0);
    }
    report = JSON.parse(readFileSync(join(dir, 'log', 'report.json'), 'utf8'));
  }, 240_000);

  it('off a terminal, and with --quiet on one, no passing or inapplicable case line; the failures in their group; the summary', () => {
    for (const name of ['log', 'quiet-tty']) {
      const lines = runs[name]!.io.lines;
      expect(lines.filter((l) => /^ [✓-] /.test(l)), name).toEqual([]);
      expect(lines.filter((l) => /expected failure ·/.test(l)), name).toEqual([]);
      expect(lines).toContain('(12 case lines not shown: passes, cases that cannot apply and expected failures, which are grouped below; --verbose prints them)');
      expect(lines.some((l) => /^12 cases: 4 passed · 4 failed as expected · 4 skipped · 0 unexpected/.test(l)), name).toBe(true);
    }
  });

  it('a terminal and --verbose print every case', () => {
    for (const name of ['tty', 'verbose']) {
      const lines = runs[name]!.io.lines;
      expect(lines.filter((l) => /^ [✓✗-] virtio-gpu\s/.test(l)), name).toHaveLength(12);
      expect(lines.some((l) => l.includes('not shown')), name).toBe(false);
    }
  });

  it('groups the failures by VMSD and cause, with the cases per direction and a replay line for each (expected failures too)', () => {
    const text = runs.log!.io.lines.join('\n');
    expect(text).toMatch(
      /failures by VMSD and cause: 1 group, 4 cases\n ✗ virtio-gpu-one-scanout · nested-version · 4 cases, as expected \(short-read, footer-missing\)\n {5}why: virtio-gpu-one-scanout is version 1 in 8\.2\.0 and 2 in 9\.0\.0.*\n {5}fix: gate the new fields.*\n {5}virtio-gpu {2}8\.2\.0 → 9\.0\.0 {2}pc-q35-\{8\.1,8\.2\}\n {7}replay: {2}npx vmcompat repro 'virtio-gpu\/8\.2\.0->9\.0\.0\/pc-q35-8\.2' --seed -?\d+ --path [\d:]+ --gen \d+\n {5}virtio-gpu {2}9\.0\.0 → 8\.2\.0 {2}pc-q35-\{8\.1,8\.2\}\n {7}replay: {2}npx vmcompat repro 'virtio-gpu\/9\.0\.0->8\.2\.0\/pc-q35-8\.2'/,
    );
    // the replay line is the case's own
    const c = report.cases.find((x) => x.id === 'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2')!;
    expect(text).toContain(`replay:  ${c.repro}`);
  });

  it('summary.md: the groups with their replay lines, and each expected failure with its own', () => {
    const md = readFileSync(join(dir, 'log', 'summary.md'), 'utf8');
    expect(md).toContain('#### Failures by VMSD and cause');
    expect(md).toMatch(/- 🟧 \*\*virtio-gpu-one-scanout\*\* · `nested-version` · 4 cases, as expected \(short-read, footer-missing\)\n {2}virtio-gpu-one-scanout is version 1 .* — fix: gate the new fields/);
    expect(md).toMatch(/ {2}- `virtio-gpu 8\.2\.0 → 9\.0\.0` at `pc-q35-\{8\.1,8\.2\}` — replay: `npx vmcompat repro 'virtio-gpu\/8\.2\.0->9\.0\.0\/pc-q35-8\.2' --seed/);
    for (const c of report.cases.filter((x) => x.outcome === 'expected-failure')) {
      expect(md).toMatch(new RegExp(`\\| \`${c.id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\` \\| 🟧 failed as expected \\|.*\\| \`${c.repro!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\` \\|`));
    }
  });

  it('JUnit leaves out the cases that cannot apply and counts them; --junit-skips keeps them as <skipped>', () => {
    const plain = readFileSync(join(dir, 'log', 'junit.xml'), 'utf8');
    expect(plain.match(/<testcase /g)).toHaveLength(8);
    expect(plain).not.toContain('<skipped');
    expect(plain).toContain('<property name="vmcompat.not-applicable" value="4"/>');
    const kept = readFileSync(join(dir, 'skips', 'junit.xml'), 'utf8');
    expect(kept.match(/<testcase /g)).toHaveLength(12);
    expect(kept.match(/<skipped message="8\.2\.0 has no machine type pc-q35-9\.0"\/>/g)).toHaveLength(4);
    expect(kept).toMatch(/<testsuites name="vmcompat" tests="12" failures="0" errors="0" skipped="4"/);
  });

  it('--quiet and --verbose together are a usage error', async () => {
    const io = collectIo();
    expect(await main(['check', '--quiet', '--verbose', '--list'], io)).toBe(2);
    expect(io.errors[0]).toMatch(/--quiet and --verbose contradict each other/);
  });
});

describe('failure groups', () => {
  const c = (over: Partial<ReportCase>): ReportCase =>
    ({ device: 'd', from: '1.0', to: '2.0', machine: 'pc-q35-1.0', status: 'fail', unexpected: false, vmsd: 'v', cause: 'ungated-field', kind: 'short-read', why: 'w', hint: 'h', repro: 'r', ...over }) as ReportCase;

  it('one group per VMSD and cause, unexpected apart and first, then the biggest; passes and skips are no failures', () => {
    const groups = failureGroups([
      c({ machine: 'pc-q35-1.0' }),
      c({ machine: 'pc-q35-1.1', kind: 'footer-missing', from: '2.0', to: '1.0', repro: 'r2' }),
      c({ vmsd: 'other' }),
      c({ cause: 'nested-version' }),
      c({ unexpected: true }),
      c({ status: 'pass' }),
      c({ status: 'skip' }),
    ]);
    expect(groups.map((g) => [g.vmsd, g.cause, g.unexpected, g.cases.length])).toEqual([
      ['v', 'ungated-field', true, 1],
      ['v', 'ungated-field', false, 2],
      ['other', 'ungated-field', false, 1],
      ['v', 'nested-version', false, 1],
    ]);
    expect(groups[1]!.kinds).toEqual(['short-read', 'footer-missing']);
    expect(groups[1]!.rows.map((r) => [r.from, r.to, r.machines, r.repro])).toEqual([
      ['1.0', '2.0', ['pc-q35-1.0'], 'r'],
      ['2.0', '1.0', ['pc-q35-1.1'], 'r2'],
    ]);
  });

  it('folds machine types into brace globs per family, versions in order', () => {
    expect(foldMachines(['pc-q35-8.2', 'pc-q35-10.0', 'pc-q35-8.1', 'pc-i440fx-8.2', 'isapc'])).toBe('pc-q35-{8.1,8.2,10.0} pc-i440fx-8.2 isapc');
    expect(foldMachines(['pc-q35-7.2'])).toBe('pc-q35-7.2');
  });
});

describe('replay lines', () => {
  it('spell a --releases path under the working directory relative to it, and keep others as given', () => {
    expect(replayPaths(['/work/x/mods/r.mjs', 'mods/r.mjs', '/elsewhere/r.mjs'], '/work/x')).toEqual(['mods/r.mjs', 'mods/r.mjs', '/elsewhere/r.mjs']);
  });
});
