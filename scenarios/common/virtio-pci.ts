/**
 * The config space of a virtio-pci proxy on a conventional PCI bus, as
 * virtio_pci_realize and virtio_pci_device_plugged build it
 * (hw/virtio/virtio-pci.c):
 *
 *   transitional (legacy on)  vendor 1af4, the class's legacy device id,
 *                             revision 0, subsystem = 1af4 / virtio id,
 *                             BAR0 the legacy I/O window
 *   modern-only               device id 0x1040 + virtio id, revision 1,
 *                             QEMU's default subsystem ids
 *   modern                    vendor capabilities common (0x40), isr,
 *                             device, notify (20 bytes), pci-cfg (20 bytes,
 *                             its bar/offset/length/data writable) and a
 *                             64-bit prefetchable BAR4 over the regions
 *   vectors > 0               MSI-X in an exclusive 4 KiB BAR1, its
 *                             capability added last
 *
 * This is the layout the real 7.2 and 10.0 binaries present at every
 * machine type these models cover (a device on the root bus of q35 or
 * i440fx is conventional PCI, not PCI Express).
 */
import type { Props } from '../../src/vmstate/types.js';
import { msix_init_exclusive_bar } from './msix.js';
import { nicOptionRom } from './nic.js';
import {
  PCI_BASE_ADDRESS_MEM_PREFETCH,
  PCI_BASE_ADDRESS_MEM_TYPE_64,
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_CAP_ID_VNDR,
  PCI_INTERRUPT_PIN,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  pci,
  pci_add_capability,
  pci_register_bar,
  pci_register_device,
  pciLayout,
  pow2ceil,
  type PciLayout,
} from './pci.js';

export const PCI_VENDOR_ID_REDHAT_QUMRANET = 0x1af4;
export const PCI_DEVICE_ID_VIRTIO_10_BASE = 0x1040;

const VIRTIO_PCI_CAP_COMMON_CFG = 1;
const VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
const VIRTIO_PCI_CAP_ISR_CFG = 3;
const VIRTIO_PCI_CAP_DEVICE_CFG = 4;
const VIRTIO_PCI_CAP_PCI_CFG = 5;
const QEMU_VIRTIO_PCI_QUEUE_MEM_MULT = 0x1000;
const VIRTIO_QUEUE_MAX = 1024;

export interface VirtioPciDevice {
  /** VIRTIO_ID_* of the backend (net 1, block 2, balloon 5, rng 4, gpu 16). */
  virtioId: number;
  /** The transitional PCI device id (0x1000 + …); undefined for a modern-only type such as virtio-gpu-pci. */
  legacyDeviceId?: number;
  /** PCI class the proxy type declares. */
  classId: number;
  /** The backend's config space length under these properties (it sizes the legacy BAR). */
  configLen(props: Props): number;
  /** The proxy type has an option ROM (virtio-net-pci: efi-virtio.rom), so a ROM BAR from `romfile`/`rombar`. */
  optionRom?: boolean;
}

/** The proxy's flags as its properties and type leave them. */
export function virtioPciFlags(props: Props, modernOnly: boolean): { modern: boolean; legacy: boolean; migrateExtra: boolean; vectors: number } {
  const modern = props['disable-modern'] !== true;
  const dl = String(props['disable-legacy'] ?? 'auto');
  // virtio_pci_force_virtio_1 for modern-only types; `auto` is legacy on a conventional bus
  const legacy = !modernOnly && (dl === 'off' || dl === 'auto');
  return { modern, legacy, migrateExtra: props['migrate-extra'] !== false, vectors: Number(props.vectors ?? 0) };
}

export function virtioPciLayout(dev: VirtioPciDevice): PciLayout {
  const modernOnly = dev.legacyDeviceId === undefined;
  return pciLayout((props) => {
    const { modern, legacy, vectors } = virtioPciFlags(props, modernOnly);
    const d = pci_register_device(
      {
        vendor_id: PCI_VENDOR_ID_REDHAT_QUMRANET,
        device_id: dev.legacyDeviceId ?? 0,
        revision: 0,
        class_id: dev.classId,
      },
      false,
    );
    const c = d.config;
    if (legacy) {
      pci.set16(c, PCI_SUBSYSTEM_VENDOR_ID, PCI_VENDOR_ID_REDHAT_QUMRANET);
      pci.set16(c, PCI_SUBSYSTEM_ID, dev.virtioId);
    } else {
      pci.set16(c, 0x00, PCI_VENDOR_ID_REDHAT_QUMRANET);
      pci.set16(c, 0x02, PCI_DEVICE_ID_VIRTIO_10_BASE + dev.virtioId);
      c[0x08] = 1;
    }
    c[PCI_INTERRUPT_PIN] = 1;
    if (modern) {
      const mult = props['page-per-vq'] === true ? QEMU_VIRTIO_PCI_QUEUE_MEM_MULT : 4;
      const notifySize = mult * VIRTIO_QUEUE_MAX;
      const BAR = 4;
      // virtio_pci_add_mem_cap: bytes from PCI_CAP_FLAGS on are the cap struct after id and next
      const addCap = (len: number, type: number, bar: number, offset: number, length: number, extra?: number) => {
        const at = pci_add_capability(d, PCI_CAP_ID_VNDR, 0, len);
        c[at + 2] = len;
        c[at + 3] = type;
        c[at + 4] = bar;
        pci.set32(c, at + 8, offset);
        pci.set32(c, at + 12, length);
        if (extra !== undefined) pci.set32(c, at + 16, extra);
        return at;
      };
      addCap(16, VIRTIO_PCI_CAP_COMMON_CFG, BAR, 0x0000, 0x1000);
      addCap(16, VIRTIO_PCI_CAP_ISR_CFG, BAR, 0x1000, 0x1000);
      addCap(16, VIRTIO_PCI_CAP_DEVICE_CFG, BAR, 0x2000, 0x1000);
      addCap(20, VIRTIO_PCI_CAP_NOTIFY_CFG, BAR, 0x3000, notifySize, mult);
      if (props['modern-pio-notify'] === true) {
        pci_register_bar(d, 2, PCI_BASE_ADDRESS_SPACE_IO, 4);
        addCap(20, VIRTIO_PCI_CAP_NOTIFY_CFG, 2, 0, 4, 0);
      }
      pci_register_bar(d, BAR, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_PREFETCH | PCI_BASE_ADDRESS_MEM_TYPE_64, pow2ceil(0x3000 + notifySize));
      // the PCI-configuration-access capability: its window is guest-writable
      const cfg = addCap(20, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0);
      d.wmask[cfg + 4] = 0xff;
      pci.set32(d.wmask, cfg + 8, 0xffffffff);
      pci.set32(d.wmask, cfg + 12, 0xffffffff);
      pci.set32(d.wmask, cfg + 16, 0xffffffff);
    }
    if (vectors) msix_init_exclusive_bar(d, vectors, 1);
    if (legacy) {
      const regionSize = vectors ? 24 : 20; // VIRTIO_PCI_CONFIG_OFF(msix_present)
      pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_IO, pow2ceil(regionSize + dev.configLen(props)));
    }
    if (dev.optionRom) nicOptionRom(d, props);
    return d;
  });
}
