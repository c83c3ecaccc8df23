import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Engine } from '../src/machine/engine.js';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCase, type StateMode } from '../src/check/run.js';
import type { Release } from '../src/machine/types.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';
import { pflashWriteblockSize, sdhciFifolen } from '../scenarios/common/realize.js';
import { virtio_9p_spec, virtio_iommu_spec, virtioBlocked, virtioRealize } from '../scenarios/common/virtio-realize.js';
import { codecs } from '../scenarios/common/bindings.js';
import { shpcSize } from '../scenarios/common/shpc.js';
import { vmstate_info_scsi_requests } from '../scenarios/common/scsi-requests.js';
import { Writer } from '../src/wire/writer.js';
import { Reader } from '../src/wire/reader.js';
import { DEBIAN_TREES, debianTreeReleases } from '../test/source/debian-trees.js';

/**
 * Realize-time sizes (scenarios/common/realize.ts) the extracted trees' VMSDs
 * count by: without them the classes are incomplete; with them the reset
 * state carries realize's value and the cases run both ways. A missing tree
 * is a failure, never a skip.
 */
let r72: Release;
let r100: Release;

beforeAll(async () => {
  ({ r72, r100 } = await debianTreeReleases());
}, 900_000);

const mode: StateMode = { kind: 'property', runs: 10, seed: 11, arbitrary: deviceStateArbitrary };
const both = (device: string, machine = 'pc-q35-7.2') => [runCase({ device, from: r72, to: r100, machine }, null, mode), runCase({ device, from: r100, to: r72, machine }, null, mode)];
const defaults = (r: Release, device: string) => Object.fromEntries(Object.entries(r.devices.find((d) => d.name === device)!.props).map(([k, p]) => [k, p.default]));
/** The reset state's struct (by its top-level key) holding `member`, searched one level down. */
function resetMember(r: Release, device: string, member: string): unknown {
  const d = r.devices.find((x) => x.name === device)!;
  const s = d.reset(defaults(r, device) as never) as Record<string, unknown>;
  if (member in s) return s[member];
  for (const v of Object.values(s)) if (v && typeof v === 'object' && member in (v as object)) return (v as Record<string, unknown>)[member];
  return undefined;
}

describe('realize-time sizes of the tree releases', () => {
  test('pflash_cfi01_realize: 1 << 0x0B per chip (2048), 1 << 0x08 for a byte-wide bank, times the chips unless old-multiple-chip-handling', () => {
    expect(pflashWriteblockSize({ width: 0, 'device-width': 0 })).toBe(2048);
    expect(pflashWriteblockSize({ width: 1, 'device-width': 1 })).toBe(256);
    expect(pflashWriteblockSize({ width: 4, 'device-width': 2 })).toBe(4096);
    expect(pflashWriteblockSize({ width: 4, 'device-width': 2, 'old-multiple-chip-handling': true })).toBe(2048);
  });

  test('sdhci_get_fifolen: 512 at the default capareg, 512 << MAXBLOCKLENGTH (capareg bits 16-17)', () => {
    expect(sdhciFifolen({})).toBe(512);
    expect(sdhciFifolen({ capareg: 0x057834b4n })).toBe(512);
    expect(sdhciFifolen({ capareg: 0x057834b4n | (2n << 16n) })).toBe(2048);
  });

  test.each([
    ['cfi.pflash01', 'writeblock_size', 2048],
    ['sd-card', 'wp_group_bits', 1],
    ['sdhci-pci', 'buf_maxsz', 512],
  ] as const)('%s: the reset state has realize\'s %s (%d) in both trees', (device, member, value) => {
    for (const r of [r72, r100]) expect(resetMember(r, device, member), `${r.name} ${device}`).toBe(value);
  });

  // a real break, not a model gap: 7.2.22 migrates VMSTATE_BOOL(enable) (true from sd_instance_init; only sd_enable() of the
  // OMAP/PXA boards clears it), 10.0.2 sends VMSTATE_UNUSED(1) (zero) in its place, so a 7.2.22 loading a 10.0.2 stream
  // has its card disabled (every command refused); the check finds it on the way back, 7.2.22 -> 10.0.2 -> 7.2.22
  test('sd-card is checked both ways: the bitmap sized by wp_group_bits runs; `enable` is lost on 10.0.2\'s unused byte, both ways', () => {
    const [fwd, back] = both('sd-card');
    expect(fwd!.status).toBe('fail');
    expect(fwd!.message).toMatch(/^sd-card:enable .*was true at 7\.2\.22 and is false after 10\.0\.2->7\.2\.22/);
    expect(fwd!.message).toMatch(/sd-card\.wp_group_bits = 1/);
    // 10.0.2's placeholder byte is 0: 7.2.22 loads `enable` off where a fresh card has it on (the placeholder check)
    expect(back!.status, back!.message ?? '').toBe('fail');
    expect(back!.kind).toBe('state-loss');
    expect(back!.message).toMatch(/^sd-card:enable is loaded from 10\.0\.2's VMSTATE_UNUSED placeholder: 0, where a fresh 7\.2\.22 device has 1/);
  });

  test.each(['cfi.pflash01', 'sdhci-pci'])('%s (a buffer or bitmap sized at realize) is checked both ways at pc-q35-7.2, no longer incomplete', (device) => {
    for (const r of both(device)) {
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.states).toBeGreaterThanOrEqual(10);
    }
  });
});

describe('virtio classes that never migrate', () => {
  test('no class is both blocked and given realize facts', () => {
    expect(Object.keys(virtioBlocked).filter((k) => k in virtioRealize)).toEqual([]);
  });

  test.each([
    ['virtio-gpu-gl-device', /^QEMU refuses to migrate virtio-gpu-gl-device \((?:7\.2\.22|10\.0\.2)\): .*'virgl is not yet migratable'/],
    ['virtio-crypto-device', /^QEMU refuses to migrate virtio-crypto-device \((?:7\.2\.22|10\.0\.2)\): its VMSD virtio-crypto is \.unmigratable \(hw\/virtio\/virtio-crypto\.c:\d+\)$/],
    ['vhost-scsi', /^QEMU refuses to migrate vhost-scsi \((?:7\.2\.22|10\.0\.2)\): with its default migratable=off its realize adds a migration blocker/],
  ] as const)('%s cannot apply (skipped, saying why QEMU refuses it), neither incomplete nor a pass', (device, why) => {
    for (const r of both(device)) {
      expect(r.status).toBe('skip');
      expect(r.message).toMatch(why);
    }
  });

  // `{ .name = ..., .unmigratable = 1 }` with no field table: in the release, refused, never left out
  test.each([
    ['usb-audio', 'usb-audio', 'hw/usb/dev-audio.c'],
    ['usb-wacom-tablet', 'usb-wacom', 'hw/usb/dev-wacom.c'],
    ['usb-serial', 'usb-serial', 'hw/usb/dev-serial.c'],
    ['usb-braille', 'usb-serial', 'hw/usb/dev-serial.c'],
  ] as const)('%s (a VMSD with no fields, .unmigratable) is in both trees and cannot apply either way, saying why', (device, vmsd, file) => {
    for (const r of [r72, r100]) expect(r.devices.find((d) => d.name === device)?.vmsd.fields, `${r.name} ${device}`).toEqual([]);
    const why = new RegExp(`^QEMU refuses to migrate ${device} \\((?:7\\.2\\.22|10\\.0\\.2)\\): its VMSD ${vmsd} is \\.unmigratable \\(${file.replace(/\./g, '\\.')}:\\d+\\)$`);
    const [fwd, back] = both(device);
    for (const r of [fwd!, back!]) {
      expect(r.status).toBe('skip');
      expect(r.message).toMatch(why);
    }
    expect(fwd!.message).toContain('(7.2.22)');
  });

  test('every class whose extracted VMSD is .unmigratable is refused, with no table entry (virtio-crypto has none)', () => {
    expect('virtio-crypto-device' in virtioBlocked).toBe(false);
    for (const r of [r72, r100]) {
      const refused = r.devices.filter((d) => d.unmigratable && /is \.unmigratable/.test(d.unmigratable.why)).map((d) => d.name);
      expect(refused, r.name).toEqual(expect.arrayContaining(['virtio-crypto-device', 'usb-mtp', 'usb-uas']));
      for (const d of r.devices) if (d.name in virtioBlocked) expect(d.unmigratable?.why, `${r.name} ${d.name}`).toBe(virtioBlocked[d.name]!.why);
    }
  });
});

describe('virtio realize facts of the tree classes', () => {
  test('virtio-9p: the config is tag_len and the mount tag (2 + its length), one queue of MAX_REQ 128, VIRTIO_9P_MOUNT_TAG offered', () => {
    const spec = virtio_9p_spec;
    expect(spec.device.configLen({ mount_tag: 'share' })).toBe(7);
    expect(spec.deviceFeatures({})).toBe(1n);
    expect(virtioRealize['virtio-9p-device']!.queues({})).toEqual([128]);
  });

  test('virtio-iommu-device: its realize facts bind the virtio core, so what is left is the domains GTree, named; never a pass', () => {
    expect(virtio_iommu_spec.device.configLen({})).toBe(40);
    expect(virtio_iommu_spec.device.legacyDeviceId).toBeUndefined();
    for (const r of both('virtio-iommu-device')) {
      expect(r.status).toBe('incomplete');
      expect(r.message).not.toMatch(/no realize facts/);
      expect(r.message).toMatch(/virtio-iommu-device:domains codec vmstate_info_gtree has no hand-written binding/);
    }
  });

  test('virtio-9p-device is checked both ways at pc-q35-7.2 and passes', () => {
    for (const r of both('virtio-9p-device')) {
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.states).toBeGreaterThanOrEqual(10);
      expect(r.message).toMatch(/realize facts from scenarios\/common\/virtio-realize\.ts/);
    }
  });
});

describe('the SHPC register block (shpc_vmstate_info)', () => {
  const squash = (t: string) => t.replace(/\s+/g, ' ');
  test('its length is SHPC_SLOT_REG(SHPC_MAX_SLOTS) = 160 in both trees, which shpc_init always uses', () => {
    expect(shpcSize()).toBe(160);
    for (const t of DEBIAN_TREES) {
      const c = squash(readFileSync(join(t, 'hw/pci/shpc.c'), 'utf8'));
      expect(c).toContain('#define SHPC_SLOT_REG(s) (0x24 + (s) * 4)');
      expect(c).toContain('#define SHPC_MAX_SLOTS 31');
      expect(c).toContain('int nslots = SHPC_MAX_SLOTS;');
      expect(c).toContain('qemu_put_buffer(f, d->shpc->config, SHPC_SIZEOF(d));');
    }
  });

  test('raw bytes both ways; a block of another length is a typed error naming the field', () => {
    const b = codecs.shpc_vmstate_info!({} as never, {} as never);
    if (!b || typeof b === 'string') throw new Error(`unbound: ${b}`);
    const el = { field: { name: 'shpc' }, at: [], size: 0 } as never;
    const w = new Writer();
    const data = Uint8Array.from({ length: 160 }, (_, i) => (i * 37) & 0xff);
    b.info.put(w, data, el);
    const out = w.finish();
    expect(out.length).toBe(160);
    expect(b.info.get(new Reader(out), undefined, el)).toEqual(data);
    expect(() => b.info.put(new Writer(), new Uint8Array(16), el)).toThrow(/shpc: the SHPC block must be 160 bytes, got 16/);
  });

  test.each(['pci-bridge', 'pci-bridge-seat', 'pcie-pci-bridge'])('%s is checked both ways at pc-q35-7.2 and passes', (device) => {
    for (const r of both(device)) {
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.states).toBeGreaterThanOrEqual(10);
      expect(r.message).toMatch(/shpc: SHPC registers raw/);
    }
  });
});

describe('SCSIDevice requests (vmstate_info_scsi_requests)', () => {
  const el = { field: { name: 'requests' }, at: [], size: 0 } as never;
  test('an empty queue is the end byte alone, and reads back empty (a negative byte ends the list too, as get_scsi_requests)', () => {
    const w = new Writer();
    vmstate_info_scsi_requests.put(w, [], el);
    expect([...w.finish()]).toEqual([0]);
    expect(vmstate_info_scsi_requests.get(new Reader(Uint8Array.of(0)), undefined, el)).toEqual([]);
    expect(vmstate_info_scsi_requests.get(new Reader(Uint8Array.of(0xff)), undefined, el)).toEqual([]);
  });

  test('a queued request is a typed error naming the field both ways, never a guessed layout', () => {
    expect(() => vmstate_info_scsi_requests.put(new Writer(), [{ tag: 1 }], el)).toThrow(/requests: 1 queued SCSI request\(s\): the model has no HBA or device save_request/);
    expect(() => vmstate_info_scsi_requests.get(new Reader(Uint8Array.of(2, 0x28)), undefined, el)).toThrow(/requests: a queued SCSI request \(marker 2\) at 0x0/);
  });

  test.each(['scsi-hd', 'scsi-cd', 'scsi-block', 'scsi-generic'])('%s is checked both ways at pc-q35-7.2 and passes, saying the queue is carried empty', (device) => {
    for (const r of both(device)) {
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.states).toBeGreaterThanOrEqual(10);
      expect(r.message).toMatch(/SCSI request queue carried empty/);
    }
  });
});

describe('large uint8 register files of the tree releases (src/source/release/register-files.ts)', () => {
  test('ICH9-LPC: chip_config (16 KiB) is a Uint8ClampedArray at reset in both trees, as the hand model keeps it, and generated states keep it typed', () => {
    for (const r of [r72, r100]) {
      const cc = resetMember(r, 'ICH9-LPC', 'chip_config');
      expect(cc, r.name).toBeInstanceOf(Uint8ClampedArray);
      expect((cc as Uint8ClampedArray).length).toBe(16384);
      const e = new Engine(r, 'pc-q35-7.2', { devices: ['ICH9-LPC'] });
      const key = e.instances[0]!.key;
      for (const s of fc.sample(deviceStateArbitrary(e, key), { numRuns: 5, seed: 2 })) expect(s.chip_config, r.name).toBeInstanceOf(Uint8ClampedArray);
    }
  });

  test('ICH9-LPC passes both ways at pc-q35-7.2 with it typed', () => {
    for (const r of both('ICH9-LPC')) {
      expect(r.status, r.message ?? '').toBe('pass');
      expect(r.states).toBeGreaterThanOrEqual(10);
    }
  });
});
