import { describe, expect, it } from 'vitest';
import { VmError } from '../wire/errors.js';
import { QEMU_10_ROOT, SHARED_FIRMWARE_DIRS, locateQemu, locateRole, qemuAt } from './binaries.js';

// These tests need the binaries: a missing one fails with the setup hint, never skips.
describe('locating QEMU binaries', () => {
  it('finds Debian 7.2 with the shared firmware folders', async () => {
    const b = await locateQemu('7.2', {});
    expect(b.path).toBe('/usr/bin/qemu-system-x86_64');
    expect(b.version).toMatch(/^7\.2\.\d+$/);
    expect(b.env).toEqual({});
    expect(b.extraArgs).toEqual(SHARED_FIRMWARE_DIRS.flatMap((d) => ['-L', d]));
  });

  it('finds the unpacked 10.0 with its module dir and its own data folder last', async () => {
    const b = await locateQemu('10.0', {});
    expect(b.path).toBe(`${QEMU_10_ROOT}/usr/bin/qemu-system-x86_64`);
    expect(b.version).toMatch(/^10\.0\.\d+$/);
    expect(b.env.QEMU_MODULE_DIR).toBe(`${QEMU_10_ROOT}/usr/lib/x86_64-linux-gnu/qemu`);
    expect(b.extraArgs.slice(-2)).toEqual(['-L', `${QEMU_10_ROOT}/usr/share/qemu`]);
  });

  it('names the missing path and the setup command', async () => {
    const err = await locateQemu('10.0', { VMCOMPAT_QEMU_10_0: '/nonexistent/qemu-system-x86_64' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmError);
    expect(err).toMatchObject({ kind: 'bad-input' });
    expect((err as Error).message).toContain('/nonexistent/qemu-system-x86_64');
    expect((err as Error).message).toContain('npm run qemu:setup');
  });

  it('rejects an override whose version is not the requested release', async () => {
    await expect(locateQemu('10.0', { VMCOMPAT_QEMU_10_0: '/usr/bin/qemu-system-x86_64' })).rejects.toThrow(
      /reports version 7\.2\.\d+, expected 10\.0\.x/,
    );
  });

  it('lets QTEST_QEMU_BINARY_SRC/_DST override the release fallback', async () => {
    const src = await locateRole('src', '10.0', { QTEST_QEMU_BINARY_SRC: '/usr/bin/qemu-system-x86_64' });
    expect(src).toMatchObject({ name: 'QTEST_QEMU_BINARY_SRC', path: '/usr/bin/qemu-system-x86_64' });
    expect(src.version).toMatch(/^7\.2\./);
    const dst = await locateRole('dst', '7.2', {});
    expect(dst.name).toBe('7.2');
    await expect(locateRole('dst', '7.2', { QTEST_QEMU_BINARY_DST: '/nope' })).rejects.toThrow(/\/nope.*npm run qemu:setup/);
  });

  it('reports a file that is not QEMU', async () => {
    await expect(qemuAt('/bin/true', 'true')).rejects.toThrow(/-version failed|npm run qemu:setup/);
  });
});
