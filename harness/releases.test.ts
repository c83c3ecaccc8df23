/**
 * --releases modules: a release has exactly the devices it declares, and one
 * that `extends` a known release keeps that release's other devices; a run in
 * which a thin release makes every case skipped is a usage error (exit 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadReleases } from './releases.js';
import { main } from './cli.js';
import { collectIo } from './io.js';
import { packageRoot } from './paths.js';
import { findRelease, releases as builtinReleases } from '../scenarios/releases/index.js';
import { vmsdProblems } from '../src/vmstate/check.js';
import { GENERATOR_VERSION } from '../src/check/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-releases-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const builtin = pathToFileURL(join(packageRoot(), 'dist', 'scenarios', 'releases', 'index.js')).href;
const module = (name: string, body: string) => {
  const file = join(dir, name);
  writeFileSync(file, `import { releases as builtin } from '${builtin}';\nconst base = builtin.find((r) => r.name === '10.0.0');\nconst gpu0 = base.devices.find((d) => d.name === 'virtio-gpu');\nconst gpu = { ...gpu0, props: { ...gpu0.props, 'x-marker': { type: 'bool', default: false } } };\nconst bare = { ...gpu0, props: {} };\n${body}\n`);
  return file;
};

describe('--releases merge', () => {
  it("'extends' keeps the base release's devices, replacing the redeclared one in place", async () => {
    const file = module('extends.mjs', "export const releases = [{ extends: '10.0.0', name: '10.1.0', devices: [gpu] }];");
    const all = await loadReleases([file]);
    const r = all.at(-1)!;
    const base = findRelease('10.0.0')!;
    expect(r.name).toBe('10.1.0');
    expect(r.devices.map((d) => d.name)).toEqual(base.devices.map((d) => d.name));
    expect(r.devices.find((d) => d.name === 'virtio-gpu')!.props['x-marker']).toBeDefined();
    expect(r.machines).toHaveLength(base.machines.length);
  });

  it('a compat entry naming a property no model it reaches declares is an error of the release model (#13 item 7)', async () => {
    // hw_compat_8_2 sets virtio-gpu-device.x-scanout-vmstate-version, which this virtio-gpu does not declare
    const file = module('bare.mjs', "export const releases = [{ extends: '10.0.0', name: '10.1.0', devices: [bare] }];");
    await expect(loadReleases([file])).rejects.toThrow(/--releases .*bare\.mjs: release 10\.1\.0: hw_compat_8_2\[\d+\] virtio-gpu-device\.x-scanout-vmstate-version=1: no model virtio-gpu-device reaches \(virtio-gpu\) declares 'x-scanout-vmstate-version'.*QEMU refuses to start/);
  });

  it("'extends' naming no known release is a usage error", async () => {
    const file = module('bad-extends.mjs', "export const releases = [{ extends: '10.9.9', name: '10.1.0', devices: [gpu] }];");
    await expect(loadReleases([file])).rejects.toThrow(/extends "10\.9\.9", which is no known release/);
  });

  it('a new release that drops devices, when every case is skipped: exit 2 naming the missing device', async () => {
    const file = module('thin.mjs', "export const releases = [{ ...base, name: '10.1.0', devices: [gpu] }];");
    const io = collectIo();
    expect(await main(['check', '--releases', file, '--pair', '10.0.0:10.1.0', '--device', 'hpet', '--runs', '1', '--reporter', 'none'], io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/every one of the \d+ planned cases would be skipped.*10\.1\.0 has no device hpet.*extends/);
  });
});

describe('--releases modules are checked when loaded', () => {
  const dsl = pathToFileURL(join(packageRoot(), 'dist', 'src', 'vmstate', 'dsl.js')).href;
  /** 10.1.0 = 10.0.0 with isa-serial's VMSD replaced by `vmsd` (JS source using the DSL). */
  const broken = (name: string, vmsd: string) =>
    module(
      name,
      `import * as D from '${dsl}';\nconst serial = base.devices.find((d) => d.name === 'isa-serial');\n` +
        `export const releases = [{ extends: '10.0.0', name: '10.1.0', devices: [{ ...serial, vmsd: ${vmsd} }] }];`,
    );
  const cases: [string, string, RegExp][] = [
    ['unknown-codec.mjs', "{ name: 'serial', version_id: 3, fields: [D.VMSTATE_UINT16('divider'), { ...D.VMSTATE_UINT8('rbr'), info: 'uint33' }] }", /field 'rbr': has an unknown codec: info is the string 'uint33'/],
    ['duplicate.mjs', "{ name: 'serial', version_id: 3, fields: [D.VMSTATE_UINT16('divider'), D.VMSTATE_UINT16('divider')] }", /field 'divider': is declared twice \(fields\[0\] and fields\[1\]\)/],
    ['missing-nested.mjs', "{ name: 'serial', version_id: 3, fields: [D.VMSTATE_STRUCT('fifo', 1, undefined)] }", /field 'fifo': is a struct field but its nested VMSD is missing/],
    ['missing-subsection.mjs', "{ name: 'serial', version_id: 3, fields: [D.VMSTATE_UINT16('divider')], subsections: [undefined] }", /VMSD 'serial subsections\[0\]': serial subsections\[0\] refers to a VMSD that is missing/],
  ];
  it.each(cases)('%s: an error naming the module, the release, the device, the VMSD and the field', async (name, vmsd, re) => {
    const file = broken(name, vmsd);
    const err = await loadReleases([file]).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(new RegExp(`^--releases ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: release '10\\.1\\.0': device 'isa-serial', VMSD '`));
    expect(err?.message).toMatch(re);
  });

  it('check and repro with a broken module: exit 2, one line, no stack, no case run', async () => {
    const file = broken('codec-cli.mjs', "{ name: 'serial', version_id: 3, fields: [{ ...D.VMSTATE_UINT8('rbr'), info: 'uint33' }] }");
    for (const argv of [
      ['check', '--releases', file, '--pair', '10.0.0:10.1.0', '--device', 'isa-serial', '--runs', '1', '--reporter', 'none'],
      ['repro', 'isa-serial/10.0.0->10.1.0/pc-q35-10.0', '--seed', '1', '--gen', String(GENERATOR_VERSION), '--releases', file],
    ]) {
      const io = collectIo();
      expect(await main(argv, io), argv[0]).toBe(2);
      expect(io.errors).toHaveLength(1);
      expect(io.errors[0]).toMatch(/unknown codec/);
      expect(io.errors[0]).not.toMatch(/\n\s+at /);
    }
  });

  it("every built-in release's VMSD tables pass the same check", () => {
    for (const r of builtinReleases) for (const d of r.devices) expect(vmsdProblems(d.vmsd), `${r.name} ${d.name}`).toEqual([]);
  });
});
