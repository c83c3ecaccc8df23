/**
 * A virtio device whose config length differs between two releases, as
 * QEMU migrates it: virtio_load takes MIN(the stream's config_len, its
 * own) bytes and skips the rest without comparing the lengths, and
 * virtio-pci sizes the legacy I/O BAR from the length
 * (pow2ceil(VIRTIO_PCI_REGION_SIZE + config_len)), so the load fails only
 * where pci_device_load's BAR check does: a sender's BAR address with bits
 * the destination's larger BAR keeps read-only.
 */
import { describe, expect, it } from 'vitest';
import { buildMachines } from '../../src/machine/compat.js';
import type { DeviceClass, Release } from '../../src/machine/types.js';
import { VMSTATE_SINGLE } from '../../src/vmstate/dsl.js';
import type { VMStateDescription } from '../../src/vmstate/types.js';
import { runCase } from '../../src/check/run.js';
import { checkState, makeEngines } from '../../src/check/case.js';
import { stateArbitrary } from '../../src/gen/index.js';
import { pciIdstr } from '../../scenarios/common/pci.js';
import { virtioArbitrary } from '../../scenarios/common/virtio.gen.js';
import { virtioCommonProps, virtioInfo, virtioReset, virtioSpec, type VirtioState } from '../../scenarios/common/virtio.js';

/** A transitional virtio device (2 MSI-X vectors: a 24-byte legacy header) whose config is `len` bytes. */
function release(name: string, len: number, vectors = 2): Release {
  const spec = virtioSpec({ device: { virtioId: 4, legacyDeviceId: 0x1005, classId: 0x00ff, configLen: () => len }, deviceFeatures: () => 0n });
  const vmsd: VMStateDescription = { name: 'cfg-virtio', version_id: 1, minimum_version_id: 1, fields: [VMSTATE_SINGLE('virtio', virtioInfo(spec))] };
  const dev: DeviceClass = {
    name: 'cfg-virtio',
    type: 'cfg-virtio-device',
    parents: ['virtio-device', 'device', 'cfg-virtio-pci', 'virtio-pci', 'pci-device'],
    props: virtioCommonProps(vectors),
    gen: { custom: { virtio: virtioArbitrary } },
    vmsd,
    idstr: pciIdstr(6, 'cfg-virtio'),
    instanceId: 0,
    reset: (p) => ({ virtio: virtioReset(spec, p, Uint8Array.from({ length: len }, (_, i) => i + 1), [8]) }),
  };
  return { name, compatArrays: {}, machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['1.0'] }], {}), devices: [dev] };
}

const property = { kind: 'property' as const, arbitrary: stateArbitrary, runs: 60, seed: 7 };
const run = (a: Release, b: Release) => runCase({ device: 'cfg-virtio', from: a, to: b, machine: 'pc-q35-1.0' }, null, property);

describe('virtio config length (virtio_load, virtio-pci legacy BAR)', () => {
  it('a length that grows the legacy BAR (24+36 → 64 bytes, 24+44 → 128) fails as QEMU does: the BAR check, with its line', () => {
    const r = run(release('1.0', 36), release('2.0', 44));
    expect(r.status).toBe('fail');
    const f = r.failure!;
    expect(f.kind).toBe('post-load-failed');
    expect(f.stage).toBe('forward');
    expect(f.path).not.toMatch(/virtio\.config$/);
    expect(f.qemu[0]).toMatch(/^get_pci_config_device: Bad config data: i=0x10 read: [0-9a-f]+ device: 1 cmask: ff wmask: 80 w1cmask:0$/);
    expect(f.message).toContain('BAR0, the legacy I/O window, is 128 bytes on the destination (24-byte header + 44-byte device config');
  });

  it('the same lengths the other way round load: an address aligned to 128 fits a 64-byte BAR, and the config is cut as virtio_load cuts it', () => {
    expect(run(release('2.0', 44), release('1.0', 36)).status).toBe('pass');
  });

  it('a length change within one BAR size (36 ↔ 40 bytes, both 64) passes both ways: QEMU never compares the lengths', () => {
    expect(run(release('1.0', 36), release('2.0', 40)).status).toBe('pass');
    expect(run(release('2.0', 40), release('1.0', 36)).status).toBe('pass');
  });

  it('without MSI-X (a 20-byte header) the sizes move: 20+44 still fits 64 bytes, 20+45 does not', () => {
    expect(run(release('1.0', 36, 0), release('2.0', 44, 0)).status).toBe('pass');
    const r = run(release('1.0', 36, 0), release('2.0', 45, 0));
    expect(r.failure?.qemu[0]).toMatch(/Bad config data: i=0x10 .* wmask: 80 /);
  });

  it('the destination keeps its own length: it loads MIN of the two and keeps its own bytes past the stream\'s', () => {
    for (const [a, b] of [[36, 40], [40, 36]] as const) {
      const from = release('1.0', a);
      const to = release('2.0', b);
      const engines = makeEngines({ device: 'cfg-virtio', from, to, machine: 'pc-q35-1.0' });
      const inst = engines.a.instance('cfg-virtio');
      const s = inst.cls.reset(inst.props);
      (s.virtio as VirtioState).config = Uint8Array.from({ length: a }, () => 0xee);
      expect(checkState(engines, 'cfg-virtio', s)).toBeNull();
      const loaded = engines.b.load(engines.a.save({ 'cfg-virtio': s }).bytes);
      expect(loaded.ok).toBe(true);
      const cfg = (loaded.ok ? loaded.states['cfg-virtio']!.virtio : null) as VirtioState;
      expect(cfg.config.length).toBe(b);
      expect([...cfg.config]).toEqual(Array.from({ length: b }, (_, i) => (i < Math.min(a, b) ? 0xee : i + 1)));
    }
  });
});
