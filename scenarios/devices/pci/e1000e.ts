/**
 * e1000e (hw/net/e1000e.c, e1000e_core.c): the 82574L, a PCI Express
 * endpoint.
 *
 * VMSD `e1000e` version 1: the PCIDevice (4 KiB config space), its MSI-X
 * (five vectors), the I/O address latch, the receive buffer setup, EEPROM,
 * seven PHY pages, the 128 KiB register file, the permanent MAC, the
 * subsystem ids (which post_load requires to equal the destination's own
 * properties, else -1: "Cannot migrate while device properties
 * (subsys/subsys_ven) differ"), the interrupt-delay timers and their
 * running flags, the guest-written (E)ITR values, the VLAN ethertype, two
 * TX contexts.
 *
 * Releases differ (the e1000e rework in 8.0, "e1000e: Remove pending
 * interrupt flags" and "e1000e: Add timadj migration"):
 *   7.2.0   core.itr_intr_pending (bool) and core.eitr_intr_pending[5]
 *   8.0.0+  the same 6 bytes as unused; core.timadj (int64) appended,
 *           present while the `migrate-timadj` property is on (it is off
 *           at 7.2 and older machine types: hw_compat_7_2)
 * 8.0's rework also reset the PHY's auto-negotiation expansion register to
 * 0x0005 where 7.2 has 0x0004 (seen in the real binaries' streams).
 * A 7.2.0 state whose pending flags are set loses them through any later
 * release (they duplicate the timers' running flags; QEMU dropped them on
 * purpose).
 *
 * Config space: 8086:10d3, class 0200, subsystem 8086:0000 (the
 * `subsys_ven` / `subsys` properties), BAR0 and BAR1 128 KiB memory, BAR2
 * 32 bytes I/O, BAR3 16 KiB memory for MSI-X, the option ROM, INTA;
 * capabilities PM (0xc8), MSI (0xd0, one 64-bit vector), PCI Express v1
 * (0xe0), MSI-X (0xa0); AER at 0x100 and the device serial number (from
 * the MAC) at 0x140.
 */
import type { DeviceClass } from '../../../src/machine/types.js';
import type { Props, State, VMStateDescription } from '../../../src/vmstate/types.js';
import {
  VMSTATE_BOOL,
  VMSTATE_BOOL_ARRAY,
  VMSTATE_INT64_TEST,
  VMSTATE_INT8,
  VMSTATE_STRUCT,
  VMSTATE_STRUCT_ARRAY,
  VMSTATE_TIMER_PTR,
  VMSTATE_UINT16,
  VMSTATE_UINT16_ARRAY,
  VMSTATE_UINT32,
  VMSTATE_UINT32_ARRAY,
  VMSTATE_UINT8,
  VMSTATE_UINT8_ARRAY,
  VMSTATE_UNUSED,
} from '../../../src/vmstate/dsl.js';
import { VMSTATE_MSIX, msix_init } from '../../common/msix.js';
import { VMSTATE_UINT32_ARRAY_ALIASED } from '../../common/elem.js';
import { msi_init } from '../../common/msi.js';
import { macBytes, nicOptionRom, nicProps } from '../../common/nic.js';
import {
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_INTERRUPT_PIN,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  VMSTATE_PCI_DEVICE,
  pci,
  pciDeviceReset,
  pciIdstr,
  pciLayout,
  pci_register_bar,
  pci_register_device,
  type PciConfigSpace,
  type PciLayout,
  type PciSlotOptions,
} from '../../common/pci.js';
import { pcieProps, pcie_aer_init, pcie_dev_ser_num_init, pcie_endpoint_cap_init, pm_capability, uncMaskMode, type UncMaskMode } from '../../common/pcie.js';

export type E1000eVariant = '7.2' | '8.0';

export const E1000E_MSIX_VEC_NUM = 5;
export const E1000E_NUM_QUEUES = 2;
export const E1000E_MAC_SIZE = 0x8000;
export const E1000E_PHY_SIZE = 7 * 0x20;

export function e1000eVariant(release: string): E1000eVariant {
  const [a] = release.split('.').map(Number) as [number];
  return a >= 8 ? '8.0' : '7.2';
}

/** e1000e_gen_dsn: the serial number from the MAC with ff:ff in the middle. */
export function e1000eDsn(mac: number[]): bigint {
  const b = (x: number, shift: number) => BigInt(x) << BigInt(shift);
  return b(mac[5]!, 0) | b(mac[4]!, 8) | b(mac[3]!, 16) | b(0xff, 24) | b(0xff, 32) | b(mac[2]!, 40) | b(mac[1]!, 48) | b(mac[0]!, 56);
}

function buildLayout(p: Props, uncMask: UncMaskMode): PciConfigSpace {
  const d = pci_register_device({ vendor_id: 0x8086, device_id: 0x10d3, revision: 0, class_id: 0x0200 }, true);
  const c = d.config;
  c[PCI_INTERRUPT_PIN] = 1;
  pci.set16(c, PCI_SUBSYSTEM_VENDOR_ID, Number(p.subsys_ven));
  pci.set16(c, PCI_SUBSYSTEM_ID, Number(p.subsys));
  pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, 0x20000);
  pci_register_bar(d, 1, PCI_BASE_ADDRESS_SPACE_MEMORY, 0x20000);
  pci_register_bar(d, 2, PCI_BASE_ADDRESS_SPACE_IO, 0x20);
  pci_register_bar(d, 3, PCI_BASE_ADDRESS_SPACE_MEMORY, 0x4000);
  msix_init(d, E1000E_MSIX_VEC_NUM, 3, 0x0000, 3, 0x2000, 0xa0);
  pcie_endpoint_cap_init(d, 0xe0, 1, p);
  msi_init(d, 0xd0, 1, true, false);
  pm_capability(d, 0xc8, 0x0020); // D3cold not supported, device-specific initialisation
  pcie_aer_init(d, 0x100, 0x48, p, uncMask);
  pcie_dev_ser_num_init(d, 0x140, e1000eDsn(macBytes(p)));
  nicOptionRom(d, p);
  return d;
}

const layouts = new Map<UncMaskMode, PciLayout>();

/** e1000e's config space for the release's AER mask behaviour (uncMaskMode). */
export function e1000eLayout(uncMask: UncMaskMode): PciLayout {
  let l = layouts.get(uncMask);
  if (!l) layouts.set(uncMask, (l = pciLayout((p) => buildLayout(p, uncMask))));
  return l;
}

const vmstate_e1000e_intr_timer: VMStateDescription = {
  name: 'e1000e-intr-timer',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_TIMER_PTR('timer'), VMSTATE_BOOL('running')],
};

const vmstate_e1000e_tx: VMStateDescription = {
  name: 'e1000e-tx',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_UINT8('sum_needed'),
    VMSTATE_UINT8('props.ipcss'),
    VMSTATE_UINT8('props.ipcso'),
    VMSTATE_UINT16('props.ipcse'),
    VMSTATE_UINT8('props.tucss'),
    VMSTATE_UINT8('props.tucso'),
    VMSTATE_UINT16('props.tucse'),
    VMSTATE_UINT8('props.hdr_len'),
    VMSTATE_UINT16('props.mss'),
    VMSTATE_UINT32('props.paylen'),
    VMSTATE_INT8('props.ip'),
    VMSTATE_INT8('props.tcp'),
    VMSTATE_BOOL('props.tse'),
    VMSTATE_BOOL('cptse'),
    VMSTATE_BOOL('skip_cp'),
  ],
};

const TIMER = (name: string) => VMSTATE_STRUCT(name, 0, vmstate_e1000e_intr_timer);

const vmsds = new Map<string, VMStateDescription>();

export function vmstate_e1000e(variant: E1000eVariant, uncMask: UncMaskMode = 'property'): VMStateDescription {
  const key = `${variant}/${uncMask}`;
  let known = vmsds.get(key);
  if (!known) vmsds.set(key, (known = build(variant, uncMask)));
  return known;
}

function build(variant: E1000eVariant, uncMask: UncMaskMode): VMStateDescription {
  return {
    name: 'e1000e',
    version_id: 1,
    minimum_version_id: 1,
    fields: [
      VMSTATE_PCI_DEVICE('parent_obj', e1000eLayout(uncMask)),
      VMSTATE_MSIX('parent_obj'),
      VMSTATE_UINT32('ioaddr'),
      VMSTATE_UINT32('core.rxbuf_min_shift'),
      VMSTATE_UINT8('core.rx_desc_len'),
      VMSTATE_UINT32_ARRAY('core.rxbuf_sizes', 4),
      VMSTATE_UINT32('core.rx_desc_buf_size'),
      VMSTATE_UINT16_ARRAY('core.eeprom', 64),
      VMSTATE_UINT16_ARRAY('core.phy', E1000E_PHY_SIZE),
      VMSTATE_UINT32_ARRAY_ALIASED('core.mac', E1000E_MAC_SIZE),
      VMSTATE_UINT8_ARRAY('core.permanent_mac', 6),
      VMSTATE_UINT32('core.delayed_causes'),
      VMSTATE_UINT16('subsys'),
      VMSTATE_UINT16('subsys_ven'),
      TIMER('core.rdtr'),
      TIMER('core.radv'),
      TIMER('core.raid'),
      TIMER('core.tadv'),
      TIMER('core.tidv'),
      TIMER('core.itr'),
      variant === '7.2' ? VMSTATE_BOOL('core.itr_intr_pending') : VMSTATE_UNUSED(1),
      VMSTATE_STRUCT_ARRAY('core.eitr', E1000E_MSIX_VEC_NUM, 0, vmstate_e1000e_intr_timer),
      variant === '7.2' ? VMSTATE_BOOL_ARRAY('core.eitr_intr_pending', E1000E_MSIX_VEC_NUM) : VMSTATE_UNUSED(E1000E_MSIX_VEC_NUM),
      VMSTATE_UINT32('core.itr_guest_value'),
      VMSTATE_UINT32_ARRAY('core.eitr_guest_value', E1000E_MSIX_VEC_NUM),
      VMSTATE_UINT16('core.vet'),
      VMSTATE_STRUCT_ARRAY('core.tx', E1000E_NUM_QUEUES, 0, vmstate_e1000e_tx),
      ...(variant === '8.0' ? [VMSTATE_INT64_TEST('core.timadj', (_s, _v, ctx) => ctx.props['migrate-timadj'] !== false)] : []),
    ],
    post_load(s, _v, ctx) {
      if (Number(s.subsys) !== Number(ctx.props.subsys) || Number(s.subsys_ven) !== Number(ctx.props.subsys_ven)) {
        return { errno: -1, message: 'ERROR: Cannot migrate while device properties (subsys/subsys_ven) differ' };
      }
    },
  };
}

/** e1000e_eeprom_template with the MAC in words 0-2 and the checksum in word 63 (e1000x_core_prepare_eeprom). */
const EEPROM: Record<number, number> = {
  3: 0x0420, 4: 0xf746, 5: 0x2010, 6: 0xffff, 7: 0xffff, 10: 0x026b, 11: 0x10d3, 12: 0x8086, 13: 0x10d3, 15: 0x8058, 17: 0x2001,
  18: 0x7e7c, 19: 0xffff, 20: 0x1000, 21: 0x00c8, 23: 0x2704, 24: 0x6cc9, 25: 0x3150, 26: 0x070e, 27: 0x460b, 28: 0x2d84, 29: 0x0100,
  30: 0xf000, 31: 0x0706, 32: 0x6000, 33: 0x0080, 34: 0x0f04, 35: 0x7fff, 36: 0x4f01, 37: 0xc600, 39: 0x20ff, 40: 0x0028, 41: 0x0003,
  45: 0x0003, 47: 0xffff, 48: 0x0100, 49: 0xc000, 50: 0x121c, 51: 0xc007, 52: 0xffff, 53: 0xffff, 54: 0xffff, 55: 0xffff, 56: 0xffff,
  57: 0xffff, 58: 0xffff, 59: 0xffff, 61: 0x0120, 62: 0xffff,
};

export function e1000eEeprom(mac: number[]): number[] {
  const e = Array.from({ length: 64 }, (_, i) => EEPROM[i] ?? 0);
  for (let i = 0; i < 3; i++) e[i] = (mac[2 * i + 1]! << 8) | mac[2 * i]!;
  let sum = 0;
  for (let i = 0; i < 63; i++) sum += e[i]!;
  e[63] = (0xbaba - sum) & 0xffff;
  return e;
}

/** PHY pages 0-6 after e1000e_core_reset with the link up (page 0 registers 0-17, then the 82574's page registers). */
function phyReset(variant: E1000eVariant): number[] {
  const phy = new Array<number>(E1000E_PHY_SIZE).fill(0);
  const set: Record<number, number> = {
    0: 0x1140, 1: 0x794d, 2: 0x0141, 3: 0x0cb1, 4: 0x0de1, 5: 0x07e0, 6: variant === '7.2' ? 0x0004 : 0x0005, 7: 0x2001, 9: 0x0f00,
    10: 0x3c00, 15: 0x3000, 16: 0x3360, 17: 0xac08, 80: 0x0088, 85: 0x1046, 114: 0x4005,
  };
  for (const [i, v] of Object.entries(set)) phy[Number(i)] = v;
  return phy;
}

/** The register file after e1000e_core_reset (mac_reg_init) with the MAC in RA[0]. */
function macRegsReset(mac: number[]): Uint32Array {
  const r = new Uint32Array(E1000E_MAC_SIZE);
  const set: Record<number, number> = {
    0x0: 0x00140241, 0x8: 0x00000202, 0x10: 0x00000300, 0x14: 0x00000002, 0x38: 0x00008100, 0xc4: 0x000001f4, 0xe8: 0x000001f4,
    0xec: 0x000001f4, 0xf0: 0x000001f4, 0xf4: 0x000001f4, 0xf8: 0x000001f4, 0x410: 0x00602008, 0xe00: 0x00068302, 0xf00: 0x00000008,
    0xf10: 0x0000030d, 0x1000: 0x00140014, 0x1008: 0x00000028, 0x1010: 0x80000000, 0x1028: 0x00000002, 0x102c: 0x00000002,
    0x1030: 0xc0000000, 0x1050: 0x00000001, 0x2170: 0x00040402, 0x2828: 0x00010000, 0x2928: 0x00010000, 0x3410: 0x00000600,
    0x3418: 0x00000600, 0x3420: 0x00000600, 0x3428: 0x00000600, 0x3840: 0x00000403, 0x3940: 0x00000403, 0x5000: 0x00000300,
    0x5820: 0x10000000, 0x5b00: 0x06800200, 0x5b30: 0x20000004, 0x5b50: 0x00000001, 0xb634: 0x000088f7, 0xb638: 0x00000319,
  };
  for (const [off, v] of Object.entries(set)) r[Number(off) >> 2] = v;
  r[0x5400 >> 2] = (mac[0]! | (mac[1]! << 8) | (mac[2]! << 16) | (mac[3]! << 24)) >>> 0;
  r[0x5404 >> 2] = (mac[4]! | (mac[5]! << 8) | 0x80000000) >>> 0;
  return r;
}

const timer = () => ({ timer: -1n, running: false });

export function e1000e(variant: E1000eVariant, release: string, opts: PciSlotOptions = {}): DeviceClass {
  const [a, b] = release.split('.').map(Number) as [number, number];
  const v = a * 100 + b;
  const uncMask = uncMaskMode(release);
  const layout = e1000eLayout(uncMask);
  const props: DeviceClass['props'] = {
    ...nicProps('efi-e1000e.rom', release),
    ...pcieProps({ errUncMask: uncMask === 'property', extTag: v >= 902 }),
    subsys_ven: { type: 'uint16', default: 0x8086 },
    subsys: { type: 'uint16', default: 0 },
  };
  if (variant === '8.0') props['migrate-timadj'] = { type: 'bool', default: true };
  return {
    name: 'e1000e',
    type: 'e1000e',
    parents: ['pci-device', 'device'],
    props,
    vmsd: vmstate_e1000e(variant, uncMask),
    idstr: pciIdstr(opts.slot ?? 8, 'e1000e'),
    instanceId: 0,
    reset(p: Props): State {
      const mac = macBytes(p);
      const s: State = {
        parent_obj: pciDeviceReset(layout(p)),
        ioaddr: 0,
        'core.rxbuf_min_shift': 5,
        'core.rx_desc_len': 0,
        'core.rxbuf_sizes': [0, 0, 0, 0],
        'core.rx_desc_buf_size': 0,
        'core.eeprom': e1000eEeprom(mac),
        'core.phy': phyReset(variant),
        'core.mac': macRegsReset(mac),
        'core.permanent_mac': [...mac],
        'core.delayed_causes': 0,
        subsys: Number(p.subsys),
        subsys_ven: Number(p.subsys_ven),
        'core.rdtr': timer(),
        'core.radv': timer(),
        'core.raid': timer(),
        'core.tadv': timer(),
        'core.tidv': timer(),
        'core.itr': timer(),
        'core.eitr': Array.from({ length: E1000E_MSIX_VEC_NUM }, timer),
        'core.itr_guest_value': 0,
        'core.eitr_guest_value': [0, 0, 0, 0, 0],
        'core.vet': 0,
        'core.tx': Array.from({ length: E1000E_NUM_QUEUES }, () => {
          const t: State = { sum_needed: 0, 'props.tse': false, cptse: false, skip_cp: false };
          for (const k of ['ipcss', 'ipcso', 'ipcse', 'tucss', 'tucso', 'tucse', 'hdr_len', 'mss', 'paylen', 'ip', 'tcp']) t[`props.${k}`] = 0;
          return t;
        }),
      };
      if (variant === '7.2') Object.assign(s, { 'core.itr_intr_pending': false, 'core.eitr_intr_pending': [false, false, false, false, false] });
      else s['core.timadj'] = 0n;
      return s;
    },
  };
}
