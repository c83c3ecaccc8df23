/**
 * What the PCI NIC models share: the NIC properties (DEFINE_NIC_PROPERTIES
 * and the PCI option ROM) and their ROM BAR.
 *
 * The ROM BAR's size is the ROM file's size rounded up to a power of two.
 * The iPXE EFI ROMs Debian ships (efi-e1000.rom, efi-e1000e.rom,
 * efi-rtl8139.rom, efi-virtio.rom, 240–250 KiB each) make it 256 KiB for
 * both real binaries; the models take that as a fact of the firmware.
 */
import type { PropDef } from '../../src/machine/types.js';
import type { Props } from '../../src/vmstate/types.js';
import { pci_add_option_rom, type PciConfigSpace } from './pci.js';

export const DEFAULT_MAC = '52:54:00:12:34:56';
export const NIC_ROM_FILE_SIZE = 256 * 1024;

/**
 * PCIDevice's `rombar`: uint32 defaulting to 1 in 7.2 (hw/pci/pci.c,
 * 7.2.0 and 7.2.22), int32 defaulting to -1 ("not set": a BAR when there is
 * a ROM) in 10.0.2. First in 10.0.0: a7a3784128fa "hw/pci: Use -1 as the
 * default value for rombar" (Akihiko Odaki's v19 series, merged in January
 * 2025 with mst's qdev pull, in the 10.0 cycle).
 */
export function nicProps(romfile: string, release = '7.2.0'): Record<string, PropDef> {
  const major = Number(release.split('.')[0]);
  return {
    mac: { type: 'string', default: DEFAULT_MAC },
    romfile: { type: 'string', default: romfile },
    rombar: major >= 10 ? { type: 'int32', default: -1 } : { type: 'uint32', default: 1 },
  };
}

export function macBytes(p: Props): number[] {
  return String(p.mac).split(':').map((x) => parseInt(x, 16));
}

/** pci_add_option_rom for a NIC's properties. */
export function nicOptionRom(d: PciConfigSpace, p: Props): void {
  pci_add_option_rom(d, Number(p.rombar) !== 0, String(p.romfile ?? '') ? NIC_ROM_FILE_SIZE : 0);
}
