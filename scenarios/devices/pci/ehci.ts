/**
 * EHCI on PCI (hw/usb/hcd-ehci-pci.c, hcd-ehci.c): `usb-ehci` (the ICH4
 * EHCI, 8086:24cd revision 0x10) and `ich9-usb-ehci1` (8086:293a revision
 * 3) share one VMSD and differ only in their ids. The same in every
 * release from 7.2.0 to 10.0.0.
 *
 * VMSD `ehci` version 2 (minimum 1): the PCIDevice (`pcidev`), then the
 * controller as the nested VMSD `ehci-core` (version 2, minimum 1; the
 * field itself from version 2): command/status/interrupt registers
 * (usbsts_pending and usbsts_frindex from version 2), frame index, list
 * addresses, configflag, six port status registers, the frame timer, the
 * time of the last run and the schedule state machines.
 *
 * pre_save rounds frindex down to a multiple of 8 and moves last_run_ns
 * back by the micro-frames dropped (125 µs each); post_load only re-routes
 * companion ports. Nothing is rejected.
 *
 * Config space: class 0c0320, BAR0 4 KiB memory, INTD, the serial bus
 * release number and frame length adjustment at 0x60, the legacy-support
 * extended capability at 0x68 (all of it guest-writable: no capabilities).
 */
import type { DeviceClass } from '../../../src/machine/types.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import { VMSTATE_STRUCT, VMSTATE_TIMER_PTR, VMSTATE_UINT32, VMSTATE_UINT32_V, VMSTATE_UINT64 } from '../../../src/vmstate/dsl.js';
import {
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_CLASS_PROG,
  PCI_INTERRUPT_PIN,
  VMSTATE_PCI_DEVICE,
  pciDeviceReset,
  pciIdstr,
  pciLayout,
  pci_register_bar,
  pci_register_device,
  type PciLayout,
  type PciSlotOptions,
} from '../../common/pci.js';

export const NB_PORTS = 6;
export const UFRAME_TIMER_NS = 125000n;
const EST_INACTIVE = 1000;

export const vmstate_ehci: VMStateDescription = {
  name: 'ehci-core',
  version_id: 2,
  minimum_version_id: 1,
  pre_save(s) {
    // round frindex down to a multiple of 8 for migration compatibility
    const frindex = Number(s.frindex) >>> 0;
    const rounded = (frindex & ~7) >>> 0;
    s.last_run_ns = BigInt.asUintN(64, BigInt(s.last_run_ns as bigint) - BigInt(frindex - rounded) * UFRAME_TIMER_NS);
    s.frindex = rounded;
  },
  fields: [
    VMSTATE_UINT32('usbcmd'),
    VMSTATE_UINT32('usbsts'),
    VMSTATE_UINT32_V('usbsts_pending', 2),
    VMSTATE_UINT32_V('usbsts_frindex', 2),
    VMSTATE_UINT32('usbintr'),
    VMSTATE_UINT32('frindex'),
    VMSTATE_UINT32('ctrldssegment'),
    VMSTATE_UINT32('periodiclistbase'),
    VMSTATE_UINT32('asynclistaddr'),
    VMSTATE_UINT32('configflag'),
    ...Array.from({ length: NB_PORTS }, (_, i) => VMSTATE_UINT32(`portsc[${i}]`)),
    VMSTATE_TIMER_PTR('frame_timer'),
    VMSTATE_UINT64('last_run_ns'),
    VMSTATE_UINT32('async_stepdown'),
    VMSTATE_UINT32('astate'),
    VMSTATE_UINT32('pstate'),
    VMSTATE_UINT32('a_fetch_addr'),
    VMSTATE_UINT32('p_fetch_addr'),
  ],
};

function ehciLayout(device: number, revision: number): PciLayout {
  return pciLayout(() => {
    const d = pci_register_device({ vendor_id: 0x8086, device_id: device, revision, class_id: 0x0c03 }, false);
    const c = d.config;
    c[PCI_CLASS_PROG] = 0x20;
    c[PCI_INTERRUPT_PIN] = 4; // INTD
    c[0x60] = 0x20; // serial bus release number
    c[0x61] = 0x20; // frame length adjustment
    c[0x68] = 0x01; // USB legacy support extended capability
    c[0x6f] = 0xc0; // USBLEGCTLSTS
    pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, 0x1000);
    return d;
  });
}

export function vmstate_ehci_pci(layout: PciLayout): VMStateDescription {
  return {
    name: 'ehci',
    version_id: 2,
    minimum_version_id: 1,
    fields: [VMSTATE_PCI_DEVICE('pcidev', layout), VMSTATE_STRUCT('ehci', 2, vmstate_ehci)],
  };
}

/** usb_ehci_reset with no device attached: halted, ports powered, both schedules inactive. */
export function ehciCoreReset(): State {
  const s: State = {
    usbcmd: 0x00080000, // interrupt threshold 8 micro-frames
    usbsts: 0x00001000, // halted
    usbsts_pending: 0,
    usbsts_frindex: 0,
    usbintr: 0,
    frindex: 0,
    ctrldssegment: 0,
    periodiclistbase: 0,
    asynclistaddr: 0,
    configflag: 0,
    frame_timer: -1n,
    last_run_ns: 0n,
    async_stepdown: 0,
    astate: EST_INACTIVE,
    pstate: EST_INACTIVE,
    a_fetch_addr: 0,
    p_fetch_addr: 0,
  };
  for (let i = 0; i < NB_PORTS; i++) s[`portsc[${i}]`] = 0x1000; // port power
  return s;
}

const VARIANTS = {
  'usb-ehci': { device: 0x24cd, revision: 0x10, parents: ['pci-ehci-usb', 'pci-device', 'device'] },
  'ich9-usb-ehci1': { device: 0x293a, revision: 0x03, parents: ['pci-ehci-usb', 'pci-device', 'device'] },
} as const;

export type EhciType = keyof typeof VARIANTS;

/** Each type's config space (ids only differ). */
export const ehciLayouts: Record<EhciType, PciLayout> = {
  'usb-ehci': ehciLayout(VARIANTS['usb-ehci'].device, VARIANTS['usb-ehci'].revision),
  'ich9-usb-ehci1': ehciLayout(VARIANTS['ich9-usb-ehci1'].device, VARIANTS['ich9-usb-ehci1'].revision),
};

export function ehci(type: EhciType, opts: PciSlotOptions = {}): DeviceClass {
  const v = VARIANTS[type];
  const layout = ehciLayouts[type];
  return {
    name: type,
    type,
    parents: [...v.parents],
    props: {},
    vmsd: vmstate_ehci_pci(layout),
    idstr: pciIdstr(opts.slot ?? 0x0b, 'ehci'),
    instanceId: 0,
    reset(p) {
      return { pcidev: pciDeviceReset(layout(p)), ehci: ehciCoreReset() };
    },
  };
}
