/**
 * The package as a user gets it: `npm pack`, installed into a fresh folder,
 * and a release module there that models a PCI virtio device importing
 * only `vmcompat` (and its `vmcompat/devices` building blocks) — it must
 * type-check under strict TypeScript and find a real break when run.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir as tmpDir } from 'tmp-promise';
import { expect, test } from 'vitest';
import { packageRoot } from '../harness/paths.js';

const root = packageRoot();

const model = `
import { buildMachines, migrates, MigrationPropertyError, VMSTATE_SINGLE, VMSTATE_UINT32_TEST, type DeviceClass, type Release, type VMStateDescription } from 'vmcompat';
import { pciIdstr, virtioArbitrary, virtioCommonProps, virtioInfo, virtioReset, virtioSpec } from 'vmcompat/devices';

// a virtio device whose 2.0 adds a register, gated by a compat property in 2.0 only when 'gated'
const spec = virtioSpec({
  device: { virtioId: 4, legacyDeviceId: 0x1005, classId: 0x00ff, configLen: () => 0 },
  deviceFeatures: () => 0n,
});

function device(withShadow: boolean): DeviceClass {
  const vmsd: VMStateDescription = {
    name: 'my-virtio', version_id: 1, minimum_version_id: 1,
    fields: [
      VMSTATE_SINGLE('virtio', virtioInfo(spec)),
      ...(withShadow ? [VMSTATE_UINT32_TEST('shadow', (_s, _v, ctx) => ctx.props['x-shadow'] === true)] : []),
    ],
  };
  return {
    name: 'my-virtio', type: 'my-virtio-device',
    parents: ['virtio-device', 'device', 'my-virtio-pci', 'virtio-pci', 'pci-device'],
    props: { ...virtioCommonProps(2), ...(withShadow ? { 'x-shadow': { type: 'bool' as const, default: true } } : {}) },
    vmsd, idstr: pciIdstr(6, 'my-virtio'), instanceId: 0,
    reset: (p) => ({ virtio: virtioReset(spec, p, new Uint8Array(0), [8]), shadow: 0 }),
  };
}

function release(name: string, withShadow: boolean, compat: Release['compatArrays']): Release {
  return {
    name, compatArrays: compat,
    machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['1.0', '2.0'] }], compat),
    devices: [device(withShadow)],
  };
}

const v1 = release('1.0', false, {});
const gated = release('2.0', true, { hw_compat_1_0: [{ driver: 'my-virtio-device', property: 'x-shadow', value: 'off' }] });
const ungated = release('2.0', true, {});
const gen = { custom: { virtio: virtioArbitrary } };

migrates({ device: 'my-virtio', from: v1, to: gated, machine: 'pc-q35-1.0', runs: 30, gen })();
let kind = 'none';
try {
  migrates({ device: 'my-virtio', from: v1, to: ungated, machine: 'pc-q35-1.0', runs: 30, gen })();
} catch (e) {
  if (!(e instanceof MigrationPropertyError)) throw e;
  kind = e.result.kind ?? 'none';
}
console.log(JSON.stringify({ gated: 'pass', ungated: kind }));
`;

test('the packed tarball installs in a fresh folder, type-checks and runs a release module that models a PCI virtio device', async () => {
  const dist = join(root, 'dist', 'src', 'index.d.ts');
  expect(existsSync(dist), 'dist/ carries declarations (npm run build)').toBe(true);
  const work = await tmpDir({ unsafeCleanup: true, prefix: 'vmcompat-pack-' });
  try {
    await execa('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work.path], { cwd: root });
    const tarball = readdirSync(work.path).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const app = join(work.path, 'app');
    await execa('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-models', private: true, type: 'module' }));
    await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--silent', join(work.path, tarball!)], { cwd: app });
    writeFileSync(join(app, 'model.ts'), model);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const compiled = await execa(
      'node',
      [tsc, '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--typeRoots', join(root, 'node_modules', '@types'), '--types', 'node', 'model.ts'],
      { cwd: app, reject: false },
    );
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.exitCode).toBe(0);
    const run = await execa('node', ['model.js'], { cwd: app });
    // the gated release passes; the ungated one is caught as the desync it is
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ gated: 'pass', ungated: 'short-read' });
  } finally {
    await work.cleanup();
  }
}, 180_000);
