/**
 * apic (hw/intc/apic_common.c), the local APIC of CPU 0: VMSD `apic`
 * version 3, minimum 3, registered per CPU with the APIC id as instance id.
 * The whole register file travels; the timer as its open-coded expiry.
 * `apic/sipi` carries a pending SIPI; pre_load clears wait_for_sipi so a
 * stream without the subsection means none. Nothing in it reads CPU state,
 * so it is modelled without a CPU model; the CPU's own sections (`cpu`,
 * `cpu_common`) are not.
 */
import {
  VMSTATE_INT32,
  VMSTATE_INT64,
  VMSTATE_UINT32,
  VMSTATE_UINT32_ARRAY,
  VMSTATE_UINT8,
} from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

export const APIC_LVT_NB = 6;

export const vmstate_apic_common: VMStateDescription = {
  name: 'apic',
  version_id: 3,
  minimum_version_id: 3,
  pre_load(s) {
    s.wait_for_sipi = 0;
  },
  fields: [
    VMSTATE_UINT32('apicbase'),
    VMSTATE_UINT8('id'),
    VMSTATE_UINT8('arb_id'),
    VMSTATE_UINT8('tpr'),
    VMSTATE_UINT32('spurious_vec'),
    VMSTATE_UINT8('log_dest'),
    VMSTATE_UINT8('dest_mode'),
    VMSTATE_UINT32_ARRAY('isr', 8),
    VMSTATE_UINT32_ARRAY('tmr', 8),
    VMSTATE_UINT32_ARRAY('irr', 8),
    VMSTATE_UINT32_ARRAY('lvt', APIC_LVT_NB),
    VMSTATE_UINT32('esr'),
    VMSTATE_UINT32_ARRAY('icr', 2),
    VMSTATE_UINT32('divide_conf'),
    VMSTATE_INT32('count_shift'),
    VMSTATE_UINT32('initial_count'),
    VMSTATE_INT64('initial_count_load_time'),
    VMSTATE_INT64('next_time'),
    VMSTATE_INT64('timer_expiry'),
  ],
  subsections: [
    {
      name: 'apic/sipi',
      version_id: 1,
      minimum_version_id: 1,
      needed: (s) => Number(s.wait_for_sipi) !== 0,
      fields: [VMSTATE_INT32('sipi_vector'), VMSTATE_INT32('wait_for_sipi')],
    },
  ],
};

/** apic_reset_common on the BSP: APIC enabled at 0xfee00000, every LVT masked, timer off. */
export function apicReset(): State {
  return {
    apicbase: 0xfee00900,
    id: 0,
    arb_id: 0,
    tpr: 0,
    spurious_vec: 0xff,
    log_dest: 0,
    dest_mode: 0xf,
    isr: new Array(8).fill(0),
    tmr: new Array(8).fill(0),
    irr: new Array(8).fill(0),
    lvt: new Array(APIC_LVT_NB).fill(0x10000),
    esr: 0,
    icr: [0, 0],
    divide_conf: 0,
    count_shift: 1,
    initial_count: 0,
    initial_count_load_time: 0n,
    next_time: 0n,
    timer_expiry: -1n,
    sipi_vector: 0,
    wait_for_sipi: 0,
  };
}

export function apic(): DeviceClass {
  return {
    name: 'apic',
    type: 'apic',
    parents: ['apic-common', 'device'],
    props: { id: { type: 'uint32', default: 0 } },
    vmsd: vmstate_apic_common,
    idstr: 'apic',
    instanceId: 0,
    reset: apicReset,
  };
}
