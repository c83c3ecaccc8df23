/**
 * ich9-ahci (hw/ide/ich9.c, hw/ide/ahci.c): the ICH9 SATA controller in
 * AHCI mode, six ports. Add-on here; q35 also has one built in at 1f.2
 * (a multifunction slot) that ich9Ahci({ slot: 0x1f, fn: 2,
 * multifunction: true }) models.
 *
 * VMSD `ich9_ahci` version 1: the PCIDevice and the struct `ahci`
 * (VMSD `ahci` version 1): every port as `ahci port` (the IDE bus and its
 * one drive — see ide.ts —, port state, the port registers, the busy slot,
 * 32 NCQ transfer states), the HBA's control registers, the index-data
 * pair index and `ports` as an _EQUAL field. 9.0.0 made `ports` unsigned
 * ("hw/ide/ahci: Convert AHCIState::ports to unsigned", philmd's PULL 52/56
 * of 2024-02-15, 9.0 cycle): the array count
 * and the _EQUAL codec change type, the bytes do not.
 *
 * post_load (ahci_state_post_load), per port: a DMA engine shown running
 * (LIST_ON) without START, or a FIS engine (FIS_ON) without FIS_RX, fails
 * the load (-1); the engines are then restarted as START and FIS_RX say
 * (mapping guest memory, which the model takes to succeed); a used NCQ
 * slot is marked halted and every halted one active again; a busy slot
 * must be -1 or a command slot. Resuming the command list reads guest
 * memory; the model does not.
 *
 * Config space: 8086:2922 revision 2, class 010601, BAR4 32 bytes I/O
 * (index-data pair), BAR5 4 KiB memory (ABAR), INTA, the SATA capability
 * at 0xa8, MSI (one 64-bit vector) at 0x80, AHCI mode in the MAP register.
 */
import type { DeviceClass } from '../../../src/machine/types.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import {
  VMSTATE_BOOL,
  VMSTATE_INT32,
  VMSTATE_INT32_EQUAL,
  VMSTATE_STRUCT,
  VMSTATE_STRUCT_ARRAY,
  VMSTATE_STRUCT_VARRAY_INT32,
  VMSTATE_STRUCT_VARRAY_UINT32,
  VMSTATE_UINT32,
  VMSTATE_UINT32_EQUAL,
  VMSTATE_UINT64,
  VMSTATE_UINT8,
} from '../../../src/vmstate/dsl.js';
import { msi_init } from '../../common/msi.js';
import {
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_CAP_ID_SATA,
  PCI_CLASS_PROG,
  PCI_HEADER_TYPE,
  PCI_INTERRUPT_PIN,
  VMSTATE_PCI_DEVICE,
  pci,
  pciDeviceReset,
  pciIdstr,
  pciLayout,
  pci_add_capability,
  pci_register_bar,
  pci_register_device,
  type PciLayout,
  type PciSlotOptions,
} from '../../common/pci.js';
import { BUS_ERROR_STATUS, ideBusReset, ideDriveReset, vmstate_ide_bus, vmstate_ide_drive } from './ide.js';

export type AhciVariant = '7.2' | '9.0';

export const AHCI_MAX_CMDS = 32;
export const ICH9_AHCI_PORTS = 6;
export const PORT_CMD_START = 1 << 0;
export const PORT_CMD_FIS_RX = 1 << 4;
export const PORT_CMD_FIS_ON = 1 << 14;
export const PORT_CMD_LIST_ON = 1 << 15;

export const PORT_REGS = [
  'lst_addr',
  'lst_addr_hi',
  'fis_addr',
  'fis_addr_hi',
  'irq_stat',
  'irq_mask',
  'cmd',
  'tfdata',
  'sig',
  'scr_stat',
  'scr_ctl',
  'scr_err',
  'scr_act',
  'cmd_issue',
] as const;

export const vmstate_ncq_tfs: VMStateDescription = {
  name: 'ncq state',
  version_id: 1,
  fields: [VMSTATE_UINT32('sector_count'), VMSTATE_UINT64('lba'), VMSTATE_UINT8('tag'), VMSTATE_UINT8('cmd'), VMSTATE_UINT8('slot'), VMSTATE_BOOL('used'), VMSTATE_BOOL('halt')],
};

/** The drive's needed() reads s->bus->error_status: the port hands it over before saving and after loading. */
function shareBusError(s: State): void {
  (s['port.ifs[0]'] as State)[BUS_ERROR_STATUS] = (s.port as State).error_status;
}

export const vmstate_ahci_device: VMStateDescription = {
  name: 'ahci port',
  version_id: 1,
  pre_save: shareBusError,
  fields: [
    VMSTATE_STRUCT('port', 1, vmstate_ide_bus),
    VMSTATE_STRUCT('port.ifs[0]', 1, vmstate_ide_drive),
    VMSTATE_UINT32('port_state'),
    VMSTATE_UINT32('finished'),
    ...PORT_REGS.map((r) => VMSTATE_UINT32(`port_regs.${r}`)),
    VMSTATE_BOOL('done_first_drq'),
    VMSTATE_INT32('busy_slot'),
    VMSTATE_BOOL('init_d2h_sent'),
    VMSTATE_STRUCT_ARRAY('ncq_tfs', AHCI_MAX_CMDS, 1, vmstate_ncq_tfs),
  ],
  post_load(s) {
    shareBusError(s);
  },
};

function vmstate_ahci(variant: AhciVariant): VMStateDescription {
  return {
    name: 'ahci',
    version_id: 1,
    fields: [
      variant === '9.0' ? VMSTATE_STRUCT_VARRAY_UINT32('dev', 'ports', 0, vmstate_ahci_device) : VMSTATE_STRUCT_VARRAY_INT32('dev', 'ports', 0, vmstate_ahci_device),
      VMSTATE_UINT32('control_regs.cap'),
      VMSTATE_UINT32('control_regs.ghc'),
      VMSTATE_UINT32('control_regs.irqstatus'),
      VMSTATE_UINT32('control_regs.impl'),
      VMSTATE_UINT32('control_regs.version'),
      VMSTATE_UINT32('idp_index'),
      variant === '9.0' ? VMSTATE_UINT32_EQUAL('ports') : VMSTATE_INT32_EQUAL('ports'),
    ],
    post_load(s) {
      const dev = s.dev as State[];
      for (let i = 0; i < Number(s.ports); i++) {
        const ad = dev[i]!;
        let cmd = Number(ad['port_regs.cmd']) >>> 0;
        if (!(cmd & PORT_CMD_START) && cmd & PORT_CMD_LIST_ON) return { errno: -1, message: 'AHCI: DMA engine should be off, but status bit indicates it is still running.' };
        if (!(cmd & PORT_CMD_FIS_RX) && cmd & PORT_CMD_FIS_ON) return { errno: -1, message: 'AHCI: FIS RX engine should be off, but status bit indicates it is still running.' };
        // the engines are off after a migration and restart as START / FIS_RX say (ahci_cond_start_engines)
        cmd &= ~(PORT_CMD_LIST_ON | PORT_CMD_FIS_ON);
        if (cmd & PORT_CMD_START) cmd |= PORT_CMD_LIST_ON;
        if (cmd & PORT_CMD_FIS_RX) cmd |= PORT_CMD_FIS_ON;
        ad['port_regs.cmd'] = cmd >>> 0;
        let act = Number(ad['port_regs.scr_act']) >>> 0;
        for (const t of ad.ncq_tfs as State[]) {
          if (t.used) t.halt = true;
          if (t.halt) act = (act | (1 << (Number(t.tag) & 31))) >>> 0;
        }
        ad['port_regs.scr_act'] = act;
        const busy = Number(ad.busy_slot);
        if (busy !== -1 && (busy < 0 || busy >= AHCI_MAX_CMDS)) return { errno: -1, message: `AHCI: port ${i} is busy with slot ${busy}, which is not a command slot` };
      }
    },
  };
}

export interface Ich9AhciOptions extends PciSlotOptions {
  /** The device name in a release (default `ich9-ahci`; a second controller needs another, e.g. the q35 built-in). */
  name?: string;
  /** PCI function (the q35 built-in is 1f.2). */
  fn?: number;
  /** The multifunction bit in the header type (set on q35's built-in controller). */
  multifunction?: boolean;
}

const ICH9_SATA_CAP_OFFSET = 0xa8;
const ICH9_MSI_CAP_OFFSET = 0x80;
const ICH9_IDP_BAR = 4;
const ICH9_MEM_BAR = 5;
const ICH9_IDP_INDEX_LOG2 = 0x4;

export function ich9AhciLayout(multifunction: boolean): PciLayout {
  return pciLayout(() => {
    const d = pci_register_device({ vendor_id: 0x8086, device_id: 0x2922, revision: 0x02, class_id: 0x0106 }, false);
    if (multifunction) d.config[PCI_HEADER_TYPE]! |= 0x80;
    d.config[PCI_CLASS_PROG] = 0x01; // AHCI_PROGMODE_MAJOR_REV_1
    d.config[PCI_INTERRUPT_PIN] = 1;
    d.config[0x90] = 1 << 6; // address map register: AHCI mode
    pci_register_bar(d, ICH9_IDP_BAR, PCI_BASE_ADDRESS_SPACE_IO, 32);
    pci_register_bar(d, ICH9_MEM_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY, 0x1000);
    const sata = pci_add_capability(d, PCI_CAP_ID_SATA, ICH9_SATA_CAP_OFFSET, 8);
    pci.set16(d.config, sata + 2, 0x10); // SATA_CAP_REV
    pci.set32(d.config, sata + 4, (ICH9_IDP_BAR + 0x4) | (ICH9_IDP_INDEX_LOG2 << 4)); // SATA_CAP_BAR
    msi_init(d, ICH9_MSI_CAP_OFFSET, 1, true, false);
    return d;
  });
}

function ahciPortReset(): State {
  const s: State = {
    port: ideBusReset(),
    'port.ifs[0]': ideDriveReset(),
    port_state: 0,
    finished: 0,
    done_first_drq: false,
    busy_slot: -1,
    init_d2h_sent: false,
    ncq_tfs: Array.from({ length: AHCI_MAX_CMDS }, () => ({ sector_count: 0, lba: 0n, tag: 0, cmd: 0, slot: 0, used: false, halt: false })),
  };
  for (const r of PORT_REGS) s[`port_regs.${r}`] = 0;
  s['port_regs.cmd'] = 0x6; // spin-up and power-on device
  s['port_regs.tfdata'] = 0x7f;
  s['port_regs.sig'] = 0xffffffff;
  return s;
}

export function ahciVariant(release: string): AhciVariant {
  return Number(release.split('.')[0]) >= 9 ? '9.0' : '7.2';
}

export function ich9Ahci(variant: AhciVariant, opts: Ich9AhciOptions = {}): DeviceClass {
  const layout = ich9AhciLayout(opts.multifunction ?? false);
  return {
    name: opts.name ?? 'ich9-ahci',
    type: 'ich9-ahci',
    parents: ['pci-device', 'device'],
    props: {},
    vmsd: {
      name: 'ich9_ahci',
      version_id: 1,
      fields: [VMSTATE_PCI_DEVICE('parent_obj', layout), VMSTATE_STRUCT('ahci', 0, vmstate_ahci(variant))],
    },
    idstr: pciIdstr(opts.slot ?? 0x0a, 'ich9_ahci', opts.fn ?? 0),
    instanceId: 0,
    reset(p) {
      return {
        parent_obj: pciDeviceReset(layout(p)),
        ahci: {
          dev: Array.from({ length: ICH9_AHCI_PORTS }, ahciPortReset),
          // ports−1, 32 command slots, gen-1 speed, NCQ, SSS and AHCI-only bits (ahci_reset)
          'control_regs.cap': 0xc0141f05,
          'control_regs.ghc': 0x80000000,
          'control_regs.irqstatus': 0,
          'control_regs.impl': (1 << ICH9_AHCI_PORTS) - 1,
          'control_regs.version': 0x00010000,
          idp_index: 0,
          ports: ICH9_AHCI_PORTS,
        },
      };
    },
  };
}
