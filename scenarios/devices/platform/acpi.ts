/**
 * The ACPI building blocks the PC power-management functions share
 * (hw/isa/apm.c, hw/acpi/{core,memory_hotplug,cpu,pcihp,ich9_tco}.c,
 * hw/i2c/pm_smbus.c), each a nested VMSD QEMU saves inside ICH9LPC's
 * `ich9_pm` or inside `piix4_pm`.
 */
import {
  VMSTATE_BOOL,
  VMSTATE_INT64,
  VMSTATE_STRUCT,
  VMSTATE_STRUCT_VARRAY_UINT32,
  VMSTATE_TIMER_PTR,
  VMSTATE_UINT16,
  VMSTATE_UINT32,
  VMSTATE_UINT32_TEST,
  VMSTATE_UINT8,
  VMSTATE_UINT8_ARRAY,
  field,
} from '../../../src/vmstate/dsl.js';
import * as F from '../../../src/vmstate/flags.js';
import { reachableRule } from '../../common/realize.js';
import type { FieldExists, State, VMStateDescription, VMStateField } from '../../../src/vmstate/types.js';

export const vmstate_apm: VMStateDescription = {
  name: 'APM State',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT8('apmc'), VMSTATE_UINT8('apms')],
};

export const apmReset = (): State => ({ apmc: 0, apms: 0 });

const vmstate_memhp_sts: VMStateDescription = {
  name: 'memory hotplug device state',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_BOOL('is_enabled'), VMSTATE_BOOL('is_inserting'), VMSTATE_UINT32('ost_event'), VMSTATE_UINT32('ost_status')],
};

/** One element per DIMM slot (`dev_count`, from -m slots=, not on the wire). */
export const vmstate_memory_hotplug: VMStateDescription = {
  name: 'memory hotplug state',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT32('selector'), VMSTATE_STRUCT_VARRAY_UINT32('devs', 'dev_count', 0, vmstate_memhp_sts)],
  reachable: reachableRule('memory hotplug state'),
};

export const memoryHotplugReset = (): State => ({ selector: 0, dev_count: 0, devs: [] });

const vmstate_cpuhp_sts: VMStateDescription = {
  name: 'CPU hotplug device state',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_BOOL('is_inserting'), VMSTATE_BOOL('is_removing'), VMSTATE_UINT32('ost_event'), VMSTATE_UINT32('ost_status')],
};

/** One element per possible CPU (`dev_count`, from -smp, not on the wire). */
export const vmstate_cpu_hotplug: VMStateDescription = {
  name: 'CPU hotplug state',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT32('selector'), VMSTATE_UINT8('command'), VMSTATE_STRUCT_VARRAY_UINT32('devs', 'dev_count', 0, vmstate_cpuhp_sts)],
};

export const cpuHotplugReset = (cpus = 1): State => ({
  selector: 0,
  command: 0,
  dev_count: cpus,
  devs: Array.from({ length: cpus }, () => ({ is_inserting: false, is_removing: false, ost_event: 0, ost_status: 0 })),
});

/**
 * The `<pm>/cpuhp` subsection: sent once the guest has switched CPU hotplug
 * from the legacy interface to the modern one; loading it switches the
 * destination too.
 */
export function cpuhpSubsection(name: string): VMStateDescription {
  return {
    name,
    version_id: 1,
    minimum_version_id: 1,
    needed: (s) => s.cpu_hotplug_legacy === false,
    pre_load(s) {
      s.cpu_hotplug_legacy = false;
    },
    fields: [VMSTATE_STRUCT('cpuhp_state', 1, vmstate_cpu_hotplug)],
  };
}

/** The `<pm>/memhp` subsection: sent while memory hotplug is supported (`memory-hotplug-support`). */
export function memhpSubsection(name: string): VMStateDescription {
  return {
    name,
    version_id: 1,
    minimum_version_id: 1,
    needed: (_s, ctx) => ctx.props['memory-hotplug-support'] === true,
    fields: [VMSTATE_STRUCT('acpi_memory_hotplug', 1, vmstate_memory_hotplug)],
  };
}

export const ACPI_PCIHP_MAX_HOTPLUG_BUS = 256;

export const vmstate_acpi_pcihp_pci_status: VMStateDescription = {
  name: 'acpi_pcihp_pci_status',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT32('up'), VMSTATE_UINT32('down')],
};

/** VMSTATE_PCI_HOTPLUG(acpi_pci_hotplug, …, test_pcihp, test_acpi_index): three fields, the tests optional. */
export function VMSTATE_PCI_HOTPLUG(testPcihp?: FieldExists, testAcpiIndex?: FieldExists): VMStateField[] {
  const u32 = (name: string, t?: FieldExists) => (t ? VMSTATE_UINT32_TEST(name, t) : VMSTATE_UINT32(name));
  return [
    u32('acpi_pci_hotplug.hotplug_select', testPcihp),
    field('acpi_pci_hotplug.acpi_pcihp_pci_status', {
      vmsd: vmstate_acpi_pcihp_pci_status,
      flags: F.VMS_STRUCT | F.VMS_ARRAY,
      num: ACPI_PCIHP_MAX_HOTPLUG_BUS,
      version_id: 1,
      field_exists: testPcihp,
    }),
    u32('acpi_pci_hotplug.acpi_index', testAcpiIndex),
  ];
}

export const pciHotplugReset = (): State => ({
  'acpi_pci_hotplug.hotplug_select': 0,
  'acpi_pci_hotplug.acpi_pcihp_pci_status': Array.from({ length: ACPI_PCIHP_MAX_HOTPLUG_BUS }, () => ({ up: 0, down: 0 })),
  'acpi_pci_hotplug.acpi_index': 0,
});

export const vmstate_tco_io_sts: VMStateDescription = {
  name: 'tco io device status',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_UINT16('tco.rld'),
    VMSTATE_UINT8('tco.din'),
    VMSTATE_UINT8('tco.dout'),
    VMSTATE_UINT16('tco.sts1'),
    VMSTATE_UINT16('tco.sts2'),
    VMSTATE_UINT16('tco.cnt1'),
    VMSTATE_UINT16('tco.cnt2'),
    VMSTATE_UINT8('tco.msg1'),
    VMSTATE_UINT8('tco.msg2'),
    VMSTATE_UINT8('tco.wdcnt'),
    VMSTATE_UINT16('tco.tmr'),
    VMSTATE_UINT8('sw_irq_gen'),
    VMSTATE_TIMER_PTR('tco_timer'),
    VMSTATE_INT64('expire_time'),
    VMSTATE_UINT8('timeouts_no'),
  ],
};

/** acpi_pm_tco_init / tco reset: the timer reload value 4, no reboot on the second timeout. */
export const tcoReset = (): State => ({
  'tco.rld': 0,
  'tco.din': 0,
  'tco.dout': 0,
  'tco.sts1': 0,
  'tco.sts2': 0,
  'tco.cnt1': 0,
  'tco.cnt2': 0x0008,
  'tco.msg1': 0,
  'tco.msg2': 0,
  'tco.wdcnt': 0,
  'tco.tmr': 0x0004,
  sw_irq_gen: 0,
  tco_timer: -1n,
  expire_time: -1n,
  timeouts_no: 0,
});

export const pmsmb_vmstate: VMStateDescription = {
  name: 'pmsmb',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_UINT8('smb_stat'),
    VMSTATE_UINT8('smb_ctl'),
    VMSTATE_UINT8('smb_cmd'),
    VMSTATE_UINT8('smb_addr'),
    VMSTATE_UINT8('smb_data0'),
    VMSTATE_UINT8('smb_data1'),
    VMSTATE_UINT32('smb_index'),
    VMSTATE_UINT8_ARRAY('smb_data', 32),
    VMSTATE_UINT8('smb_auxctl'),
    VMSTATE_UINT8('smb_blkdata'),
    VMSTATE_BOOL('i2c_enable'),
    VMSTATE_BOOL('op_done'),
    VMSTATE_BOOL('in_i2c_block_read'),
    VMSTATE_BOOL('start_transaction_on_status_read'),
  ],
};

export const pmsmbReset = (): State => ({
  smb_stat: 0,
  smb_ctl: 0,
  smb_cmd: 0,
  smb_addr: 0,
  smb_data0: 0,
  smb_data1: 0,
  smb_index: 0,
  smb_data: new Array(32).fill(0),
  smb_auxctl: 0,
  smb_blkdata: 0,
  i2c_enable: false,
  op_done: true,
  in_i2c_block_read: false,
  start_transaction_on_status_read: false,
});
