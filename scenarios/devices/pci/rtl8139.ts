/**
 * rtl8139 (hw/net/rtl8139.c), the same VMSD in every release from 7.2.0
 * to 10.0.0.
 *
 * VMSD `rtl8139` version 5 (minimum 3): the PCIDevice, then the register
 * file in the order the VMSD lists it (tally counters included; RxOkMul
 * from version 5, cplus_enabled from version 4), the 93C46 EEPROM and its
 * serial interface, the timer registers. Subsection
 * `rtl8139/hotplug_ready` (no fields) is sent only when the machine was
 * modified after creation (a hot-plug); the model sends it when the
 * `x-hotplugged` model property says so.
 *
 * pre_save recomputes TCTR from the virtual clock and TCTR_base; the model
 * has no clock and carries TCTR as it is. post_load rejects nothing; for a
 * version 3 stream it infers cplus_enabled from CpCmd.
 *
 * Config space: 10ec:8139 revision 0x20, class 0200, BAR0 256 bytes I/O,
 * BAR1 256 bytes memory, the option ROM BAR, INTA, and a capability
 * pointer (0xdc) without the capability-list status bit.
 */
import type { DeviceClass } from '../../../src/machine/types.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import {
  VMSTATE_BUFFER,
  VMSTATE_INT32,
  VMSTATE_INT64,
  VMSTATE_UINT16,
  VMSTATE_UINT16_ARRAY,
  VMSTATE_UINT32,
  VMSTATE_UINT32_ARRAY,
  VMSTATE_UINT32_V,
  VMSTATE_UINT64,
  VMSTATE_UINT8,
  VMSTATE_UNUSED,
} from '../../../src/vmstate/dsl.js';
import { macBytes, nicOptionRom, nicProps } from '../../common/nic.js';
import {
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_CAPABILITY_LIST,
  PCI_INTERRUPT_PIN,
  VMSTATE_PCI_DEVICE,
  pciDeviceReset,
  pciIdstr,
  pciLayout,
  pci_register_bar,
  pci_register_device,
  type PciSlotOptions,
} from '../../common/pci.js';

export const rtl8139Layout = pciLayout((p) => {
  const d = pci_register_device({ vendor_id: 0x10ec, device_id: 0x8139, revision: 0x20, class_id: 0x0200 }, false);
  d.config[PCI_INTERRUPT_PIN] = 1;
  // a start of capability list without the capability-list bit in the status register
  d.config[PCI_CAPABILITY_LIST] = 0xdc;
  pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_IO, 0x100);
  pci_register_bar(d, 1, PCI_BASE_ADDRESS_SPACE_MEMORY, 0x100);
  nicOptionRom(d, p);
  return d;
});

export const vmstate_rtl8139_hotplug_ready: VMStateDescription = {
  name: 'rtl8139/hotplug_ready',
  version_id: 1,
  minimum_version_id: 1,
  needed: (_s, ctx) => ctx.props['x-hotplugged'] === true,
  fields: [],
};

export const vmstate_rtl8139: VMStateDescription = {
  name: 'rtl8139',
  version_id: 5,
  minimum_version_id: 3,
  fields: [
    VMSTATE_PCI_DEVICE('parent_obj', rtl8139Layout),
    VMSTATE_BUFFER('phys', 6),
    VMSTATE_BUFFER('mult', 8),
    VMSTATE_UINT32_ARRAY('TxStatus', 4),
    VMSTATE_UINT32_ARRAY('TxAddr', 4),
    VMSTATE_UINT32('RxBuf'),
    VMSTATE_UINT32('RxBufferSize'),
    VMSTATE_UINT32('RxBufPtr'),
    VMSTATE_UINT32('RxBufAddr'),
    VMSTATE_UINT16('IntrStatus'),
    VMSTATE_UINT16('IntrMask'),
    VMSTATE_UINT32('TxConfig'),
    VMSTATE_UINT32('RxConfig'),
    VMSTATE_UINT32('RxMissed'),
    VMSTATE_UINT16('CSCR'),
    VMSTATE_UINT8('Cfg9346'),
    VMSTATE_UINT8('Config0'),
    VMSTATE_UINT8('Config1'),
    VMSTATE_UINT8('Config3'),
    VMSTATE_UINT8('Config4'),
    VMSTATE_UINT8('Config5'),
    VMSTATE_UINT8('clock_enabled'),
    VMSTATE_UINT8('bChipCmdState'),
    VMSTATE_UINT16('MultiIntr'),
    VMSTATE_UINT16('BasicModeCtrl'),
    VMSTATE_UINT16('BasicModeStatus'),
    VMSTATE_UINT16('NWayAdvert'),
    VMSTATE_UINT16('NWayLPAR'),
    VMSTATE_UINT16('NWayExpansion'),
    VMSTATE_UINT16('CpCmd'),
    VMSTATE_UINT8('TxThresh'),
    VMSTATE_UNUSED(4),
    VMSTATE_BUFFER('conf.macaddr', 6),
    VMSTATE_INT32('rtl8139_mmio_io_addr_dummy'),
    VMSTATE_UINT32('currTxDesc'),
    VMSTATE_UINT32('currCPlusRxDesc'),
    VMSTATE_UINT32('currCPlusTxDesc'),
    VMSTATE_UINT32('RxRingAddrLO'),
    VMSTATE_UINT32('RxRingAddrHI'),
    VMSTATE_UINT16_ARRAY('eeprom.contents', 64),
    VMSTATE_INT32('eeprom.mode'),
    VMSTATE_UINT32('eeprom.tick'),
    VMSTATE_UINT8('eeprom.address'),
    VMSTATE_UINT16('eeprom.input'),
    VMSTATE_UINT16('eeprom.output'),
    VMSTATE_UINT8('eeprom.eecs'),
    VMSTATE_UINT8('eeprom.eesk'),
    VMSTATE_UINT8('eeprom.eedi'),
    VMSTATE_UINT8('eeprom.eedo'),
    VMSTATE_UINT32('TCTR'),
    VMSTATE_UINT32('TimerInt'),
    VMSTATE_INT64('TCTR_base'),
    VMSTATE_UINT64('tally_counters.TxOk'),
    VMSTATE_UINT64('tally_counters.RxOk'),
    VMSTATE_UINT64('tally_counters.TxERR'),
    VMSTATE_UINT32('tally_counters.RxERR'),
    VMSTATE_UINT16('tally_counters.MissPkt'),
    VMSTATE_UINT16('tally_counters.FAE'),
    VMSTATE_UINT32('tally_counters.Tx1Col'),
    VMSTATE_UINT32('tally_counters.TxMCol'),
    VMSTATE_UINT64('tally_counters.RxOkPhy'),
    VMSTATE_UINT64('tally_counters.RxOkBrd'),
    VMSTATE_UINT32_V('tally_counters.RxOkMul', 5),
    VMSTATE_UINT16('tally_counters.TxAbt'),
    VMSTATE_UINT16('tally_counters.TxUndrn'),
    VMSTATE_UINT32_V('cplus_enabled', 4),
  ],
  subsections: [vmstate_rtl8139_hotplug_ready],
  post_load(s, version) {
    if (version < 4) s.cplus_enabled = Number(s.CpCmd) !== 0 ? 1 : 0;
  },
};

const RESET: State = {
  TxStatus: [0x2000, 0x2000, 0x2000, 0x2000],
  TxAddr: [0, 0, 0, 0],
  RxBufferSize: 0x2000,
  TxConfig: 0x74800000,
  CSCR: 0x0340,
  Config1: 0x0c,
  Config3: 0x01,
  clock_enabled: 1,
  bChipCmdState: 0x10,
  BasicModeCtrl: 0x1000,
  BasicModeStatus: 0x782d,
  NWayAdvert: 0x05e1,
  NWayLPAR: 0x05e1,
  NWayExpansion: 0x0001,
};

/** The 93C46 EEPROM rtl8139_realize writes: ids, then the MAC in words 7-9. */
export function rtl8139Eeprom(mac: number[]): number[] {
  const e = new Array<number>(64).fill(0);
  e[0] = 0x8129;
  e[1] = 0x10ec;
  e[2] = 0x8139;
  for (let i = 0; i < 3; i++) e[7 + i] = mac[2 * i]! | (mac[2 * i + 1]! << 8);
  return e;
}

export function rtl8139(opts: PciSlotOptions = {}): DeviceClass {
  return {
    name: 'rtl8139',
    type: 'rtl8139',
    parents: ['pci-device', 'device'],
    props: {
      ...nicProps('efi-rtl8139.rom', opts.release),
      /** Model property: the machine was modified after creation (qdev_machine_modified), which sends hotplug_ready. */
      'x-hotplugged': { type: 'bool', default: false },
    },
    vmsd: vmstate_rtl8139,
    idstr: pciIdstr(opts.slot ?? 9, 'rtl8139'),
    instanceId: 0,
    reset(p) {
      const mac = macBytes(p);
      const s: State = { parent_obj: pciDeviceReset(rtl8139Layout(p)) };
      for (const f of vmstate_rtl8139.fields) {
        if (f.member === null || f.member in s) continue;
        if (f.info?.name === 'buffer') s[f.member] = new Uint8Array(f.size ?? 0);
        else if (f.num) s[f.member] = new Array<number>(f.num).fill(0);
        else s[f.member] = f.info?.name === 'uint64' || f.info?.name === 'int64' ? 0n : 0;
      }
      Object.assign(s, structuredClone(RESET));
      s.phys = new Uint8Array(mac);
      s['conf.macaddr'] = new Uint8Array(mac);
      s['eeprom.contents'] = rtl8139Eeprom(mac);
      return s;
    },
  };
}
