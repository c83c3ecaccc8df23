/**
 * What the PCI, MSI-X and virtio building blocks and the PCI device models
 * reject, accept and lose, case by case, as QEMU does (no binaries here:
 * see real.test.ts for those).
 */
import { describe, expect, test } from 'vitest';
import { Engine } from '../../src/machine/engine.js';
import { checkState } from '../../src/check/case.js';
import { cloneState } from '../../src/vmstate/state.js';
import type { State } from '../../src/vmstate/types.js';
import { findRelease } from '../../scenarios/releases/index.js';
import { pciConfigMismatch, PCI_COMMAND, PCI_STATUS, type PciDeviceState } from '../../scenarios/common/pci.js';
import { hasFeature, hostFeatures, VIRTIO_F_RING_RESET, VIRTIO_NO_VECTOR, type VirtioSpec, type VirtioState } from '../../scenarios/common/virtio.js';
import { PORT_CMD_LIST_ON } from '../../scenarios/devices/pci/ahci.js';
import { virtioRealize } from '../../scenarios/common/virtio-realize.js';

const rel = (name: string) => findRelease(name)!;
const engine = (release: string, machine: string, device: string, overrides: Record<string, string> = {}) =>
  new Engine(rel(release), machine, { devices: [device], overrides: { [device]: overrides } });
const engines = (from: string, to: string, machine: string, device: string) => ({ a: engine(from, machine, device), b: engine(to, machine, device) });
/** The virtio spec a device class's `virtio` field is bound to. */
const virtioSpecOf = (e: Engine): VirtioSpec => (e.instance('virtio-net').cls.vmsd.fields[0]!.info as unknown as { spec: VirtioSpec }).spec;

describe('PCI config space', () => {
  test('7.2.0 virtio-rng-pci at pc-q35-7.1 has MSI-X that 8.0.0 does not: the capability pointer is a checked, read-only byte', () => {
    const forward = checkState(engines('7.2.0', '8.0.0', 'pc-q35-7.1', 'virtio-rng'), 'virtio-rng', engine('7.2.0', 'pc-q35-7.1', 'virtio-rng').resetState('virtio-rng'));
    expect(forward?.kind).toBe('post-load-failed');
    expect(forward?.qemu[0]).toBe('get_pci_config_device: Bad config data: i=0x34 read: 98 device: 84 cmask: ff wmask: 0 w1cmask:0');
    const back = checkState(engines('8.0.0', '7.2.0', 'pc-q35-7.1', 'virtio-rng'), 'virtio-rng', engine('8.0.0', 'pc-q35-7.1', 'virtio-rng').resetState('virtio-rng'));
    expect(back?.qemu[0]).toBe('get_pci_config_device: Bad config data: i=0x34 read: 84 device: 98 cmask: ff wmask: 0 w1cmask:0');
  });

  test('bits the guest may write or clear are not checked; the others are', () => {
    const e = engine('9.2.0', 'pc-q35-9.2', 'e1000');
    const d = e.instance('e1000');
    const s = e.resetState('e1000');
    const pci = s.parent_obj as PciDeviceState;
    const layoutOf = (d.cls.vmsd.fields[0]!.vmsd!.fields[1]!.info as unknown as { layout: (p: typeof d.props) => Parameters<typeof pciConfigMismatch>[0] }).layout;
    const space = layoutOf(d.props);
    const changed = pci.config.slice();
    changed[PCI_COMMAND] = 0x07; // I/O, memory, bus master: writable
    changed[PCI_STATUS + 1] = 0x80; // detected parity error: write-one-to-clear
    expect(pciConfigMismatch(space, pci.config, changed)).toBe(-1);
    changed[0x08] = 0x04; // revision: read-only and checked
    expect(pciConfigMismatch(space, pci.config, changed)).toBe(0x08);
    pci.config = changed;
    const r = e.load(e.save({ e1000: s }).bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.qemu).toEqual([
      'get_pci_config_device: Bad config data: i=0x8 read: 4 device: 3 cmask: ff wmask: 0 w1cmask:0',
      'Failed to load PCIDevice:config',
      'Failed to load e1000:parent_obj',
      "error while loading state for instance 0x0 of device '0000:00:07.0/e1000'",
    ]);
  });

  test('an INTx level other than 0 or 1 fails the load', () => {
    const e = engine('10.0.0', 'pc-q35-10.0', 'rtl8139');
    const s = e.resetState('rtl8139');
    (s.parent_obj as PciDeviceState).irq_state = 1;
    const bytes = e.save({ rtl8139: s }).bytes;
    const at = e.save({ rtl8139: s }).sections[0]!.payloadOffset + 4 + 256;
    bytes[at + 3] = 2; // INTA's be32 becomes 2 (save writes 0/1 per pin)
    const r = e.load(bytes);
    expect(!r.ok && r.error.qemu[0]).toBe('irq state 2: must be 0 or 1.');
  });
});

describe('virtio-pci transport', () => {
  test('a queue vector the destination does not have fails the load (msix_vector_use)', () => {
    const e = engine('9.0.1', 'pc-q35-9.0', 'virtio-gpu');
    const s = e.resetState('virtio-gpu');
    const v = s.virtio as VirtioState;
    v.vq[1]!.vector = 3; // virtio-gpu-pci has vectors 0..2
    const r = e.load(e.save({ 'virtio-gpu': s }).bytes);
    expect(!r.ok && r.error.kind).toBe('post-load-failed');
    expect(!r.ok && r.error.message).toContain('queue 1 uses MSI-X vector 3 but the destination has 3');
    v.vq[1]!.vector = VIRTIO_NO_VECTOR;
    expect(e.load(e.save({ 'virtio-gpu': s }).bytes).ok).toBe(true);
  });

  test('the interrupt status bit travels as irq_state: pci_device_save clears it, the load sets it again', () => {
    const e = engine('9.0.1', 'pc-q35-9.0', 'virtio-gpu');
    const s = e.resetState('virtio-gpu');
    const pci = (s.virtio as VirtioState).proxy.pci_dev;
    pci.irq_state = 1;
    pci.config[PCI_STATUS]! |= 0x08;
    const saved = e.save({ 'virtio-gpu': s });
    expect(saved.bytes[saved.sections[0]!.payloadOffset + 4 + PCI_STATUS]! & 0x08).toBe(0);
    const r = e.load(saved.bytes);
    expect(r.ok && ((r.states['virtio-gpu']!.virtio as VirtioState).proxy.pci_dev.config[PCI_STATUS]! & 0x08)).toBe(0x08);
  });

  test('a queue slot past the device\'s queues that the stream gives an address grows the model\'s array', () => {
    const e = engine('9.0.1', 'pc-q35-9.0', 'virtio-gpu');
    const s = e.resetState('virtio-gpu');
    const v = s.virtio as VirtioState;
    // slots 2..4 do not exist on virtio-gpu (two queues); slot 4 gets a ring address anyway
    for (let i = 2; i <= 4; i++) v.vq.push({ ...cloneState(v.vq[0]!), vring_num: 0, num_default: 0 });
    v.vq[4]!.avail = 0x1000n;
    const r = e.load(e.save({ 'virtio-gpu': s }).bytes);
    const back = r.ok ? (r.states['virtio-gpu']!.virtio as VirtioState) : null;
    expect(back?.vq.length).toBe(5);
    expect(back?.vq[4]!.avail).toBe(0x1000n);
  });
});

describe('device models', () => {
  test('virtio-net up to 8.1 loses the VLAN filter table of a guest that negotiated CTRL_VLAN; 8.2.0 keeps it (06b636a1e2ad)', () => {
    for (const [from, to, kind] of [
      ['7.2.0', '8.0.0', 'state-loss'],
      ['8.1.0', '8.2.0', 'state-loss'],
      ['8.2.0', '8.1.0', 'value-changed'],
      ['8.2.0', '9.0.0', null],
    ] as const) {
      const a = engine(from, 'pc-q35-7.2', 'virtio-net');
      const up = a.instance('virtio-net').cls.examples!(a.instance('virtio-net').props)[1]!;
      const f = checkState(engines(from, to, 'pc-q35-7.2', 'virtio-net'), 'virtio-net', up);
      expect(f?.kind ?? null, `${from} -> ${to}`).toBe(kind);
      if (f) expect(f.path).toBe('vlans');
    }
  });

  test("e1000e: 8.0 dropped 7.2's pending-interrupt flags on purpose — set ones do not come back", () => {
    const a = engine('7.2.0', 'pc-q35-7.2', 'e1000e');
    const s = a.resetState('e1000e');
    expect(checkState(engines('7.2.0', '8.0.0', 'pc-q35-7.2', 'e1000e'), 'e1000e', s)).toBeNull();
    s['core.itr_intr_pending'] = true;
    const f = checkState(engines('7.2.0', '8.0.0', 'pc-q35-7.2', 'e1000e'), 'e1000e', s);
    expect(f?.kind).toBe('value-changed');
    expect(f?.path).toBe('core.itr_intr_pending');
  });

  test('e1000e refuses subsystem ids other than its own properties', () => {
    const a = engine('9.2.0', 'pc-q35-9.2', 'e1000e');
    const b = engine('9.2.0', 'pc-q35-9.2', 'e1000e', { subsys: '0x1234' });
    const r = b.load(a.save({ e1000e: a.resetState('e1000e') }).bytes);
    expect(!r.ok && r.error.qemu[0]).toBe('ERROR: Cannot migrate while device properties (subsys/subsys_ven) differ');
  });

  test('e1000e: core.timadj travels from 8.0 at machine types after 7.2', () => {
    const sizes = ['pc-q35-7.2', 'pc-q35-8.0'].map((m) => {
      const e = engine('8.0.0', m, 'e1000e');
      const sec = e.save({ e1000e: e.resetState('e1000e') }).sections[0]!;
      return sec.payloadEnd - sec.payloadOffset;
    });
    expect(sizes[1]! - sizes[0]!).toBe(8);
  });

  test('ich9-ahci: a DMA engine shown running without START fails the load; running ones restart', () => {
    const e = engine('10.0.0', 'pc-q35-10.0', 'ich9-ahci');
    const s = e.resetState('ich9-ahci');
    const port = ((s.ahci as State).dev as State[])[2]!;
    port['port_regs.cmd'] = Number(port['port_regs.cmd']) | PORT_CMD_LIST_ON;
    const r = e.load(e.save({ 'ich9-ahci': s }).bytes);
    expect(!r.ok && r.error.qemu[0]).toBe('AHCI: DMA engine should be off, but status bit indicates it is still running.');
    port['port_regs.cmd'] = Number(port['port_regs.cmd']) | 1; // START
    const ok = e.load(e.save({ 'ich9-ahci': s }).bytes);
    expect(ok.ok).toBe(true);
  });

  test('ich9-ahci: 9.0 made ports unsigned — same bytes, both ways', () => {
    const s = engine('8.2.0', 'pc-q35-8.2', 'ich9-ahci').resetState('ich9-ahci');
    expect(checkState(engines('8.2.0', '9.0.0', 'pc-q35-8.2', 'ich9-ahci'), 'ich9-ahci', s)).toBeNull();
    expect(checkState(engines('9.0.0', '8.2.0', 'pc-q35-8.2', 'ich9-ahci'), 'ich9-ahci', s)).toBeNull();
  });

  test('virtio-balloon-pci gains MSI-X in 10.0, kept off at 9.2 and older machine types', () => {
    const s = engine('9.2.0', 'pc-q35-9.2', 'virtio-balloon').resetState('virtio-balloon');
    expect(checkState(engines('9.2.0', '10.0.0', 'pc-q35-9.2', 'virtio-balloon'), 'virtio-balloon', s)).toBeNull();
    const n = engine('10.0.0', 'pc-q35-10.0', 'virtio-balloon');
    expect((n.resetState('virtio-balloon').virtio as VirtioState).proxy.pci_dev.msix_table?.length).toBe(32);
  });

  test('virtio-net RING_RESET: 7.2.0–7.2.2 and 8.0.0 offer it at pc-*-7.1 whatever queue_reset says; 7.2.3, 8.0.1 and 8.1.0 do not (1fac00f70b32)', () => {
    const host = (r: string, m: string) => {
      const e = engine(r, m, 'virtio-net');
      return hasFeature(hostFeatures(virtioSpecOf(e), e.instance('virtio-net').props), VIRTIO_F_RING_RESET);
    };
    const row = (m: string) => ['7.2.0', '7.2.1', '7.2.3', '8.0.0', '8.0.1', '8.1.0'].map((r) => host(r, m));
    expect(row('pc-q35-7.1')).toEqual([true, true, false, true, false, false]);
    expect(row('pc-i440fx-7.0')).toEqual([true, true, false, true, false, false]);
    expect(row('pc-q35-7.2')).toEqual([true, true, true, true, true, true]);
  });

  test('virtio-net RING_RESET: a guest that negotiated it cannot load where it is not offered; the other way it loads', () => {
    const a = engine('8.0.0', 'pc-q35-7.1', 'virtio-net');
    const s = a.resetState('virtio-net');
    const v = s.virtio as VirtioState;
    Object.assign(v, { status: 0x0f, started: true, guest_features: hostFeatures(virtioSpecOf(a), a.instance('virtio-net').props) });
    expect(hasFeature(v.guest_features, VIRTIO_F_RING_RESET)).toBe(true);
    const r = engine('8.0.1', 'pc-q35-7.1', 'virtio-net').load(a.save({ 'virtio-net': s }).bytes);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('post-load-failed');
    expect(r.error.qemu[0]).toMatch(/^Features 0x1[0-9a-f]{10} unsupported\. Allowed features: 0x[0-9a-f]+$/);
    const b = engine('8.0.1', 'pc-q35-7.1', 'virtio-net');
    const t = b.resetState('virtio-net');
    Object.assign(t.virtio as VirtioState, { status: 0x0f, started: true, guest_features: hostFeatures(virtioSpecOf(b), b.instance('virtio-net').props) });
    expect(a.load(b.save({ 'virtio-net': t }).bytes).ok).toBe(true);
  });

  test('virtio-balloon: the free page hint queue is VIRTQUEUE_MAX_SIZE (1024) long in every release, as the tree models have it', () => {
    const props = { 'free-page-hint': 'on', 'free-page-reporting': 'on' };
    for (const r of ['7.2.0', '9.0.1', '10.0.0']) {
      const vq = (engine(r, 'pc-q35-7.2', 'virtio-balloon', props).resetState('virtio-balloon').virtio as VirtioState).vq;
      expect([r, vq.map((q) => q.vring_num)]).toEqual([r, [128, 128, 128, 1024, 32]]);
    }
    expect(virtioRealize['virtio-balloon-device']!.queues({ 'free-page-hint': true })).toEqual([128, 128, 128, 1024]);
  });
});
