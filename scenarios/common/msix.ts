/**
 * MSI-X as QEMU builds and migrates it (hw/pci/msix.c).
 *
 * The capability (12 bytes: flags = vectors − 1, table and PBA offset|BIR)
 * is read-only except the enable and mask-all bits of its control byte.
 * The state is the vector table (16 bytes a vector, every vector masked at
 * reset) and the pending-bit array, (n + 7) / 8 bytes on the wire. msix_load
 * takes both as they come: nothing in them is checked.
 *
 * Devices with their own VMSD carry it as VMSTATE_MSIX: a struct field over
 * the PCIDevice with the VMSD `msix`, whose one field (codec `msix state`)
 * writes table then PBA. virtio-pci writes the same bytes from its config
 * saver.
 */
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import { VMSTATE_STRUCT, field } from '../../src/vmstate/dsl.js';
import type { ElementCtx, State, VMStateDescription, VMStateField, VMStateInfo } from '../../src/vmstate/types.js';
import { leafRecorder } from './leaf.js';
import { PCI_CAP_ID_MSIX, PCI_BASE_ADDRESS_SPACE_MEMORY, PCI_MSIX_ENTRY_SIZE, pci, pci_add_capability, pci_register_bar, pow2ceil, type PciConfigSpace, type PciDeviceState } from './pci.js';

export const MSIX_CAP_LENGTH = 12;
export const PCI_MSIX_FLAGS = 2;
export const PCI_MSIX_TABLE = 4;
export const PCI_MSIX_PBA = 8;
export const MSIX_CONTROL_OFFSET = PCI_MSIX_FLAGS + 1;
export const MSIX_ENABLE_MASK = 0x80;
export const MSIX_MASKALL_MASK = 0x40;

/** msix_init: the capability at `capPos` (0 = first free space) for `nentries` vectors. */
export function msix_init(
  d: PciConfigSpace,
  nentries: number,
  tableBar: number,
  tableOffset: number,
  pbaBar: number,
  pbaOffset: number,
  capPos: number,
): number {
  if (nentries < 1 || nentries > 2048) throw new Error(`MSI-X: ${nentries} vectors is not a valid number`);
  const cap = pci_add_capability(d, PCI_CAP_ID_MSIX, capPos, MSIX_CAP_LENGTH);
  d.msix_cap = cap;
  d.msix_entries_nr = nentries;
  pci.set16(d.config, cap + PCI_MSIX_FLAGS, nentries - 1);
  pci.set32(d.config, cap + PCI_MSIX_TABLE, (tableOffset | tableBar) >>> 0);
  pci.set32(d.config, cap + PCI_MSIX_PBA, (pbaOffset | pbaBar) >>> 0);
  d.wmask[cap + MSIX_CONTROL_OFFSET]! |= MSIX_ENABLE_MASK | MSIX_MASKALL_MASK;
  return cap;
}

/** msix_init_exclusive_bar: a BAR of its own, table in the lower half, PBA in the upper (4 KiB up to 128 vectors). */
export function msix_init_exclusive_bar(d: PciConfigSpace, nentries: number, barNr: number): void {
  let barSize = 4096;
  let pbaOffset = barSize / 2;
  const pbaSize = (Math.floor(nentries / 8) + 1) * 8;
  if (nentries * PCI_MSIX_ENTRY_SIZE > pbaOffset) pbaOffset = nentries * PCI_MSIX_ENTRY_SIZE;
  if (pbaOffset + pbaSize > 4096) barSize = pbaOffset + pbaSize;
  barSize = pow2ceil(barSize);
  msix_init(d, nentries, barNr, 0, barNr, pbaOffset, 0);
  pci_register_bar(d, barNr, PCI_BASE_ADDRESS_SPACE_MEMORY, barSize);
}

/** msix_save: table then PBA, nothing when the device has no MSI-X. `at` is relative to the element's path. */
export function msixSave(w: Writer, s: PciDeviceState, n: number, el: ElementCtx, at: (string | number)[]): void {
  if (!n) return;
  const leaf = leafRecorder(el, () => w.offset);
  leaf([...at, 'msix_table'], () => w.bytes(s.msix_table!));
  leaf([...at, 'msix_pba'], () => w.bytes(s.msix_pba!));
}

/** msix_load: both taken as they come. */
export function msixLoad(r: Reader, s: PciDeviceState, n: number, el: ElementCtx, at: (string | number)[]): void {
  if (!n) return;
  const leaf = leafRecorder(el, () => r.offset);
  leaf([...at, 'msix_table'], () => (s.msix_table = r.bytes(n * PCI_MSIX_ENTRY_SIZE, 'MSI-X table')));
  leaf([...at, 'msix_pba'], () => (s.msix_pba = r.bytes((n + 7) >> 3, 'MSI-X PBA')));
}

/** The number of MSI-X vectors the PCIDevice state carries (its table's size). */
function entries(s: State): number {
  const t = s.msix_table as Uint8Array | undefined;
  return t ? t.length / PCI_MSIX_ENTRY_SIZE : 0;
}

/** The `msix state` codec over a PCIDevice (no member: it reads the table and PBA of the struct it sits in). */
export const vmstate_info_msix: VMStateInfo = {
  name: 'msix state',
  recordsOwnLeaves: true,
  put(w: Writer, _v: unknown, el: ElementCtx) {
    msixSave(w, el.state as PciDeviceState, entries(el.state), el, []);
  },
  get(r: Reader, _current: unknown, el: ElementCtx) {
    msixLoad(r, el.state as PciDeviceState, entries(el.state), el, []);
    return undefined;
  },
};

/** vmstate_msix: no version of its own (0), one field that is the whole MSI-X state. */
export const vmstate_msix: VMStateDescription = {
  name: 'msix',
  version_id: 0,
  fields: [{ ...field('msix', { info: vmstate_info_msix }), member: null }],
};

/** VMSTATE_MSIX(name, …): a struct field over the PCIDevice member `name`. */
export const VMSTATE_MSIX = (name: string): VMStateField => VMSTATE_STRUCT(name, 0, vmstate_msix);
