/**
 * PCI and virtio device models per release (PCI config space, MSI-X, the
 * virtio core with its virtio-pci transport, and the devices built on them).
 * The release chain asks this file for the PCI devices of each release.
 *
 * Every device sits where the real-binary tests put it on bus 0, so its
 * section idstr is the real one (`0000:00:0N.0/<vmsd name>`):
 *
 *   02 virtio-gpu-pci   03 virtio-net-pci   04 virtio-blk-pci
 *   05 virtio-balloon-pci   06 virtio-rng-pci   07 e1000   08 e1000e   09 rtl8139
 *   0a ich9-ahci   0b usb-ehci   0c qemu-xhci   0d ich9-usb-ehci1
 *
 * A device class is built once per variant and shared by the releases that
 * have that variant.
 *
 * PCI Express devices (e1000e, qemu-xhci) take the bus they sit on from their `bus`
 * property: `pcie.0` (q35) by default; an i440fx guest sets `pci.0`.
 */
import type { DeviceClass } from '../../src/machine/types.js';
import { virtioBalloon, virtioBalloonVariant, type VirtioBalloonVariant } from '../devices/virtio-balloon.js';
import { virtioBlk } from '../devices/virtio-blk.js';
import { virtioGpu, virtioGpuVariant, type VirtioGpuVariant } from '../devices/virtio-gpu.js';
import { ringResetAlways, virtioNet, virtioNetVariant, type VirtioNetVariant } from '../devices/virtio-net.js';
import { virtioRng } from '../devices/virtio-rng.js';
import { e1000, e1000Variant, type E1000Variant } from '../devices/pci/e1000.js';
import { e1000e, e1000eVariant } from '../devices/pci/e1000e.js';
import { rtl8139 } from '../devices/pci/rtl8139.js';
import { ahciVariant, ich9Ahci, type AhciVariant } from '../devices/pci/ahci.js';
import { ehci } from '../devices/pci/ehci.js';
import { qemuXhci } from '../devices/pci/xhci.js';
import type { DeviceGen } from '../../src/gen/index.js';
import { virtioGpuGen } from '../devices/virtio-gpu.gen.js';
import { virtioNetGen } from '../devices/virtio-net.gen.js';
import { virtioBlkGen } from '../devices/virtio-blk.gen.js';
import { virtioBalloonGen } from '../devices/virtio-balloon.gen.js';
import { virtioRngGen } from '../devices/virtio-rng.gen.js';
import { e1000Gen } from '../devices/pci/e1000.gen.js';
import { e1000eGenOf } from '../devices/pci/e1000e.gen.js';
import { uncMaskMode } from '../common/pcie.js';
import { rtl8139Gen } from '../devices/pci/rtl8139.gen.js';
import { ahciGen } from '../devices/pci/ahci.gen.js';
import { ehciGen } from '../devices/pci/ehci.gen.js';
import { xhciGen } from '../devices/pci/xhci.gen.js';

export const PCI_RELEASES = ['7.2.0', '7.2.1', '7.2.3', '8.0.0', '8.0.1', '8.1.0', '8.2.0', '9.0.0', '9.0.1', '9.1.0', '9.2.0', '10.0.0'] as const;

/** Where each device sits on bus 0. */
export const PCI_SLOTS = {
  'virtio-gpu': 0x02,
  'virtio-net': 0x03,
  'virtio-blk': 0x04,
  'virtio-balloon': 0x05,
  'virtio-rng': 0x06,
  e1000: 0x07,
  e1000e: 0x08,
  rtl8139: 0x09,
  'ich9-ahci': 0x0a,
  'usb-ehci': 0x0b,
  'qemu-xhci': 0x0c,
  'ich9-usb-ehci1': 0x0d,
} as const;

function memo<K, V>(make: (k: K) => V): (k: K) => V {
  const m = new Map<K, V>();
  return (k) => {
    if (!m.has(k)) m.set(k, make(k));
    return m.get(k)!;
  };
}

/** A device class with its generator (the class carries it: nothing looks generators up by name). */
export const withGen = (cls: DeviceClass, gen: DeviceGen): DeviceClass => ({ ...cls, gen });

const gpu = memo((v: VirtioGpuVariant) => withGen(virtioGpu(v, { slot: PCI_SLOTS['virtio-gpu'] }), virtioGpuGen));
// NIC models take the release for PCIDevice's rombar (uint32 1 before 10.0, int32 -1 from 10.0.0: a7a3784128fa)
const rombarOf = (release: string) => (Number(release.split('.')[0]) >= 10 ? '10.0.0' : '7.2.0');
const net = memo((key: string) => {
  const [v, release, ringReset] = key.split('@') as [VirtioNetVariant, string, string];
  return withGen(virtioNet(v, { slot: PCI_SLOTS['virtio-net'], release, ringResetAlways: ringReset === 'ring-reset' }), virtioNetGen);
});
const balloon = memo((v: VirtioBalloonVariant) => withGen(virtioBalloon(v, { slot: PCI_SLOTS['virtio-balloon'] }), virtioBalloonGen));
const blk = memo((_: 'all') => withGen(virtioBlk({ slot: PCI_SLOTS['virtio-blk'] }), virtioBlkGen));
const rng = memo((_: 'all') => withGen(virtioRng({ slot: PCI_SLOTS['virtio-rng'] }), virtioRngGen));
const e1000Nic = memo((key: string) => {
  const [v, release] = key.split('@') as [E1000Variant, string];
  return withGen(e1000({ slot: PCI_SLOTS.e1000, release }, v), e1000Gen);
});
// e1000e's PCI Express capabilities depend on the release's pci-device properties: one class per release
const e1000eNic = memo((release: string) => withGen(e1000e(e1000eVariant(release), release, { slot: PCI_SLOTS.e1000e }), e1000eGenOf(uncMaskMode(release))));
const rtl = memo((release: string) => withGen(rtl8139({ slot: PCI_SLOTS.rtl8139, release }), rtl8139Gen));
const ahci = memo((v: AhciVariant) => withGen(ich9Ahci(v, { slot: PCI_SLOTS['ich9-ahci'] }), ahciGen()));
const usbEhci = memo((_: 'all') => withGen(ehci('usb-ehci', { slot: PCI_SLOTS['usb-ehci'] }), ehciGen('usb-ehci')));
const xhci = memo((release: string) => withGen(qemuXhci(release, { slot: PCI_SLOTS['qemu-xhci'] }), xhciGen));
const ich9Ehci = memo((_: 'all') => withGen(ehci('ich9-usb-ehci1', { slot: PCI_SLOTS['ich9-usb-ehci1'] }), ehciGen('ich9-usb-ehci1')));

/** The PCI/virtio device classes `release` registers, in registration order. */
export function pciDevices(release: string): DeviceClass[] {
  if (!(PCI_RELEASES as readonly string[]).includes(release)) return [];
  return [
    gpu(virtioGpuVariant(release)),
    net(`${virtioNetVariant(release)}@${rombarOf(release)}@${ringResetAlways(release) ? 'ring-reset' : ''}`),
    blk('all'),
    balloon(virtioBalloonVariant(release)),
    rng('all'),
    e1000Nic(`${e1000Variant(release)}@${rombarOf(release)}`),
    e1000eNic(release),
    rtl(rombarOf(release)),
    ahci(ahciVariant(release)),
    usbEhci('all'),
    xhci(release),
    ich9Ehci('all'),
  ];
}
