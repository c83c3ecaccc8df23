/**
 * PCI configuration space as QEMU builds and migrates it (hw/pci/pci.c).
 *
 * A device's config space is built from its properties by the same steps
 * QEMU's realize takes — register the device (ids, the header masks),
 * register BARs, add capabilities — into four byte arrays: the config
 * itself and its masks. `cmask` marks bytes the loader checks against the
 * destination's own config, `wmask` bits the guest may write, `w1cmask`
 * write-one-to-clear bits. A loaded config byte must agree with the
 * destination's in every bit that is checked and neither writable nor
 * write-one-to-clear; otherwise the load fails with
 * `get_pci_config_device: Bad config data …` and -EINVAL.
 *
 * The `PCIDevice` VMSD (version 2, minimum 1): `version_id` as int32 le
 * (≤ the destination's 2), `config` (256 bytes, or 4096 for PCI Express,
 * two definitions told apart by a test), `irq_state` (4 × be32, each 0 or 1;
 * field version 2).
 */
import { EINVAL, VmError, hex } from '../../src/wire/errors.js';
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import { VMSTATE_INT32_POSITIVE_LE, VMSTATE_STRUCT, field } from '../../src/vmstate/dsl.js';
import * as F from '../../src/vmstate/flags.js';
import type { ElementCtx, Props, State, VMStateDescription, VMStateField, VMStateInfo, VmCtx } from '../../src/vmstate/types.js';

export const PCI_CONFIG_SPACE_SIZE = 0x100;
export const PCIE_CONFIG_SPACE_SIZE = 0x1000;
export const PCI_CONFIG_HEADER_SIZE = 0x40;

export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CLASS_DEVICE = 0x0a;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;

export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
export const PCI_COMMAND_SERR = 0x100;
export const PCI_COMMAND_INTX_DISABLE = 0x400;
export const PCI_STATUS_INTERRUPT = 0x08;
export const PCI_STATUS_CAP_LIST = 0x10;
export const PCI_STATUS_PARITY = 0x100;
export const PCI_STATUS_SIG_TARGET_ABORT = 0x800;
export const PCI_STATUS_REC_TARGET_ABORT = 0x1000;
export const PCI_STATUS_REC_MASTER_ABORT = 0x2000;
export const PCI_STATUS_SIG_SYSTEM_ERROR = 0x4000;
export const PCI_STATUS_DETECTED_PARITY = 0x8000;

export const PCI_BASE_ADDRESS_SPACE_IO = 0x01;
export const PCI_BASE_ADDRESS_SPACE_MEMORY = 0x00;
export const PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04;
export const PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08;
export const PCI_ROM_SLOT = 6;
export const PCI_ROM_ADDRESS_ENABLE = 0x01;

export const PCI_CAP_ID_PM = 0x01;
export const PCI_CAP_ID_MSI = 0x05;
export const PCI_CAP_ID_VNDR = 0x09;
export const PCI_CAP_ID_EXP = 0x10;
export const PCI_CAP_ID_MSIX = 0x11;
export const PCI_CAP_ID_SATA = 0x12;
export const PCI_CAP_LIST_NEXT = 1;

/** QEMU's default subsystem ids (Red Hat / QEMU) for devices that set none. */
export const PCI_SUBVENDOR_ID_REDHAT_QUMRANET = 0x1af4;
export const PCI_SUBDEVICE_ID_QEMU = 0x1100;

/** Little-endian accessors over a config-space array, as pci_set_word & co. */
export const pci = {
  set8(a: Uint8Array, at: number, v: number) {
    a[at] = v & 0xff;
  },
  set16(a: Uint8Array, at: number, v: number) {
    a[at] = v & 0xff;
    a[at + 1] = (v >>> 8) & 0xff;
  },
  set32(a: Uint8Array, at: number, v: number) {
    for (let i = 0; i < 4; i++) a[at + i] = (v >>> (8 * i)) & 0xff;
  },
  set64(a: Uint8Array, at: number, v: bigint) {
    for (let i = 0; i < 8; i++) a[at + i] = Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn);
  },
  get16(a: Uint8Array, at: number): number {
    return a[at]! | (a[at + 1]! << 8);
  },
  get32(a: Uint8Array, at: number): number {
    return (a[at]! | (a[at + 1]! << 8) | (a[at + 2]! << 16) | (a[at + 3]! << 24)) >>> 0;
  },
  /** pci_word_test_and_set_mask */
  or16(a: Uint8Array, at: number, v: number) {
    pci.set16(a, at, pci.get16(a, at) | v);
  },
};

/**
 * One device's config space and masks while it is being built, with the
 * PCIDevice members the migration code reads (express, MSI-X size and
 * capability offset).
 */
export class PciConfigSpace {
  readonly size: number;
  readonly config: Uint8Array;
  readonly cmask: Uint8Array;
  readonly wmask: Uint8Array;
  readonly w1cmask: Uint8Array;
  readonly used: Uint8Array;
  msix_entries_nr = 0;
  msix_cap = 0;
  /** The INTx pin the device raises (0 = INTA), from PCI_INTERRUPT_PIN. */
  get intx(): number {
    return Math.max(0, this.config[PCI_INTERRUPT_PIN]! - 1);
  }

  constructor(readonly express: boolean) {
    this.size = express ? PCIE_CONFIG_SPACE_SIZE : PCI_CONFIG_SPACE_SIZE;
    this.config = new Uint8Array(this.size);
    this.cmask = new Uint8Array(this.size);
    this.wmask = new Uint8Array(this.size);
    this.w1cmask = new Uint8Array(this.size);
    this.used = new Uint8Array(this.size);
  }
}

export interface PciIds {
  vendor_id: number;
  device_id: number;
  revision: number;
  class_id: number;
  /** 0/0 means QEMU's default subsystem ids. */
  subsystem_vendor_id?: number;
  subsystem_id?: number;
}

/** do_pci_register_device for a (non-bridge) endpoint: ids, then the header's cmask, wmask and w1cmask. */
export function pci_register_device(ids: PciIds, express: boolean): PciConfigSpace {
  const d = new PciConfigSpace(express);
  const c = d.config;
  pci.set16(c, PCI_VENDOR_ID, ids.vendor_id);
  pci.set16(c, PCI_DEVICE_ID, ids.device_id);
  pci.set8(c, PCI_REVISION_ID, ids.revision);
  pci.set16(c, PCI_CLASS_DEVICE, ids.class_id);
  const sv = ids.subsystem_vendor_id ?? 0;
  const sd = ids.subsystem_id ?? 0;
  pci.set16(c, PCI_SUBSYSTEM_VENDOR_ID, sv || sd ? sv : PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
  pci.set16(c, PCI_SUBSYSTEM_ID, sv || sd ? sd : PCI_SUBDEVICE_ID_QEMU);
  // pci_init_cmask
  pci.set16(d.cmask, PCI_VENDOR_ID, 0xffff);
  pci.set16(d.cmask, PCI_DEVICE_ID, 0xffff);
  d.cmask[PCI_STATUS] = PCI_STATUS_CAP_LIST;
  d.cmask[PCI_REVISION_ID] = 0xff;
  d.cmask[PCI_CLASS_PROG] = 0xff;
  pci.set16(d.cmask, PCI_CLASS_DEVICE, 0xffff);
  d.cmask[PCI_HEADER_TYPE] = 0xff;
  d.cmask[PCI_CAPABILITY_LIST] = 0xff;
  // pci_init_wmask
  d.wmask[PCI_CACHE_LINE_SIZE] = 0xff;
  d.wmask[PCI_INTERRUPT_LINE] = 0xff;
  pci.set16(d.wmask, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_SERR);
  d.wmask.fill(0xff, PCI_CONFIG_HEADER_SIZE, d.size);
  // pci_init_w1cmask
  pci.set16(
    d.w1cmask,
    PCI_STATUS,
    PCI_STATUS_PARITY |
      PCI_STATUS_SIG_TARGET_ABORT |
      PCI_STATUS_REC_TARGET_ABORT |
      PCI_STATUS_REC_MASTER_ABORT |
      PCI_STATUS_SIG_SYSTEM_ERROR |
      PCI_STATUS_DETECTED_PARITY,
  );
  return d;
}

function pci_bar(region: number): number {
  return region === PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + region * 4;
}

/** pci_register_bar: the type bits go into config, the size decides the writable address bits; the whole BAR is checked. */
export function pci_register_bar(d: PciConfigSpace, region: number, type: number, size: number): void {
  if (size <= 0 || (size & (size - 1)) !== 0) throw new Error(`BAR ${region}: size ${size} is not a power of two`);
  const addr = pci_bar(region);
  let wmask = -BigInt(size); // ~(size - 1)
  if (region === PCI_ROM_SLOT) wmask |= BigInt(PCI_ROM_ADDRESS_ENABLE);
  pci.set32(d.config, addr, type);
  if (!(type & PCI_BASE_ADDRESS_SPACE_IO) && type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
    pci.set64(d.wmask, addr, wmask);
    pci.set64(d.cmask, addr, -1n);
  } else {
    pci.set32(d.wmask, addr, Number(wmask & 0xffffffffn));
    pci.set32(d.cmask, addr, 0xffffffff);
  }
}

/** pow2ceil */
export function pow2ceil(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** pci_add_option_rom with a ROM BAR: the BAR's size is the ROM file's size rounded up to a power of two. */
export function pci_add_option_rom(d: PciConfigSpace, romBar: boolean, romFileSize: number): void {
  if (!romBar || romFileSize <= 0) return;
  pci_register_bar(d, PCI_ROM_SLOT, 0, pow2ceil(romFileSize));
}

/** pci_find_space: the first free run of `size` bytes after the header. */
function pci_find_space(d: PciConfigSpace, size: number): number {
  let offset = PCI_CONFIG_HEADER_SIZE;
  for (let i = PCI_CONFIG_HEADER_SIZE; i < PCI_CONFIG_SPACE_SIZE; i++) {
    if (d.used[i]) offset = i + 1;
    else if (i - offset + 1 === size) return offset;
  }
  return 0;
}

/** pci_add_capability: linked at the head of the list, read-only and checked by default. */
export function pci_add_capability(d: PciConfigSpace, capId: number, offset: number, size: number): number {
  if (!offset) {
    offset = pci_find_space(d, size);
    if (!offset) throw new Error(`no room for a ${size}-byte capability 0x${capId.toString(16)}`);
  }
  d.config[offset] = capId;
  d.config[offset + PCI_CAP_LIST_NEXT] = d.config[PCI_CAPABILITY_LIST]!;
  d.config[PCI_CAPABILITY_LIST] = offset;
  d.config[PCI_STATUS]! |= PCI_STATUS_CAP_LIST;
  d.used.fill(0xff, offset, offset + ((size + 3) & ~3));
  d.wmask.fill(0, offset, offset + size);
  d.cmask.fill(0xff, offset, offset + size);
  return offset;
}

/** pcie_add_capability: an extended capability header (id, version, next) chained from 0x100. */
export function pcie_add_capability(d: PciConfigSpace, capId: number, capVer: number, offset: number, size: number): void {
  const PCI_CONFIG_SPACE_END = PCI_CONFIG_SPACE_SIZE;
  const header = (id: number, ver: number, next: number) => ((id & 0xffff) | ((ver & 0xf) << 16) | ((next & 0xfff) << 20)) >>> 0;
  if (offset === PCI_CONFIG_SPACE_END) {
    // the first extended capability
  } else {
    // link it after the last one in the chain
    let prev = PCI_CONFIG_SPACE_END;
    for (;;) {
      const h = pci.get32(d.config, prev);
      const next = h >>> 20;
      if (!next) break;
      prev = next;
    }
    const h = pci.get32(d.config, prev);
    pci.set32(d.config, prev, ((h & 0x000fffff) | (offset << 20)) >>> 0);
  }
  pci.set32(d.config, offset, header(capId, capVer, 0));
  d.wmask.fill(0, offset, offset + size);
  d.w1cmask.fill(0, offset, offset + size);
  d.cmask.fill(0xff, offset, offset + size);
}

/* ---------------- the PCIDevice VMSD ---------------- */

/** How a device builds its config space from its properties (memoised per property set). */
export type PciLayout = (props: Props) => PciConfigSpace;

export function pciLayout(build: (props: Props) => PciConfigSpace): PciLayout {
  const cache = new WeakMap<Props, PciConfigSpace>();
  return (props) => {
    let d = cache.get(props);
    if (!d) cache.set(props, (d = build(props)));
    return d;
  };
}

/** The model's PCIDevice: what vmstate_pci_device and vmstate_msix carry. */
export interface PciDeviceState extends State {
  /** PCIDevice.version_id: 2, the version this binary loads PCIDevice at. */
  version_id: number;
  config: Uint8Array;
  /** PCIDevice.irq_state: one bit per INTx pin. */
  irq_state: number;
  /** MSI-X table (16 bytes a vector) and pending bits, when the device has MSI-X. */
  msix_table?: Uint8Array;
  msix_pba?: Uint8Array;
}

export const PCI_DEVICE_VERSION = 2;

/** The state of a freshly realized device: its built config, no interrupt, MSI-X vectors masked. */
export function pciDeviceReset(d: PciConfigSpace): PciDeviceState {
  const s: PciDeviceState = { version_id: PCI_DEVICE_VERSION, config: d.config.slice(), irq_state: 0 };
  if (d.msix_entries_nr) {
    s.msix_table = msixResetTable(d.msix_entries_nr);
    s.msix_pba = new Uint8Array((d.msix_entries_nr + 7) >> 3);
  }
  return s;
}

export const PCI_MSIX_ENTRY_SIZE = 16;
export const PCI_MSIX_ENTRY_VECTOR_CTRL = 12;
export const PCI_MSIX_ENTRY_CTRL_MASKBIT = 1;

/** msix_reset / msix_init: every vector masked, nothing else set. */
export function msixResetTable(n: number): Uint8Array {
  const t = new Uint8Array(n * PCI_MSIX_ENTRY_SIZE);
  for (let v = 0; v < n; v++) t[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
  return t;
}

/** The first config byte QEMU's load check rejects, or -1: (read ^ device) & cmask & ~wmask & ~w1cmask. */
export function pciConfigMismatch(d: PciConfigSpace, local: Uint8Array, incoming: Uint8Array): number {
  for (let i = 0; i < d.size; i++) {
    if ((incoming[i]! ^ local[i]!) & d.cmask[i]! & ~d.wmask[i]! & ~d.w1cmask[i]!) return i;
  }
  return -1;
}

/** The `pci config` codec, with the layout it checks against. */
export interface PciConfigInfo extends VMStateInfo {
  layout: PciLayout;
}

function configInfo(layout: PciLayout): PciConfigInfo {
  return {
    name: 'pci config',
    layout,
    put(w: Writer, v: unknown, el: ElementCtx) {
      const d = layout(el.ctx.props);
      const b = v as Uint8Array;
      if (!(b instanceof Uint8Array) || b.length !== d.size) {
        throw new VmError({ kind: 'bad-state', message: `${el.vmsd.name}:config: expected ${d.size} bytes of config space, found ${b instanceof Uint8Array ? b.length : typeof b}` });
      }
      w.bytes(b);
    },
    get(r: Reader, current: unknown, el: ElementCtx) {
      const d = layout(el.ctx.props);
      const at = r.offset;
      const incoming = r.bytes(d.size, 'PCI config space');
      const local = (current as Uint8Array | undefined) ?? d.config;
      const i = pciConfigMismatch(d, local, incoming);
      if (i >= 0) {
        const h = (x: number) => x.toString(16);
        const line = `get_pci_config_device: Bad config data: i=0x${h(i)} read: ${h(incoming[i]!)} device: ${h(local[i]!)} cmask: ${h(d.cmask[i]!)} wmask: ${h(d.wmask[i]!)} w1cmask:${h(d.w1cmask[i]!)}`;
        throw new VmError({
          kind: 'post-load-failed',
          message: `${el.vmsd.name}:config: config byte ${hex(i, 2)} is ${hex(incoming[i]!, 2)} in the stream but ${hex(local[i]!, 2)} on the destination, in bits it checks and the guest cannot write (cmask ${hex(d.cmask[i]!, 2)}, wmask ${hex(d.wmask[i]!, 2)}, w1cmask ${hex(d.w1cmask[i]!, 2)})`,
          offset: at + i,
          errno: EINVAL,
          qemu: [line],
        });
      }
      return incoming;
    },
  };
}

const PCI_NUM_PINS = 4;

const vmstate_info_pci_irq_state: VMStateInfo = {
  name: 'pci irq state',
  put(w: Writer, v: unknown) {
    const bits = Number(v ?? 0);
    for (let i = 0; i < PCI_NUM_PINS; i++) w.u32((bits >> i) & 1);
  },
  get(r: Reader, _current: unknown, el: ElementCtx) {
    let bits = 0;
    for (let i = 0; i < PCI_NUM_PINS; i++) {
      const at = r.offset;
      const s = r.u32('pci irq state');
      if (s !== 0 && s !== 1) {
        throw new VmError({
          kind: 'post-load-failed',
          message: `${el.vmsd.name}:irq_state: pin ${i} is ${s}; it must be 0 or 1`,
          offset: at,
          errno: EINVAL,
          qemu: [`irq state ${s}: must be 0 or 1.`],
        });
      }
      bits |= s << i;
    }
    return bits;
  },
};

const pciVmsdCache = new WeakMap<PciLayout, VMStateDescription>();

/** vmstate_pci_device for a device whose config space `layout` builds. */
export function vmstate_pci_device(layout: PciLayout): VMStateDescription {
  const known = pciVmsdCache.get(layout);
  if (known) return known;
  const info = configInfo(layout);
  const express = (_s: State, _v: number, ctx: VmCtx) => layout(ctx.props).express;
  const config = (test: (s: State, v: number, ctx: VmCtx) => boolean, size: number): VMStateField =>
    field('config', { info, flags: F.VMS_BUFFER, size, field_exists: test });
  const vmsd: VMStateDescription = {
    name: 'PCIDevice',
    version_id: 2,
    minimum_version_id: 1,
    fields: [
      VMSTATE_INT32_POSITIVE_LE('version_id'),
      config((s, v, ctx) => !express(s, v, ctx), PCI_CONFIG_SPACE_SIZE),
      config(express, PCIE_CONFIG_SPACE_SIZE),
      field('irq_state', { info: vmstate_info_pci_irq_state, flags: F.VMS_BUFFER, size: PCI_NUM_PINS * 4, version_id: 2 }),
    ],
  };
  pciVmsdCache.set(layout, vmsd);
  return vmsd;
}

/** VMSTATE_PCI_DEVICE(name, …) — also what VMSTATE_PCI_DEVICE over a PCIe device is. */
export const VMSTATE_PCI_DEVICE = (name: string, layout: PciLayout): VMStateField => VMSTATE_STRUCT(name, 0, vmstate_pci_device(layout));

/** pci_update_irq_status: the status register's interrupt bit mirrors irq_state. */
export function pciUpdateIrqStatus(s: PciDeviceState): void {
  if (s.irq_state) s.config[PCI_STATUS]! |= PCI_STATUS_INTERRUPT;
  else s.config[PCI_STATUS]! &= ~PCI_STATUS_INTERRUPT;
}

export interface PciSlotOptions {
  /** PCI slot on bus 0; the section idstr is `0000:00:<slot>.0/<vmsd name>`. */
  slot?: number;
  /** The release the model stands for, where a PCIDevice property changed (`rombar`); default 7.2.0. */
  release?: string;
}

/** The qdev path QEMU prefixes a PCI device's section with. */
export function pciIdstr(slot: number, vmsdName: string, fn = 0): string {
  return `0000:00:${slot.toString(16).padStart(2, '0')}.${fn}/${vmsdName}`;
}
