import { describe, expect, test, vi } from 'vitest';
import { extractCacheDir } from '../../harness/commands/extract.js';
import { extractCached } from '../../harness/extract-cache.js';
import { installedModules, once, resolveQemu } from '../../src/qemu/binaries.js';
import { dumpVmstate } from '../../src/qemu/import.js';
import { targetConfig, targetSources } from '../../src/source/config.js';
import { classSetAgainstDump, vmsdClasses } from '../../src/source/validate.js';
import { parseDump } from '../../src/static/dump.js';
import { tree } from './trees.js';

/**
 * The device classes extracted from Debian's 7.2.22 and 10.0.2 trees are
 * the ones the x86_64 binaries built from them register (-dump-vmstate):
 * none missing, and none more except the classes of modules the binary's
 * module folder does not hold (the 10.0 build is unpacked from
 * qemu-system-x86 alone, without qemu-system-modules-spice / -opengl; 7.2's
 * system has no hw-display-virtio-gpu-gl). A missing tree or binary fails
 * with the set-up command; nothing is skipped.
 */
vi.setConfig({ testTimeout: 300_000 });


const cases = [
  { version: '10.0.2', bin: '10.0', root: '.cache/src/qemu-10.0.2', uninstalled: { 'hw-display-qxl': ['pci-qxl', 'qxl', 'qxl-vga'], 'hw-display-virtio-gpu-gl': ['virtio-gpu-gl-device'], 'hw-display-virtio-vga-gl': ['virtio-vga-gl', 'virtio-vga-gl-base-type'] } },
  { version: '7.2.22', bin: '7.2', root: '.cache/src/qemu-7.2.22', uninstalled: { 'hw-display-virtio-gpu-gl': ['virtio-gpu-gl-device'] } },
] as const;

describe.each(cases)('$version: the x86_64 class set', ({ version, bin, root, uninstalled }) => {
  const model = once(async () => (await extractCached(tree(root), { cacheDir: extractCacheDir() })).model);

  test(`equals the ${bin} binary's -dump-vmstate but for the modules it does not have installed`, async () => {
    const m = await model();
    expect(m.version).toBe(version);
    const qemu = await resolveQemu(bin);
    const dump = parseDump(JSON.stringify(await dumpVmstate(qemu, 'pc-q35-7.2')), `${bin} -dump-vmstate`);
    const installed = installedModules(qemu);
    // the binaries register over 200 classes with a VMSD; a short dump would make equality meaningless
    expect(dump.sections.size).toBeGreaterThan(200);
    const s = classSetAgainstDump(m, dump, installed);
    expect(s.missing, 'classes the binary has and the model lacks').toEqual([]);
    expect(s.extra, 'classes the model has and the binary lacks, not explained by a module').toEqual([]);
    const byModule: Record<string, string[]> = {};
    for (const u of s.uninstalled) (byModule[u.module] ??= []).push(u.device);
    expect(byModule).toEqual(uninstalled);
    for (const mod of Object.keys(uninstalled)) expect(installed.has(mod), `${mod} is not in the binary's module folder`).toBe(false);
    expect(s.model).toBe(s.binary + s.uninstalled.length);
  });

  test('is the build of the target: no other arch board, no Xen backend, modules named, every meson.build read', async () => {
    const m = await model();
    const classes = vmsdClasses(m);
    // other targets' devices and Debian's separate Xen build are not in the x86_64 binary
    for (const absent of ['pl011', 'spapr-vlan', 'virtio-gpu-ccw', 'xen-pvdevice', 'xen-pci-passthrough', 'u2f-emulated']) expect(classes.has(absent), absent).toBe(false);
    for (const present of ['e1000', 'ICH9-LPC', 'i440FX', 'virtio-net-device', 'isa-i8259']) expect(classes.has(present), present).toBe(true);
    expect(m.modules?.['hw/display/virtio-gpu.c']).toBe('hw-display-virtio-gpu');
    expect(m.modules?.['hw/usb/host-libusb.c']).toBe('hw-usb-host');
    expect(m.files).toBeLessThan(900);
    const cfg = targetConfig(tree(root));
    const src = targetSources(tree(root), cfg);
    expect(src.files.length).toBe(m.files);
    expect(src.files).toContain('hw/i386/pc_q35.c');
    expect(src.files.some((f) => f.startsWith('hw/arm/'))).toBe(false);
    // what the reader could not read is listed with its place; for these trees it is a handful, none in hw/
    expect(src.unresolved.length).toBeLessThan(5);
    for (const u of src.unresolved) expect(u.at.file).not.toMatch(/^hw\//);
    expect(m.unresolved.filter((u) => u.what.startsWith('meson ')).length).toBe(src.unresolved.length);
  });
});
