import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { VmError } from '../wire/errors.js';
import { mesonSources, parseMeson, type MesonHost } from './meson.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A tree of meson.build files (path → text). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'vmcompat-meson-'));
  roots.push(root);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

const host = (keys: string[], extra: Partial<MesonHost> = {}): MesonHost => ({
  keys: new Set(keys),
  deps: new Set(['pixman']),
  absentDeps: new Set(['rutabaga']),
  vars: { host_os: 'linux', have_vhost_net: true },
  options: { replication: false },
  arch: 'i386',
  target: 'x86_64-softmmu',
  ...extra,
});

describe('mesonSources', () => {
  test("source sets applied to the target's keys: when lists, if_false, nested add_all, strings and files() relative to the folder", () => {
    const root = tree({
      'hw/meson.build': "subdir('net')\nsubdir('pci')\n",
      'hw/net/meson.build': [
        "system_ss.add(when: 'CONFIG_E1000_PCI', if_true: files('e1000.c', 'e1000x_common.c'))",
        "system_ss.add(when: 'CONFIG_ROCKER', if_true: files('rocker.c'), if_false: files('qmp-norocker.c'))",
        "system_ss.add(when: ['CONFIG_VIRTIO_NET', 'CONFIG_VHOST_NET'], if_true: [files('vhost_net.c'), pixman])",
        "specific_ss.add(when: ['CONFIG_TULIP', pixman], if_true: files('tulip.c'))",
        "specific_ss.add(when: ['CONFIG_TULIP', rutabaga], if_true: files('never.c'))",
      ].join('\n'),
      'hw/pci/meson.build': ["pci_ss = ss.source_set()", "pci_ss.add(files('pci.c'))", "pci_ss.add(when: 'CONFIG_PCI_EXPRESS', if_true: 'pcie.c')", "system_ss.add_all(when: 'CONFIG_PCI', if_true: pci_ss)"].join('\n'),
    });
    const on = mesonSources(root, ['hw'], host(['CONFIG_E1000_PCI', 'CONFIG_VIRTIO_NET', 'CONFIG_TULIP', 'CONFIG_PCI']));
    expect(on.files).toEqual(['hw/net/e1000.c', 'hw/net/e1000x_common.c', 'hw/net/qmp-norocker.c', 'hw/net/tulip.c', 'hw/pci/pci.c']);
    expect(on.unresolved).toEqual([]);
    const off = mesonSources(root, ['hw'], host(['CONFIG_ROCKER', 'CONFIG_VHOST_NET', 'CONFIG_VIRTIO_NET', 'CONFIG_PCI_EXPRESS']));
    expect(off.files).toEqual(['hw/net/rocker.c', 'hw/net/vhost_net.c']);
  });

  test("only the target's arch entry of hw_arch is built; modules are read and named", () => {
    const root = tree({
      'hw/meson.build': "subdir('i386')\nsubdir('arm')\nsubdir('display')\n",
      'hw/i386/meson.build': "i386_ss = ss.source_set()\ni386_ss.add(files('x86.c'))\ni386_ss.add(when: 'CONFIG_Q35', if_true: files('pc_q35.c'))\nhw_arch += {'i386': i386_ss}\n",
      'hw/arm/meson.build': "arm_ss = ss.source_set()\narm_ss.add(files('virt.c'))\nhw_arch += {'arm': arm_ss}\n",
      'hw/display/meson.build': [
        'hw_display_modules = {}',
        "if config_all_devices.has_key('CONFIG_QXL')",
        '  qxl_ss = ss.source_set()',
        "  qxl_ss.add(when: 'CONFIG_QXL', if_true: [files('qxl.c'), pixman])",
        "  hw_display_modules += {'qxl': qxl_ss}",
        'endif',
        "modules += { 'hw-display': hw_display_modules }",
      ].join('\n'),
    });
    const s = mesonSources(root, ['hw'], host(['CONFIG_Q35', 'CONFIG_QXL']));
    expect(s.files).toEqual(['hw/display/qxl.c', 'hw/i386/pc_q35.c', 'hw/i386/x86.c']);
    expect(s.modules).toEqual({ 'hw/display/qxl.c': 'hw-display-qxl' });
    expect(mesonSources(root, ['hw'], host([])).files).toEqual(['hw/i386/x86.c']);
  });

  test('if / elif / else over have_* variables, host_os, options, found(), `in`, f-strings and format()', () => {
    const root = tree({
      'net/meson.build': [
        'if have_vhost_net and not (host_os == \'windows\')',
        "  system_ss.add(files('a.c'))",
        "elif host_os in ['freebsd']",
        "  system_ss.add(files('b.c'))",
        'else',
        "  system_ss.add(files('c.c'))",
        'endif',
        "if get_option('replication').allowed() or rutabaga.found()",
        "  system_ss.add(files('d.c'))",
        'endif',
        "name = 'x'",
        "system_ss.add(files(f'e-@name@.c', 'f-@0@.c'.format(3)))",
        "foreach f : ['g', 'h']",
        "  system_ss.add(when: 'CONFIG_' + f.to_upper(), if_true: files(f + '.c'))",
        'endforeach',
      ].join('\n'),
    });
    const s = mesonSources(root, ['net'], host(['CONFIG_H']));
    expect(s.files).toEqual(['net/a.c', 'net/e-x.c', 'net/f-3.c', 'net/h.c']);
    expect(s.unresolved).toEqual([]);
    const other = mesonSources(root, ['net'], host([], { vars: { host_os: 'freebsd', have_vhost_net: false }, options: { replication: true } }));
    expect(other.files).toEqual(['net/b.c', 'net/d.c', 'net/e-x.c', 'net/f-3.c']);
  });

  test('what it cannot read is listed with its place and taken as true, never dropped silently', () => {
    const root = tree({ 'hw/meson.build': "if have_mystery\n  system_ss.add(files('m.c'))\nendif\nsystem_ss.add(when: 'CONFIG_X', if_true: [files('x.c'), gen_src])\n" });
    const s = mesonSources(root, ['hw'], host(['CONFIG_X']));
    expect(s.files).toEqual(['hw/m.c', 'hw/x.c']);
    expect(s.unresolved).toEqual([
      { what: 'if', reason: expect.stringMatching(/variable have_mystery .* not defined.*taken as true/), at: { file: 'hw/meson.build', line: 1 } },
      { what: 'add()', reason: expect.stringMatching(/not a file: variable gen_src/), at: { file: 'hw/meson.build', line: 4 } },
    ]);
    expect(mesonSources(tree({ 'hw/meson.build': "subdir('gone')\n" }), ['hw'], host([])).unresolved[0]).toMatchObject({ what: "subdir('hw/gone')", reason: 'hw/gone/meson.build does not exist' });
  });

  test('a syntax error is a bad-input VmError naming the file and line', () => {
    const root = tree({ 'hw/meson.build': "subdir('a')\n", 'hw/a/meson.build': "system_ss.add(files('a.c')\nx = 1\n" });
    let err: unknown;
    try {
      mesonSources(root, ['hw'], host([]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VmError);
    expect((err as VmError).kind).toBe('bad-input');
    expect((err as VmError).message).toMatch(/^hw\/a\/meson\.build:2: /);
    expect(() => parseMeson("x = 'open\n", 'f/meson.build')).toThrow(/^f\/meson\.build:1: newline in a string$/);
    expect(() => parseMeson('if true\n', 'g/meson.build')).toThrow(/g\/meson\.build:2: expected elif or else or endif/);
  });
});
