import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateQemu } from '../src/qemu/binaries.js';
import { DETERMINISTIC_RTC } from '../src/qemu/case.js';
import { saveToFile } from '../src/qemu/driver.js';
import { findVmdesc } from '../src/wire/vmdesc.js';
import { diffCommand } from './commands/diff.js';
import { collectIo } from './io.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCase, type StateMode } from '../src/check/run.js';
import type { Release } from '../src/machine/types.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';
import { DEBIAN_TREES, debianTreeReleases } from '../test/source/debian-trees.js';

/**
 * The two Debian trees as releases (`--releases DIR`), checked against each
 * other on a handful of device classes. The first run extracts each tree
 * (minutes on a loaded machine) and caches it under .cache/extract; later
 * runs read the cache. Nothing is skipped: a missing tree is a failure.
 */
let r72: Release;
let r100: Release;

beforeAll(async () => {
  ({ r72, r100 } = await debianTreeReleases());
}, 900_000);

const mode: StateMode = { kind: 'property', runs: 25, seed: 7, arbitrary: deviceStateArbitrary };
const both = (device: string, machine: string) => [runCase({ device, from: r72, to: r100, machine }, null, mode), runCase({ device, from: r100, to: r72, machine }, null, mode)];

describe('a QEMU source tree is a release', () => {
  test('named from VERSION, with the trees’ own machine types and property drift (e1000 10.0.2 lost `mitigation`)', () => {
    expect([r72.name, r100.name]).toEqual(['7.2.22', '10.0.2']);
    expect(r100.machines.some((m) => m.name === 'pc-q35-10.0')).toBe(true);
    expect(r72.machines.some((m) => m.name === 'pc-q35-10.0')).toBe(false);
    const e72 = r72.devices.find((d) => d.name === 'e1000')!;
    const e100 = r100.devices.find((d) => d.name === 'e1000')!;
    expect(e72.props.mitigation?.type).toBe('bool');
    expect(e100.props.mitigation).toBeUndefined();
    expect(e100.parents).toContain('pci-device');
  });

  test.each(['e1000', 'ich9-ahci', 'isa-pcspk', 'port92'])('%s passes both ways at pc-q35-7.2, on generated states', (device) => {
    for (const r of both(device, 'pc-q35-7.2')) {
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.states).toBeGreaterThanOrEqual(25);
    }
  });

  test('sysbus-xhci (16 interrupters of 5,632 event slots each, equal blank structs) generates and passes both ways at pc-q35-7.2 within the heap', () => {
    // one arbitrary per element made 10.0.2 -> 7.2.22 exhaust a 4 GB heap on its first state
    const few: StateMode = { ...mode, runs: 3 };
    for (const [from, to] of [[r72, r100], [r100, r72]] as const) {
      const r = runCase({ device: 'sysbus-xhci', from, to, machine: 'pc-q35-7.2' }, null, few);
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.states).toBe(3);
    }
    expect(process.memoryUsage().heapUsed).toBeLessThan(2 * 1024 ** 3);
  });

  test('a device whose codec has no hand-written binding is incomplete, naming the codec, never a pass', () => {
    for (const r of both('usb-redir', 'pc-q35-7.2')) {
      expect(r.status).toBe('incomplete');
      expect(r.unexpected).toBe(true);
      expect(r.message).toMatch(/usbredir_parser_vmstate_info has no hand-written binding/);
    }
    for (const r of both('vhost-user-blk', 'pc-q35-7.2')) {
      expect(r.status).toBe('incomplete');
      expect(r.message).toMatch(/virtio_vmstate_info: no realize facts for vhost-user-blk/);
    }
  });

  test.each(['ivshmem-doorbell', 'megasas', 'vmxnet3', 'fw_cfg_io'])('%s (MSI-X vectors from realize facts, fw_cfg\'s v1 codec) passes both ways at pc-q35-7.2', (device) => {
    for (const r of both(device, 'pc-q35-7.2')) {
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.states).toBeGreaterThanOrEqual(25);
    }
  });

  test('MSI-X: the reset PCIDevice has the table realize gives the class (e1000e 5 vectors, qemu-xhci 16, megasas none with msix=off)', () => {
    const table = (device: string, over: Record<string, unknown> = {}) => {
      const d = r100.devices.find((x) => x.name === device)!;
      const p = { ...Object.fromEntries(Object.entries(d.props).map(([k, x]) => [k, x.default])), ...over };
      return ((d.reset(p as never) as Record<string, Record<string, unknown>>).parent_obj!.msix_table as Uint8Array | undefined)?.length ?? 0;
    };
    expect(table('e1000e')).toBe(5 * 16);
    expect(table('qemu-xhci')).toBe(16 * 16);
    expect(table('megasas')).toBe(15 * 16);
    expect(table('megasas', { msix: 'off' })).toBe(0);
  });

  test('hpet: the pre_save is modelled in part (num_timers_save = num_timers; the counter from the clock stays drawn), so its VMSTATE_VALIDATE is checked and both ways pass', () => {
    const d = r100.devices.find((x) => x.name === 'hpet')!;
    expect(d.extracted!.unmodelled).toEqual([]);
    expect(d.extracted!.hooks.join('\n')).toMatch(/hpet\.pre_save = hpet_pre_save in part \(not modelled hpet_counter from line \d+ .*keeps its generated value\)/);
    for (const r of both('hpet', 'pc-q35-7.2')) {
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.message).toMatch(/hook modelled in part: hpet\.pre_save = hpet_pre_save/);
    }
  });

  test('the AER log validation (log_num <= log_max) runs against log_max from PCIEPort\'s aer_log_max, which a nested VMSD migrates', () => {
    const d = r100.devices.find((x) => x.name === 'ioh3420')!;
    expect(d.extracted!.unmodelled).toEqual([]);
    const p = Object.fromEntries(Object.entries(d.props).map(([k, x]) => [k, x.default]));
    expect((d.reset(p as never)['parent_obj.parent_obj.parent_obj.exp.aer_log'] as Record<string, unknown>).log_max).toBe(8);
    for (const r of both('ioh3420', 'pc-q35-7.2')) expect(r.status, r.message ?? '').toBe('pass');
  });

  test('e1000e: the MSI-X table is bound and the 7.2 pending flags are held clear, as the hand model: both ways pass', () => {
    for (const r of both('e1000e', 'pc-q35-7.2')) {
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.message).toMatch(/generator rule: e1000e's 7.2 interrupt-pending flags held clear/);
    }
  }, 600_000);

  test.each(['virtio-gpu-device', 'virtio-rng-device', 'isa-serial', 'isa-fdc'])('%s (bound codecs, realize-time overrides) passes both ways at pc-q35-7.2', (device) => {
    for (const r of both(device, 'pc-q35-7.2')) {
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.states).toBeGreaterThanOrEqual(25);
    }
  });

  test('a PCIe device class (pci-express-device) has the 4096-byte config space; a conventional one 256', () => {
    const cfg = (device: string) => ((r100.devices.find((d) => d.name === device)!.reset(Object.fromEntries(Object.entries(r100.devices.find((d) => d.name === device)!.props).map(([k, p]) => [k, p.default]))) as Record<string, Record<string, unknown>>).parent_obj!.config as Uint8Array).length;
    expect(cfg('e1000e')).toBe(4096);
    expect(cfg('e1000')).toBe(256);
  });

  test('verdicts across untranslated hooks and opaque inputs say so', () => {
    const [r] = both('e1000', 'pc-q35-7.2');
    expect(r!.message).toMatch(/hook not modelled: .*e1000\.post_load = e1000_post_load/);
  });

  test('diff --release TREE on real 7.2.22 streams: the tree\'s model reads what it can, the streams\' descriptions the rest (the board\'s timer, cpu_common), each named', async () => {
    const binary = await locateQemu('7.2');
    const save = () => saveToFile({ binary, vm: { machine: 'pc-q35-7.2', devices: ['isa-serial'], args: DETERMINISTIC_RTC } });
    const dir = mkdtempSync(join(tmpdir(), 'vmcompat-tree-diff-'));
    try {
      const a = await save();
      const full = join(dir, 'a.bin');
      const bare = join(dir, 'b.bin');
      writeFileSync(full, a);
      // QEMU's suppress-vmdesc stream: the same bytes up to the description
      writeFileSync(bare, (await save()).subarray(0, findVmdesc(a)!.offset));
      const io = collectIo();
      expect(await diffCommand([bare, full, '--release', DEBIAN_TREES[0]!, '--json'], io)).toBe(0);
      const d = JSON.parse(io.lines.join('\n')).result;
      const by = new Map(d.a.sections.map((x: { section: string; by: string; why: string | null }) => [x.section, x]));
      expect(d.a.description).toMatch(/^7\.2\.22 at pc-q35-7\.2 \(\d+ sections\), B's description \(\d+\)$/);
      expect(by.get('port92 (0)')).toMatchObject({ by: 'model', why: null });
      // the tree's class-less timer section: its icount subsections' needed() does not translate (an opaque
      // predicate, off by default: no -icount), so the model reads and writes back what the real stream holds
      expect(by.get('timer (0)')).toMatchObject({ by: 'model', why: null });
      expect(by.get('cpu_common (0)')).toMatchObject({ by: 'other' });
      expect(d.identical).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
