import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { packageRoot } from './paths.js';
import { main } from './cli.js';
import { collectIo } from './io.js';
import { GENERATOR_VERSION, replayLine } from '../src/check/seed.js';
const GEN = String(GENERATOR_VERSION);

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-repro-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(packageRoot(), 'bin', 'vmcompat.js');

describe('repro', () => {
  it('replays a failure printed by check, byte for byte, in a fresh process', async () => {
    const scenario = join(dir, 'gpu.json');
    writeFileSync(
      scenario,
      JSON.stringify({ name: 'gpu', cases: [{ device: 'virtio-gpu', from: ['8.2.0', '9.0.0'], to: ['8.2.0', '9.0.0'], machine: 'pc-q35-8.2', expect: 'pass' }] }),
    );
    const check = await execa('node', [bin, 'check', '--scenario', scenario, '--runs', '50', '--seed', '424242', '--json'], { reject: false });
    expect(check.exitCode).toBe(1); // the cases fail, against an expectation of pass
    const cases = JSON.parse(check.stdout).result.cases;
    expect(cases).toHaveLength(2);
    for (const c of cases) {
      expect(c.status).toBe('fail');
      expect(c.repro).toMatch(/^npx vmcompat repro '.+' --seed -?\d+ --path [\d:]+ --gen \d+$/);
      const args = c.repro.replace(/^npx vmcompat /, '').split(' ').map((a: string) => a.replace(/^'|'$/g, ''));
      const again = await execa('node', [bin, ...args, '--json'], { reject: false });
      expect(again.exitCode).toBe(1);
      const r = JSON.parse(again.stdout).result;
      for (const k of ['id', 'kind', 'path', 'vmsd', 'offset', 'stage', 'message', 'seed', 'streamDigest', 'counterexample']) expect(r[k]).toEqual(c[k]);
    }
    // the shrunk counterexample of the seed bug is a reset device: one scanout, no resources
    const gpu = cases[0].counterexample;
    expect(gpu['parent_obj.scanout']).toHaveLength(1);
    expect(gpu.resources).toEqual([]);
    expect(cases[0].counterexampleDiff).toEqual({});
  });

  it('replays the replay line check printed on the terminal (a matrix run on two workers), in a fresh process', async () => {
    const scenario = join(dir, 'gpu-terminal.json');
    writeFileSync(scenario, JSON.stringify({ name: 'gpu', cases: [{ device: 'virtio-gpu', from: '9.0.0', to: '8.2.0', machine: ['pc-q35-8.2', 'pc-i440fx-8.1'], expect: 'pass' }] }));
    const check = await execa('node', [bin, 'check', '--scenario', scenario, '--runs', '30', '--seed', '77', '--workers', '2', '--reporter', 'json', '--report-dir', join(dir, 'terminal')], { reject: false });
    expect(check.exitCode).toBe(1);
    // each unexpected failure's own line, and its group's (the first case's) again
    const replays = [...new Set(check.stdout.split('\n').filter((l) => l.trim().startsWith('replay:')).map((l) => l.trim().replace(/^replay:\s+npx vmcompat /, '')))];
    expect(replays).toHaveLength(2);
    const report = JSON.parse(readFileSync(join(dir, 'terminal', 'report.json'), 'utf8'));
    for (const line of replays) {
      const args = line.split(' ').map((a) => a.replace(/^'|'$/g, ''));
      const again = await execa('node', [bin, ...args, '--json'], { reject: false });
      expect(again.exitCode).toBe(1);
      const r = JSON.parse(again.stdout).result;
      const c = report.cases.find((x: { id: string }) => x.id === r.id);
      for (const k of ['kind', 'path', 'vmsd', 'offset', 'stage', 'seed', 'streamDigest', 'counterexample']) expect(r[k]).toEqual(c[k]);
    }
  });

  it('prints the failure with an annotated hex dump', async () => {
    const io = collectIo();
    expect(await main(['repro', 'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2', '--seed', '1', '--gen', GEN, '--runs', '20'], io)).toBe(1);
    const text = io.lines.join('\n');
    expect(text).toMatch(/^✗ virtio-gpu 8\.2\.0 → 9\.0\.0 @ pc-q35-8\.2 · short-read \(QEMU: footer-missing\)/);
    // the cause first, then the fix, then the details
    expect(io.lines[1]).toMatch(/^ {2}why: nested-version: virtio-gpu-one-scanout is version 1 in 8\.2\.0 and 2 in 9\.0\.0; fb\.format … fb\.offset \(6 fields\) are gated on it/);
    expect(io.lines[2]).toMatch(/^ {2}fix: gate the new fields with a field_exists test on a compat property/);
    expect(text).toMatch(/reading it: "the layouts part at V:P \(@X\)" names the first field where 8\.2\.0's bytes and 9\.0\.0's reading/);
    expect(text).toContain('at virtio-gpu-one-scanout parent_obj.scanout[0].fb.format @0x');
    // framing on a row of its own, bracketed whole, with what the receiver read there; an ASCII column
    expect(text).toMatch(/^ {2}[0-9a-f]{6} \[7e 00 00 00 00\] +\|~\.\.\.\. +\| {2}section footer \(7e, id \d+\) · 9\.0\.0 read parent_obj\.scanout\[0\]\.fb\.format/m);
    expect(text).toMatch(/8\.2\.0: parent_obj\.scanout\[0\]\.cursor\.pos\.y\n.*section footer/);
    expect(text).toContain('qemu: Missing section footer for 0000:00:02.0/virtio-gpu');
    expect(text).toMatch(/replay: {2}npx vmcompat repro 'virtio-gpu\/8\.2\.0->9\.0\.0\/pc-q35-8\.2' --seed 1 --path/);
  });

  it('bad input exits 2', async () => {
    const io = collectIo();
    expect(await main(['repro', 'not-a-case', '--seed', '1', '--gen', GEN], io)).toBe(2);
    expect(await main(['repro', 'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2'], io)).toBe(2);
    expect(await main(['repro', 'virtio-gpu/8.2.0->7.0.0/pc-q35-8.2', '--seed', '1', '--gen', GEN], io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/not of the form[\s\S]*--seed is required[\s\S]*unknown release '7\.0\.0'/);
  });

  it("refuses another generation's replay line instead of replaying another state", async () => {
    const id = 'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2';
    // a vmcompat 0.1 replay line: no --gen
    const old = collectIo();
    expect(await main(['repro', id, '--seed', '1', '--path', '0:1'], old)).toBe(2);
    expect(old.errors.join('\n')).toMatch(/--gen is required: a replay line without it comes from vmcompat 0\.1, whose generators make other states from the same seed and path; this vmcompat \(\d+\.\d+\.\d+\) generates states with generation \d+/);
    expect(old.lines).toEqual([]);
    const other = collectIo();
    expect(await main(['repro', id, '--seed', '1', '--gen', String(GENERATOR_VERSION - 1)], other)).toBe(2);
    expect(other.errors.join('\n')).toMatch(new RegExp(`--gen ${GENERATOR_VERSION - 1}: this replay line comes from a vmcompat with generation ${GENERATOR_VERSION - 1} of the state generators`));
    const junk = collectIo();
    expect(await main(['repro', id, '--seed', '1', '--gen', 'two'], junk)).toBe(2);
    expect(junk.errors.join('\n')).toMatch(/--gen 'two': a generation is a whole number/);
    // the replay line a run prints carries this vmcompat's generation
    expect(replayLine(id, 7, '0:1')).toBe(`npx vmcompat repro '${id}' --seed 7 --path 0:1 --gen ${GENERATOR_VERSION}`);
  });
});
