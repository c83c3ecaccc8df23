/**
 * The CLI's conventions (#15 item 8): --version; `help CMD` and `CMD --help`
 * for every command; did-you-mean for commands, devices, releases and
 * machine types; the 8.2 and q35 aliases; brace globs; one JSON envelope for
 * every --json; QTEST_QEMU_BINARY_SRC/DST for qemu and prove; repro --json
 * of a known failure says it is expected.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commands, main } from './cli.js';
import { collectIo } from './io.js';
import { packageRoot } from './paths.js';
import { locateQemu } from '../src/qemu/binaries.js';
import { saveToFile } from '../src/qemu/driver.js';
import { GENERATOR_VERSION } from '../src/check/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-conventions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: Record<string, string> = {}) {
  const io = collectIo();
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const code = await main(argv, io);
    return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The plan check --list --json prints, as case ids. */
async function plan(args: string[]): Promise<string[]> {
  const r = await run(['check', '--list', '--json', ...args]);
  expect(r.code, r.err).toBe(0);
  return (JSON.parse(r.out).result.plan as { id: string }[]).map((c) => c.id);
}

describe('the CLI conventions', () => {
  it('--version prints the package version', async () => {
    const version = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
    for (const flag of ['--version', '-V']) expect(await run([flag])).toMatchObject({ code: 0, out: version });
  });

  it('every command has --help, and `help CMD` prints the same', async () => {
    expect(commands.map((c) => c.name).sort()).toEqual(['check', 'decode', 'diff', 'dump', 'extract', 'extract-machines', 'list', 'merge-reports', 'prove', 'qemu', 'repro', 'static']);
    for (const c of commands) {
      const help = await run([c.name, '--help']);
      expect(help.code, c.name).toBe(0);
      expect(help.out, c.name).toMatch(new RegExp(`^Usage: vmcompat ${c.name} `));
      expect(help.out, c.name).toContain('-h, --help');
      expect(await run(['help', c.name]), c.name).toEqual(help);
    }
    const top = await run(['--help']);
    for (const c of commands) expect(top.out).toContain(c.name);
  });

  it.each([
    [['chek'], /unknown command 'chek'\n\(Did you mean check\?\)/],
    [['check', '--list', '--device', 'virtio-gppu'], /--device 'virtio-gppu' matches no device; did you mean 'virtio-gpu'\?/],
    [['check', '--list', '--pair', '8.2.0:9.1.5'], /unknown release '9\.1\.5'; did you mean '9\.1\.0'\?/],
    [['check', '--list', '--machine', 'pc-q35-8.9'], /--machine 'pc-q35-8\.9' matches no machine type; did you mean 'pc-q35-8\.0' or 'pc-q35-8\.1' or 'pc-q35-8\.2'\?/],
    [['check', '--lsit'], /unknown option '--lsit'\n\(Did you mean --list\?\)/],
  ])('did you mean: %j exits 2 with a suggestion', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('a short version is the newest release of its series (8.2 is 8.2.0, 9.0 is 9.0.1, 7.2 is 7.2.3, 8.0 is 8.0.1), q35 means pc-q35-*, and globs take braces', async () => {
    const long = await plan(['--device', 'virtio-gpu', '--pair', '8.2.0:9.0.1', '--machine', 'pc-q35-*']);
    expect(long.length).toBeGreaterThan(4);
    expect(await plan(['--device', 'virtio-gpu', '--pair', '8.2:9.0', '--machine', 'q35'])).toEqual(long);
    expect(await plan(['--device', 'virtio-gpu', '--pair', '8.2:9.0.0', '--machine', 'pc-q35-{8.1,8.2}'])).toEqual([
      'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2',
      'virtio-gpu/8.2.0->9.0.0/pc-q35-8.1',
      'virtio-gpu/9.0.0->8.2.0/pc-q35-8.2',
      'virtio-gpu/9.0.0->8.2.0/pc-q35-8.1',
    ]);
    expect(await plan(['--device', 'virtio-gpu', '--pair', '7.2:8.0', '--machine', 'pc-q35-7.2'])).toEqual(['virtio-gpu/7.2.3->8.0.1/pc-q35-7.2', 'virtio-gpu/8.0.1->7.2.3/pc-q35-7.2']);
    expect(await plan(['--device', '{virtio-gpu,isa-ipmi-kcs}', '--pair', '8.2:9.0', '--machine', 'pc-q35-8.2'])).toEqual(
      expect.arrayContaining(['virtio-gpu/8.2.0->9.0.1/pc-q35-8.2', 'isa-ipmi-kcs/8.2.0->9.0.1/pc-q35-8.2']),
    );
  });

  it('repro --json of a known failure is expected, not unexpected', async () => {
    const r = await run(['repro', 'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2', '--seed', '1', '--gen', String(GENERATOR_VERSION), '--runs', '5', '--json']);
    expect(r.code).toBe(1); // it failed: the failure reproduced
    const res = JSON.parse(r.out).result;
    expect(res).toMatchObject({ status: 'fail', kind: 'short-read', unexpected: false, scenario: 'virtio-gpu-scanout', expected: { status: 'fail', kind: 'short-read' } });
    // a case no scenario names is expected to pass: its failure is unexpected
    const fresh = await run(['repro', 'virtio-gpu/9.0.0->8.2.0/pc-q35-9.0', '--seed', '1', '--gen', String(GENERATOR_VERSION), '--runs', '5', '--json']);
    expect(JSON.parse(fresh.out).result).toMatchObject({ expected: { status: 'pass' } });
  });
});

describe('one JSON envelope for every --json', () => {
  const envelope = (out: string, command: string) => {
    const doc = JSON.parse(out);
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'tool', 'command', 'result']);
    expect(doc).toMatchObject({ schemaVersion: 1, tool: { name: 'vmcompat', version: expect.any(String) }, command });
    return doc.result;
  };

  it('model commands: check, check --list, list, repro, static, prove, merge-reports', async () => {
    const slice = ['--device', 'virtio-gpu', '--pair', '8.2:9.0.1', '--machine', 'pc-q35-8.2', '--runs', '2', '--workers', '1'];
    const cases: [string, string[]][] = [
      ['check', ['check', ...slice, '--json']],
      ['check', ['check', ...slice, '--list', '--json']],
      ['list', ['list', '--json']],
      ['repro', ['repro', 'virtio-gpu/8.2.0->9.0.1/pc-q35-8.2', '--seed', '3', '--gen', String(GENERATOR_VERSION), '--runs', '2', '--json']],
      ['static', ['static', '--from', '8.2.0', '--to', '9.0.0', '--machine', 'pc-q35-8.2', '--json']],
      ['prove', ['prove', '--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--device', 'virtio-gpu', '--machine', 'pc-q35-8.2', '--runs', '2', '--workers', '1', '--json']],
    ];
    for (const [command, argv] of cases) {
      const r = await run(argv);
      expect(r.err, argv.join(' ')).toBe('');
      expect(r.out.startsWith('{'), argv.join(' ')).toBe(true);
      envelope(r.out, command);
    }
    const shard = join(dir, 'shard');
    expect((await run(['check', ...slice, '--reporter', 'json', '--report-dir', shard])).code).toBe(0);
    const merged = await run(['merge-reports', shard, '--json']);
    expect(envelope(merged.out, 'merge-reports').cases).toHaveLength(2);
  }, 120_000);

  it('real binaries: qemu (picked by QTEST_QEMU_BINARY_SRC/DST), prove with binaries from them, decode', async () => {
    const env = { QTEST_QEMU_BINARY_SRC: '7.2', QTEST_QEMU_BINARY_DST: '10.0' };
    const q = await run(['qemu', '--machine', 'pc-q35-7.2', '--device', 'isa-serial', '--json'], env);
    expect(q.code, q.err).toBe(0);
    const cases = envelope(q.out, 'qemu').cases as { id: string; status: string }[];
    expect(cases.map((c) => [c.id, c.status])).toEqual([
      [expect.stringMatching(/7\.2.*->.*10\.0/), 'pass'],
      [expect.stringMatching(/10\.0.*->.*7\.2/), 'pass'],
    ]);
    // the peer from _SRC (7.2), the fix from _DST (10.0); a path for the base
    const p = await run(['prove', '--base', '/usr/bin/qemu-system-x86_64', '--device', 'isa-serial', '--machine', 'pc-q35-7.2', '--json'], env);
    const proof = envelope(p.out, 'prove');
    expect(JSON.stringify(proof)).toMatch(/10\.0\.2/);
    expect(JSON.stringify(proof)).toMatch(/7\.2\.22/);
    // what the variables name is a build, short names too: --base 7.2 beside them is the 7.2 build (7.2.22), not the model 7.2.0
    const short = await run(['prove', '--base', '7.2', '--device', 'isa-serial', '--machine', 'pc-q35-7.2', '--json'], env);
    const bins = envelope(short.out, 'prove');
    expect(bins.base).toMatchObject({ path: '/usr/bin/qemu-system-x86_64', version: expect.stringMatching(/^7\.2\.\d+$/) });
    expect(bins.fix.version).toMatch(/^10\.0\.\d+$/);
    expect(bins.peer.version).toBe(bins.base.version);
    // as QEMU's qtest runs them through sh -c, a bare command name is found on PATH
    const onPath = await run(['prove', '--base', '7.2', '--device', 'isa-serial', '--machine', 'pc-q35-7.2', '--json'], { QTEST_QEMU_BINARY_SRC: 'qemu-system-x86_64', QTEST_QEMU_BINARY_DST: '10.0' });
    expect(envelope(onPath.out, 'prove').peer).toMatchObject({ path: '/usr/bin/qemu-system-x86_64', version: bins.base.version });
    // the real version alone names the build when no release model has that name
    const full = await run(['prove', '--base', bins.base.version, '--fix', bins.fix.version, '--peer', bins.base.version, '--device', 'isa-serial', '--machine', 'pc-q35-7.2', '--json'], { QTEST_QEMU_BINARY_SRC: '', QTEST_QEMU_BINARY_DST: '' });
    expect(envelope(full.out, 'prove').fix).toMatchObject({ version: bins.fix.version });
    // no --src/--dst and no variables: a usage error naming both ways
    const none = await run(['qemu', '--machine', 'pc-q35-7.2'], { QTEST_QEMU_BINARY_SRC: '', QTEST_QEMU_BINARY_DST: '' });
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--src and --dst are required \(or QTEST_QEMU_BINARY_SRC and QTEST_QEMU_BINARY_DST\)/);

    const file = join(dir, 'stream.bin');
    writeFileSync(file, await saveToFile({ binary: await locateQemu('10.0'), vm: { machine: 'pc-q35-10.0', devices: ['isa-serial'] } }));
    const d = await run(['decode', file, '--json']);
    expect(d.code, d.err).toBe(0);
    expect(JSON.stringify(envelope(d.out, 'decode'))).toContain('serial');
  }, 120_000);
});
