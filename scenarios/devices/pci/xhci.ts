/**
 * qemu-xhci (hw/usb/hcd-xhci.c, hcd-xhci-pci.c), the same VMSD in every
 * release from 7.2.0 to 10.0.0.
 *
 * VMSD `xhci` version 1: the PCIDevice (a 4 KiB config space on any bus),
 * its MSI-X (one vector per interrupter) and the controller `xhci-core`
 * (version 1): the port status registers, each slot's enabled/addressed
 * flags, every interrupter's registers and event-ring state (the overflow
 * event queue is gated by a test that is always false since the event
 * ring lost its "full" state), the operational registers, the
 * microframe-index base and wrap timer, the command ring.
 *
 * post_load re-reads every addressed slot's context from guest memory and
 * re-creates its endpoints; the model has no guest memory, so its states
 * keep slots unaddressed. The PCI wrapper's post_load re-marks the MSI-X
 * vectors in use. Nothing is rejected.
 *
 * Config space: 1b36:000d revision 1, class 0c0330, BAR0 16 KiB 64-bit
 * memory (registers, MSI-X table at 0x3000, PBA at 0x3800), INTA, the
 * release number at 0x60, MSI-X at 0x90 and — on a PCI Express bus only —
 * the PCI Express capability (v2) at 0xa0.
 */
import type { DeviceClass } from '../../../src/machine/types.js';
import type { Reader } from '../../../src/wire/reader.js';
import type { Writer } from '../../../src/wire/writer.js';
import type { ElementCtx, Props, State, VMStateDescription, VMStateInfo } from '../../../src/vmstate/types.js';
import {
  VMSTATE_BOOL,
  VMSTATE_INT64,
  VMSTATE_STRUCT,
  VMSTATE_STRUCT_VARRAY_UINT32,
  VMSTATE_TIMER_PTR,
  VMSTATE_UINT32,
  VMSTATE_UINT32_TEST,
  VMSTATE_UINT64,
  VMSTATE_UINT8,
  field,
} from '../../../src/vmstate/dsl.js';
import { VMSTATE_MSIX, msix_init } from '../../common/msix.js';
import {
  PCI_BASE_ADDRESS_MEM_TYPE_64,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_CLASS_PROG,
  PCI_INTERRUPT_PIN,
  VMSTATE_PCI_DEVICE,
  pciDeviceReset,
  pciIdstr,
  pciLayout,
  pci_register_bar,
  pci_register_device,
  type PciSlotOptions,
} from '../../common/pci.js';
import { onExpressRootBus, pcieProps, pcie_endpoint_cap_init } from '../../common/pcie.js';

export const XHCI_LEN_REGS = 0x4000;
const OFF_MSIX_TABLE = 0x3000;
const OFF_MSIX_PBA = 0x3800;
/** EV_QUEUE: the event queue the interrupter kept while its ring was full (MAXSLOTS × (3 × 24 + 16)). */
const EV_QUEUE = (3 * 24 + 16) * 64;

export const xhciLayout = pciLayout((p) => {
  const d = pci_register_device({ vendor_id: 0x1b36, device_id: 0x000d, revision: 0x01, class_id: 0x0c03 }, true);
  d.config[PCI_CLASS_PROG] = 0x30;
  d.config[PCI_INTERRUPT_PIN] = 0x01;
  d.config[0x60] = 0x30; // serial bus release number
  pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64, XHCI_LEN_REGS);
  // pci_bus_is_express: a conventional bus (i440fx) gets no PCI Express capability
  if (onExpressRootBus(p)) pcie_endpoint_cap_init(d, 0xa0, 2, p);
  msix_init(d, Number(p.intrs), 0, OFF_MSIX_TABLE, 0, OFF_MSIX_PBA, 0x90);
  return d;
});

const vmstate_xhci_ring: VMStateDescription = { name: 'xhci-ring', version_id: 1, fields: [VMSTATE_UINT64('dequeue'), VMSTATE_BOOL('ccs')] };
const vmstate_xhci_port: VMStateDescription = { name: 'xhci-port', version_id: 1, fields: [VMSTATE_UINT32('portsc')] };
const vmstate_xhci_slot: VMStateDescription = { name: 'xhci-slot', version_id: 1, fields: [VMSTATE_BOOL('enabled'), VMSTATE_BOOL('addressed')] };
const vmstate_xhci_event: VMStateDescription = {
  name: 'xhci-event',
  version_id: 1,
  fields: [VMSTATE_UINT32('type'), VMSTATE_UINT32('ccode'), VMSTATE_UINT64('ptr'), VMSTATE_UINT32('length'), VMSTATE_UINT32('flags'), VMSTATE_UINT8('slotid'), VMSTATE_UINT8('epid')],
};

/** xhci_er_full: the event ring is never "full" any more, so the queue never travels. */
const xhci_er_full = () => false;

/**
 * VMSTATE_STRUCT_ARRAY_TEST(ev_buffer, …, EV_QUEUE, xhci_er_full, 1,
 * vmstate_xhci_event): 5632 events per interrupter that never travel. A
 * codec of its own (the elements saved through the event VMSD) so that
 * state generation does not build 90,000 of them for nothing.
 */
const vmstate_info_ev_buffer: VMStateInfo = {
  name: 'xhci-event array',
  nested: [vmstate_xhci_event],
  put(w: Writer, v: unknown, el: ElementCtx) {
    const events = (v as State[] | undefined) ?? [];
    for (let i = 0; i < EV_QUEUE; i++) el.ctx.saveNested(w, vmstate_xhci_event, events[i] ?? {}, 1, [...el.at, i]);
  },
  get(r: Reader, _current: unknown, el: ElementCtx) {
    const events: State[] = [];
    for (let i = 0; i < EV_QUEUE; i++) {
      const e: State = {};
      el.ctx.loadNested(r, vmstate_xhci_event, e, 1, [...el.at, i]);
      events.push(e);
    }
    return events;
  },
};
const VMSTATE_EV_BUFFER = field('ev_buffer', { info: vmstate_info_ev_buffer, version_id: 1, field_exists: xhci_er_full });

const vmstate_xhci_intr: VMStateDescription = {
  name: 'xhci-intr',
  version_id: 1,
  fields: [
    VMSTATE_UINT32('iman'),
    VMSTATE_UINT32('imod'),
    VMSTATE_UINT32('erstsz'),
    VMSTATE_UINT32('erstba_low'),
    VMSTATE_UINT32('erstba_high'),
    VMSTATE_UINT32('erdp_low'),
    VMSTATE_UINT32('erdp_high'),
    VMSTATE_BOOL('msix_used'),
    VMSTATE_BOOL('er_pcs'),
    VMSTATE_UINT64('er_start'),
    VMSTATE_UINT32('er_size'),
    VMSTATE_UINT32('er_ep_idx'),
    VMSTATE_BOOL('er_full_unused'),
    VMSTATE_UINT32_TEST('ev_buffer_put', xhci_er_full),
    VMSTATE_UINT32_TEST('ev_buffer_get', xhci_er_full),
    VMSTATE_EV_BUFFER,
  ],
};

export const vmstate_xhci_core: VMStateDescription = {
  name: 'xhci-core',
  version_id: 1,
  fields: [
    VMSTATE_STRUCT_VARRAY_UINT32('ports', 'numports', 1, vmstate_xhci_port),
    VMSTATE_STRUCT_VARRAY_UINT32('slots', 'numslots', 1, vmstate_xhci_slot),
    VMSTATE_STRUCT_VARRAY_UINT32('intr', 'numintrs', 1, vmstate_xhci_intr),
    VMSTATE_UINT32('usbcmd'),
    VMSTATE_UINT32('usbsts'),
    VMSTATE_UINT32('dnctrl'),
    VMSTATE_UINT32('crcr_low'),
    VMSTATE_UINT32('crcr_high'),
    VMSTATE_UINT32('dcbaap_low'),
    VMSTATE_UINT32('dcbaap_high'),
    VMSTATE_UINT32('config'),
    VMSTATE_INT64('mfindex_start'),
    VMSTATE_TIMER_PTR('mfwrap_timer'),
    VMSTATE_STRUCT('cmd_ring', 1, vmstate_xhci_ring),
  ],
};

export const vmstate_xhci_pci: VMStateDescription = {
  name: 'xhci',
  version_id: 1,
  fields: [VMSTATE_PCI_DEVICE('parent_obj', xhciLayout), VMSTATE_MSIX('parent_obj'), VMSTATE_STRUCT('xhci', 1, vmstate_xhci_core)],
};

/** xhci_reset with nothing plugged in: ports powered and detecting, controller halted, event rings at cycle 1. */
export function xhciCoreReset(p: Props): State {
  const numports = Number(p.p2) + Number(p.p3);
  return {
    numports,
    numslots: Number(p.slots),
    numintrs: Number(p.intrs),
    ports: Array.from({ length: numports }, () => ({ portsc: 0x000202a0 })),
    slots: Array.from({ length: Number(p.slots) }, () => ({ enabled: false, addressed: false })),
    intr: Array.from({ length: Number(p.intrs) }, () => ({
      iman: 0,
      imod: 0,
      erstsz: 0,
      erstba_low: 0,
      erstba_high: 0,
      erdp_low: 0,
      erdp_high: 0,
      msix_used: false,
      er_pcs: true,
      er_start: 0n,
      er_size: 0,
      er_ep_idx: 0,
      er_full_unused: false,
      ev_buffer_put: 0,
      ev_buffer_get: 0,
      ev_buffer: [],
    })),
    usbcmd: 0,
    usbsts: 1, // halted
    dnctrl: 0,
    crcr_low: 0,
    crcr_high: 0,
    dcbaap_low: 0,
    dcbaap_high: 0,
    config: 0,
    mfindex_start: 0n,
    mfwrap_timer: -1n,
    cmd_ring: { dequeue: 0n, ccs: false },
  };
}

export function qemuXhci(release: string, opts: PciSlotOptions = {}): DeviceClass {
  const [a, b] = release.split('.').map(Number) as [number, number];
  return {
    name: 'qemu-xhci',
    type: 'qemu-xhci',
    parents: ['pci-xhci', 'pci-device', 'device'],
    props: {
      ...pcieProps({ errUncMask: false, extTag: a * 100 + b >= 902 }),
      p2: { type: 'uint32', default: 4 },
      p3: { type: 'uint32', default: 4 },
      intrs: { type: 'uint32', default: 16 },
      slots: { type: 'uint32', default: 64 },
    },
    vmsd: vmstate_xhci_pci,
    idstr: pciIdstr(opts.slot ?? 0x0c, 'xhci'),
    instanceId: 0,
    reset(p) {
      return { parent_obj: pciDeviceReset(xhciLayout(p)), xhci: xhciCoreReset(p) };
    },
  };
}
