import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { main } from './cli.js';
import { collectIo } from './io.js';
import { packageRoot } from './paths.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenarioFile(name: string, body: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
}

describe('vmcompat check', () => {
  it('runs the built-in scenarios and exits 0 when every verdict is as expected', async () => {
    const io = collectIo();
    expect(await main(['check', '--device', 'virtio-gpu', '--device', 'isa-ipmi-kcs', '--machine', 'pc-*-[89].*', '--runs', '10', '--seed', '7', '--reporter', 'none', '--verbose'], io)).toBe(0);
    expect(io.lines[0]).toMatch(/^vmcompat — releases (\S+ )*8\.2\.0 9\.0\.0 9\.0\.1( \S+)* · \d+ devices · \d+ cases · 10 states\/case · seed 7 · \d+ workers?$/);
    expect(io.lines.some((l) => /✗ virtio-gpu\s+8\.2\.0 → 9\.0\.0\s+pc-q35-8\.2\s+expected failure · short-read in virtio-gpu-one-scanout parent_obj\.scanout\[0\]\.fb\.format @0x/.test(l))).toBe(true);
    expect(io.lines.some((l) => /- virtio-gpu\s+8\.2\.0 → 9\.0\.0\s+pc-q35-9\.0\s+skipped: 8\.2\.0 has no machine type pc-q35-9\.0/.test(l))).toBe(true);
    expect(io.lines.at(-1)).toMatch(/^\d+ cases: \d+ passed · \d+ failed as expected · \d+ skipped · 0 unexpected/);
  });

  it('--json keeps the documented names', async () => {
    const io = collectIo();
    const slice = ['--device', 'virtio-gpu', '--pair', '8.2.0:9.0.0', '--pair', '8.2.0:9.0.1', '--machine', 'pc-q35-8.2', '--machine', 'pc-q35-9.0'];
    expect(await main(['check', '--json', '--examples', ...slice], io)).toBe(0);
    const envelope = JSON.parse(io.lines.join('\n'));
    expect(envelope).toMatchObject({ schemaVersion: 1, tool: { name: 'vmcompat' }, command: 'check' });
    const doc = envelope.result;
    const c = doc.cases.find((x: { id: string }) => x.id === 'virtio-gpu/9.0.0->8.2.0/pc-q35-8.2');
    expect(c).toMatchObject({ device: 'virtio-gpu', from: '9.0.0', to: '8.2.0', machine: 'pc-q35-8.2', status: 'fail', expected: 'fail', kind: 'footer-missing', path: 'parent_obj.scanout[0].fb.format' });
    expect(typeof c.offset).toBe('number');
    expect(typeof c.message).toBe('string');
    const pass = doc.cases.find((x: { id: string }) => x.id === 'virtio-gpu/8.2.0->9.0.1/pc-q35-8.2');
    expect(pass).toMatchObject({ status: 'pass', expected: 'pass', kind: null, path: null, offset: null });
    const skip = doc.cases.find((x: { id: string }) => x.id === 'virtio-gpu/8.2.0->9.0.0/pc-q35-9.0');
    expect(skip).toMatchObject({ status: 'skip', message: '8.2.0 has no machine type pc-q35-9.0' });
    expect(Object.keys(doc.summary).sort()).toEqual(expect.arrayContaining(['failed', 'passed', 'skipped', 'total', 'unexpected']));
    expect(doc.summary.total).toBe(doc.cases.length);
  });

  it('an unexpected pass fails the run (strict expected failure)', async () => {
    const f = scenarioFile('xpass.json', {
      name: 'xpass',
      cases: [{ device: 'virtio-gpu', from: '8.2.0', to: '9.0.1', machine: 'pc-q35-8.2', expect: { status: 'fail', kind: 'short-read' } }],
    });
    const io = collectIo();
    expect(await main(['check', '--scenario', f, '--reporter', 'none'], io)).toBe(1);
    expect(io.lines.join('\n')).toContain('UNEXPECTED PASS (expected short-read)');
  });

  it('an unexpected failure is explained with QEMU lines', async () => {
    const f = scenarioFile('fail.json', { name: 'fail', cases: [{ device: 'virtio-gpu', from: '9.0.0', to: '8.2.0', machine: 'pc-q35-8.2', expect: 'pass' }] });
    const io = collectIo();
    expect(await main(['check', '--scenario', f, '--reporter', 'none'], io)).toBe(1);
    const text = io.lines.join('\n');
    expect(text).toContain('UNEXPECTED FAILURE · footer-missing');
    expect(text).toContain('qemu: Missing section footer for 0000:00:02.0/virtio-gpu');
    expect(text).toContain('qemu: load of migration failed: Invalid argument');
  });

  it.each([
    ['not json', '{', /bad\.json: JSON: /],
    ['no cases', { name: 'x', cases: [] }, /cases: missing or empty/],
    ['bad kind', { name: 'x', cases: [{ device: 'virtio-gpu', from: '8.2.0', to: '9.0.0', machine: 'pc-q35-8.2', expect: { status: 'fail', kind: 'oops' } }] }, /cases\[0\]\.expect\.kind: unknown failure kind "oops"/],
    ['unknown key', { name: 'x', cases: [{ device: 'virtio-gpu', from: '8.2.0', to: '9.0.0', machine: 'm', expect: 'pass', extra: 1 }] }, /cases\[0\]: unknown key 'extra'/],
    ['unknown release', { name: 'x', cases: [{ device: 'virtio-gpu', from: '8.2.0', to: '7.9.0', machine: 'pc-q35-8.2', expect: 'pass' }] }, /unknown release '7\.9\.0'/],
  ])('a malformed scenario (%s) exits 2 naming what and where', async (_label, body, message) => {
    const f = scenarioFile('bad.json', body);
    const io = collectIo();
    expect(await main(['check', '--scenario', f], io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(message);
  });

  it('a missing scenario path and an unknown option exit 2', async () => {
    const io = collectIo();
    expect(await main(['check', '--scenario', join(dir, 'nope.json')], io)).toBe(2);
    expect(await main(['check', '--bogus'], io)).toBe(2);
    expect(await main(['check', '--runs', '0'], io)).toBe(2);
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/does not exist[\s\S]*unknown option '--bogus'[\s\S]*--runs expects a positive integer, got '0'[\s\S]*unknown command 'frobnicate'/);
  });
});

describe('vmcompat list', () => {
  it('--json lists releases with machines and devices, and scenarios', async () => {
    const io = collectIo();
    expect(await main(['list', '--json'], io)).toBe(0);
    const doc = JSON.parse(io.lines.join('\n')).result;
    const r900 = doc.releases.find((r: { name: string }) => r.name === '9.0.0');
    expect(r900.machines).toEqual(expect.arrayContaining(['pc-q35-9.0', 'pc-q35-8.2', 'pc-i440fx-8.2']));
    expect(r900.devices).toEqual(expect.arrayContaining(['virtio-gpu', 'isa-ipmi-kcs']));
    expect(doc.releases.find((r: { name: string }) => r.name === '8.2.0').machines).not.toContain('pc-q35-9.0');
    expect(doc.scenarios.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['isa-ipmi-kcs', 'virtio-gpu-scanout']));
  });
});

describe('the installed command', () => {
  it('npx vmcompat check runs from the build and exits 0', async () => {
    // every reporter into reports/<timestamp>/ under the working directory (a slice of the matrix: the whole one is the bench's)
    const r = await execa('node', [join(packageRoot(), 'bin', 'vmcompat.js'), 'check', '--runs', '5', '--device', 'isa-ipmi-kcs', '--pair', '8.2.0:9.0.0'], { reject: false, timeout: 120_000, cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/0 unexpected/);
    expect(r.stdout.split('\n').at(-1)).toMatch(/^reports\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\/ junit\.xml report\.json summary\.md report\.html$/);
  });
});
