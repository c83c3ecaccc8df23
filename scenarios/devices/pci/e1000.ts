/**
 * e1000 (hw/net/e1000.c: the 82540EM the `e1000` type is), the same VMSD
 * in every release from 7.2.0 to 10.0.0.
 *
 * VMSD `e1000` version 2 (minimum 1): the PCIDevice; 4 unused bytes only
 * in version 1 streams (was the instance id) and 4 more always (was
 * mmio_base); the receive buffer and EEPROM-interface state; the TX
 * offload context as `mig_props` (pre_save picks tx.props, or tx.tso_props
 * when that was the last one the guest set and its subsection is off);
 * the TX header and the 64 KiB TX data buffer; EEPROM and PHY registers;
 * 37 MAC registers by name and the RA, MTA and VFTA slices of the register
 * file. Subsections, each switched by a compat property (all on at the
 * machine types modelled): `e1000/mit_state` (interrupt mitigation
 * registers and mit_irq_level; `mitigation`), `e1000/full_mac_state` (the
 * whole 128 KiB register file; `extra_mac_registers`), `e1000/tx_tso_state`
 * (tx.tso_props; `migrate_tso_props`, its post_load notes it came).
 *
 * post_load: tx.props from mig_props, and tx.tso_props too unless the
 * subsection brought them; without `mitigation` the mitigation registers
 * and mit_irq_level are zeroed. Nothing is rejected.
 *
 * Config space: 8086:100e revision 3, class 0200, BAR0 128 KiB memory,
 * BAR1 64 bytes I/O, the option ROM BAR, INTA, no capabilities.
 */
import type { DeviceClass } from '../../../src/machine/types.js';
import type { Reader } from '../../../src/wire/reader.js';
import type { Writer } from '../../../src/wire/writer.js';
import type { Props, State, VMStateDescription, VMStateInfo } from '../../../src/vmstate/types.js';
import {
  VMSTATE_BOOL,
  VMSTATE_BUFFER,
  VMSTATE_INT8,
  VMSTATE_UINT16,
  VMSTATE_UINT16_ARRAY,
  VMSTATE_UINT32,
  VMSTATE_UINT8,
  VMSTATE_UNUSED,
  VMSTATE_UNUSED_TEST,
} from '../../../src/vmstate/dsl.js';
import { VMSTATE_UINT32_ARRAY_ALIASED, VMSTATE_UINT32_ELEMENT, VMSTATE_UINT32_SUB_ARRAY } from '../../common/elem.js';
import { macBytes, nicOptionRom, nicProps } from '../../common/nic.js';
import {
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_INTERRUPT_PIN,
  VMSTATE_PCI_DEVICE,
  pciDeviceReset,
  pciIdstr,
  pciLayout,
  pci_register_bar,
  pci_register_device,
  type PciSlotOptions,
} from '../../common/pci.js';

/** MAC register indices (byte offset / 4) of the registers the VMSD names. */
export const E1000_REG = {
  CTRL: 0x0000 >> 2,
  STATUS: 0x0008 >> 2,
  EECD: 0x0010 >> 2,
  EERD: 0x0014 >> 2,
  MDIC: 0x0020 >> 2,
  VET: 0x0038 >> 2,
  ICR: 0x00c0 >> 2,
  ITR: 0x00c4 >> 2,
  ICS: 0x00c8 >> 2,
  IMS: 0x00d0 >> 2,
  IMC: 0x00d8 >> 2,
  RCTL: 0x0100 >> 2,
  TCTL: 0x0400 >> 2,
  LEDCTL: 0x0e00 >> 2,
  PBA: 0x1000 >> 2,
  RDBAL: 0x2800 >> 2,
  RDBAH: 0x2804 >> 2,
  RDLEN: 0x2808 >> 2,
  RDH: 0x2810 >> 2,
  RDT: 0x2818 >> 2,
  RDTR: 0x2820 >> 2,
  RADV: 0x282c >> 2,
  TDBAL: 0x3800 >> 2,
  TDBAH: 0x3804 >> 2,
  TDLEN: 0x3808 >> 2,
  TDH: 0x3810 >> 2,
  TDT: 0x3818 >> 2,
  TXDCTL: 0x3828 >> 2,
  TADV: 0x382c >> 2,
  MPC: 0x4010 >> 2,
  GPRC: 0x4074 >> 2,
  GPTC: 0x4080 >> 2,
  TORL: 0x40c0 >> 2,
  TORH: 0x40c4 >> 2,
  TOTL: 0x40c8 >> 2,
  TOTH: 0x40cc >> 2,
  TPR: 0x40d0 >> 2,
  TPT: 0x40d4 >> 2,
  MTA: 0x5200 >> 2,
  RA: 0x5400 >> 2,
  VFTA: 0x5600 >> 2,
  WUFC: 0x5808 >> 2,
  MANC: 0x5820 >> 2,
  SWSM: 0x5b50 >> 2,
} as const;

export const E1000_MAC_REGS = 0x8000;

/** The registers the VMSD saves by name, in its order. */
const NAMED: (keyof typeof E1000_REG)[] = [
  'CTRL', 'EECD', 'EERD', 'GPRC', 'GPTC', 'ICR', 'ICS', 'IMC', 'IMS', 'LEDCTL', 'MANC', 'MDIC', 'MPC', 'PBA', 'RCTL', 'RDBAH', 'RDBAL',
  'RDH', 'RDLEN', 'RDT', 'STATUS', 'SWSM', 'TCTL', 'TDBAH', 'TDBAL', 'TDH', 'TDLEN', 'TDT', 'TORH', 'TORL', 'TOTH', 'TOTL', 'TPR', 'TPT',
  'TXDCTL', 'WUFC', 'VET',
];

/** Offload context members (e1000x_txd_props), as mig_props, tx.props and tx.tso_props carry them. */
export const TXD_PROPS = ['ipcss', 'ipcso', 'ipcse', 'tucss', 'tucso', 'tucse', 'paylen', 'hdr_len', 'mss', 'ip', 'tcp'] as const;

const flag = (p: Props, name: string) => p[name] !== false;

const is_version_1 = (_s: State, v: number) => v === 1;

/**
 * VMSTATE_BUFFER(tx.data): 64 KiB on the wire. A codec of its own only so
 * that the generator can fill the bytes a frame uses instead of drawing
 * 65,536 random bytes per state; the bytes are the buffer's.
 */
const vmstate_info_tx_data: VMStateInfo = {
  name: 'e1000 tx.data',
  vmdesc: { type: 'buffer' },
  put(w: Writer, v: unknown) {
    w.bytes(v as Uint8Array);
  },
  get(r: Reader) {
    return r.bytes(0x10000, 'tx.data');
  },
};
const VMSTATE_TX_DATA = { ...VMSTATE_BUFFER('tx.data', 0x10000), info: vmstate_info_tx_data };

export const vmstate_e1000_mit_state: VMStateDescription = {
  name: 'e1000/mit_state',
  version_id: 1,
  minimum_version_id: 1,
  needed: (_s, ctx) => flag(ctx.props, 'mitigation'),
  fields: [
    VMSTATE_UINT32_ELEMENT('mac_reg[RDTR]', 'mac_reg', E1000_REG.RDTR),
    VMSTATE_UINT32_ELEMENT('mac_reg[RADV]', 'mac_reg', E1000_REG.RADV),
    VMSTATE_UINT32_ELEMENT('mac_reg[TADV]', 'mac_reg', E1000_REG.TADV),
    VMSTATE_UINT32_ELEMENT('mac_reg[ITR]', 'mac_reg', E1000_REG.ITR),
    VMSTATE_BOOL('mit_irq_level'),
  ],
};

export const vmstate_e1000_full_mac_state: VMStateDescription = {
  name: 'e1000/full_mac_state',
  version_id: 1,
  minimum_version_id: 1,
  needed: (_s, ctx) => flag(ctx.props, 'extra_mac_registers'),
  fields: [VMSTATE_UINT32_ARRAY_ALIASED('mac_reg', E1000_MAC_REGS)],
};

export const vmstate_e1000_tx_tso_state: VMStateDescription = {
  name: 'e1000/tx_tso_state',
  version_id: 1,
  minimum_version_id: 1,
  needed: (_s, ctx) => flag(ctx.props, 'migrate_tso_props'),
  fields: [
    VMSTATE_UINT8('tx.tso_props.ipcss'),
    VMSTATE_UINT8('tx.tso_props.ipcso'),
    VMSTATE_UINT16('tx.tso_props.ipcse'),
    VMSTATE_UINT8('tx.tso_props.tucss'),
    VMSTATE_UINT8('tx.tso_props.tucso'),
    VMSTATE_UINT16('tx.tso_props.tucse'),
    VMSTATE_UINT32('tx.tso_props.paylen'),
    VMSTATE_UINT8('tx.tso_props.hdr_len'),
    VMSTATE_UINT16('tx.tso_props.mss'),
    VMSTATE_INT8('tx.tso_props.ip'),
    VMSTATE_INT8('tx.tso_props.tcp'),
  ],
  post_load(s) {
    s.received_tx_tso = true;
  },
};

export const e1000Layout = pciLayout((p) => {
  const d = pci_register_device({ vendor_id: 0x8086, device_id: 0x100e, revision: 0x03, class_id: 0x0200 }, false);
  d.config[PCI_INTERRUPT_PIN] = 1;
  pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, 0x20000);
  pci_register_bar(d, 1, PCI_BASE_ADDRESS_SPACE_IO, 0x40);
  nicOptionRom(d, p);
  return d;
});

const copyProps = (s: State, from: string, to: string) => {
  for (const k of TXD_PROPS) s[`${to}.${k}`] = s[`${from}.${k}`];
};

export const vmstate_e1000: VMStateDescription = {
  name: 'e1000',
  version_id: 2,
  minimum_version_id: 1,
  pre_save(s, ctx) {
    // which offload context travels in the main body
    copyProps(s, flag(ctx.props, 'migrate_tso_props') || !s.use_tso_for_migration ? 'tx.props' : 'tx.tso_props', 'mig_props');
  },
  fields: [
    VMSTATE_PCI_DEVICE('parent_obj', e1000Layout),
    VMSTATE_UNUSED_TEST(is_version_1, 4), // was instance id
    VMSTATE_UNUSED(4), // was mmio_base
    VMSTATE_UINT32('rxbuf_size'),
    VMSTATE_UINT32('rxbuf_min_shift'),
    VMSTATE_UINT32('eecd_state.val_in'),
    VMSTATE_UINT16('eecd_state.bitnum_in'),
    VMSTATE_UINT16('eecd_state.bitnum_out'),
    VMSTATE_UINT16('eecd_state.reading'),
    VMSTATE_UINT32('eecd_state.old_eecd'),
    VMSTATE_UINT8('mig_props.ipcss'),
    VMSTATE_UINT8('mig_props.ipcso'),
    VMSTATE_UINT16('mig_props.ipcse'),
    VMSTATE_UINT8('mig_props.tucss'),
    VMSTATE_UINT8('mig_props.tucso'),
    VMSTATE_UINT16('mig_props.tucse'),
    VMSTATE_UINT32('mig_props.paylen'),
    VMSTATE_UINT8('mig_props.hdr_len'),
    VMSTATE_UINT16('mig_props.mss'),
    VMSTATE_UINT16('tx.size'),
    VMSTATE_UINT16('tx.tso_frames'),
    VMSTATE_UINT8('tx.sum_needed'),
    VMSTATE_INT8('mig_props.ip'),
    VMSTATE_INT8('mig_props.tcp'),
    VMSTATE_BUFFER('tx.header', 256),
    VMSTATE_TX_DATA,
    VMSTATE_UINT16_ARRAY('eeprom_data', 64),
    VMSTATE_UINT16_ARRAY('phy_reg', 0x20),
    ...NAMED.map((r) => VMSTATE_UINT32_ELEMENT(`mac_reg[${r}]`, 'mac_reg', E1000_REG[r])),
    VMSTATE_UINT32_SUB_ARRAY('mac_reg', E1000_REG.RA, 32),
    VMSTATE_UINT32_SUB_ARRAY('mac_reg', E1000_REG.MTA, 128),
    VMSTATE_UINT32_SUB_ARRAY('mac_reg', E1000_REG.VFTA, 128),
  ],
  subsections: [vmstate_e1000_mit_state, vmstate_e1000_full_mac_state, vmstate_e1000_tx_tso_state],
  post_load(s, _v, ctx) {
    if (!flag(ctx.props, 'mitigation')) {
      const r = s.mac_reg as Uint32Array;
      r[E1000_REG.ITR] = r[E1000_REG.RDTR] = r[E1000_REG.RADV] = r[E1000_REG.TADV] = 0;
      s.mit_irq_level = false;
    }
    copyProps(s, 'mig_props', 'tx.props');
    if (!s.received_tx_tso) copyProps(s, 'mig_props', 'tx.tso_props');
    // only this load reads the flag (QEMU leaves it set; nothing else looks at it)
    s.received_tx_tso = false;
  },
};

/** e1000_eeprom_template (EEPROM contents, Tables 5-2 and 5-3 of the 8254x manual); words 0-2 take the MAC, 11 and 13 the device id. */
const EEPROM_TEMPLATE = [
  0x0000, 0x0000, 0x0000, 0x0000, 0xffff, 0x0000, 0x0000, 0x0000, 0x3000, 0x1000, 0x6403, 0x0000, 0x8086, 0x0000, 0x8086, 0x3040,
  0x0008, 0x2000, 0x7e14, 0x0048, 0x1000, 0x00d8, 0x0000, 0x2700, 0x6cc9, 0x3150, 0x0722, 0x040b, 0x0984, 0x0000, 0xc000, 0x0706,
  0x1008, 0x0000, 0x0f04, 0x7fff, 0x4d01, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
  0x0100, 0x4000, 0x121c, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0x0000,
];
const EEPROM_CHECKSUM_REG = 63;
const EEPROM_SUM = 0xbaba;

/** e1000x_core_prepare_eeprom: the template, the MAC, the device id, the checksum word. */
export function e1000Eeprom(mac: number[], deviceId: number): number[] {
  const e = [...EEPROM_TEMPLATE];
  for (let i = 0; i < 3; i++) e[i] = (mac[2 * i + 1]! << 8) | mac[2 * i]!;
  e[11] = e[13] = deviceId;
  let sum = 0;
  for (let i = 0; i < EEPROM_CHECKSUM_REG; i++) sum += e[i]!;
  e[EEPROM_CHECKSUM_REG] = (EEPROM_SUM - sum) & 0xffff;
  return e;
}

/** PHY registers after reset (phy_reg_init for the 82540EM's PHY, link up). */
const PHY_RESET: Record<number, number> = { 0: 0x1140, 1: 0x794d, 2: 0x0141, 3: 0x0c20, 4: 0x0de1, 5: 0x01e0, 9: 0x0e00, 10: 0x3c00, 16: 0x0360, 17: 0xac00, 20: 0x0d60 };

/** e1000_reset: mac_reg_init, then the receive address from the MAC (RA valid bit set). */
export function e1000MacRegsReset(mac: number[], initVet: boolean): Uint32Array {
  // 32 K registers as a typed array: copied, compared and put on the wire without a JS value each
  const r = new Uint32Array(E1000_MAC_REGS);
  r[E1000_REG.CTRL] = 0x00140240;
  r[E1000_REG.STATUS] = 0x80080783;
  r[E1000_REG.LEDCTL] = 0x00000602;
  r[E1000_REG.PBA] = 0x00100030;
  r[E1000_REG.MANC] = 0x00222300;
  if (initVet) r[E1000_REG.VET] = 0x8100;
  r[E1000_REG.RA] = (mac[0]! | (mac[1]! << 8) | (mac[2]! << 16) | (mac[3]! << 24)) >>> 0;
  r[E1000_REG.RA + 1] = (mac[4]! | (mac[5]! << 8) | 0x80000000) >>> 0;
  return r;
}

/**
 * `7.2`: the `autonegotiation` and `mitigation` properties (E1000_FLAG_AUTONEG,
 * E1000_FLAG_MIT), with e1000/mit_state needed while `mitigation` is on.
 * `8.2`: neither property; e1000/mit_state has no needed() and is always
 * sent (hw/net/e1000.c of 10.0.2). First in 8.2.0: fa4ec9ffda74 "e1000:
 * remove old compatibility code", Paolo Bonzini's PULL 03/24 of
 * 2023-10-03, in upstream master by 2023-10-18 (it is in the rev-list of
 * mst's tree rebased on master that day), before 8.2's freeze.
 */
export type E1000Variant = '7.2' | '8.2';

export function e1000Variant(release: string): E1000Variant {
  const [a, b] = release.split('.').map(Number) as [number, number];
  return a * 100 + b >= 802 ? '8.2' : '7.2';
}

/** e1000/mit_state from 8.2.0 on: no needed(), so always sent. */
const { needed: _mitNeeded, ...vmstate_e1000_mit_state_8_2 } = vmstate_e1000_mit_state;
const vmstate_e1000_8_2: VMStateDescription = {
  ...vmstate_e1000,
  subsections: [vmstate_e1000_mit_state_8_2, vmstate_e1000_full_mac_state, vmstate_e1000_tx_tso_state],
};

export function e1000(opts: PciSlotOptions = {}, variant: E1000Variant = '7.2'): DeviceClass {
  return {
    name: 'e1000',
    type: 'e1000',
    parents: ['e1000-82540em', 'e1000-base', 'pci-device', 'device'],
    interfaces: ['conventional-pci-device'],
    props: {
      ...nicProps('efi-e1000.rom', opts.release),
      ...(variant === '7.2' ? { autonegotiation: { type: 'bool' as const, default: true }, mitigation: { type: 'bool' as const, default: true } } : {}),
      extra_mac_registers: { type: 'bool', default: true },
      migrate_tso_props: { type: 'bool', default: true },
      'init-vet': { type: 'bool', default: true },
    },
    vmsd: variant === '8.2' ? vmstate_e1000_8_2 : vmstate_e1000,
    idstr: pciIdstr(opts.slot ?? 7, 'e1000'),
    instanceId: 0,
    reset(p) {
      const mac = macBytes(p);
      const s: State = {
        parent_obj: pciDeviceReset(e1000Layout(p)),
        rxbuf_size: 0,
        rxbuf_min_shift: 1,
        'eecd_state.val_in': 0,
        'eecd_state.bitnum_in': 0,
        'eecd_state.bitnum_out': 0,
        'eecd_state.reading': 0,
        'eecd_state.old_eecd': 0,
        'tx.size': 0,
        'tx.tso_frames': 0,
        'tx.sum_needed': 0,
        'tx.header': new Uint8Array(256),
        'tx.data': new Uint8Array(0x10000),
        eeprom_data: e1000Eeprom(mac, 0x100e),
        phy_reg: Array.from({ length: 0x20 }, (_, i) => PHY_RESET[i] ?? 0),
        mac_reg: e1000MacRegsReset(mac, p['init-vet'] !== false),
        mit_irq_level: false,
        use_tso_for_migration: false,
        received_tx_tso: false,
      };
      for (const set of ['mig_props', 'tx.props', 'tx.tso_props']) for (const k of TXD_PROPS) s[`${set}.${k}`] = 0;
      return s;
    },
  };
}
