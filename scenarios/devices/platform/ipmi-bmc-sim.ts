/**
 * ipmi-bmc-sim (hw/ipmi/ipmi_bmc_sim.c): VMSD `ipmi-bmc-sim` version 1,
 * 45 bytes, the same in 7.2 and 10.0 (spec corrections): global enables,
 * the watchdog, the event buffer, and the watchdog sensor only (sensor 0,
 * whose members are named by their C paths).
 */
import { VMSTATE_BOOL, VMSTATE_INT64, VMSTATE_UINT16, VMSTATE_UINT8, VMSTATE_UINT8_ARRAY } from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

export const vmstate_ipmi_sim: VMStateDescription = {
  name: 'ipmi-bmc-sim',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_UINT8('bmc_global_enables'),
    VMSTATE_UINT8('msg_flags'),
    VMSTATE_BOOL('watchdog_initialized'),
    VMSTATE_UINT8('watchdog_use'),
    VMSTATE_UINT8('watchdog_action'),
    VMSTATE_UINT8('watchdog_pretimeout'),
    VMSTATE_UINT8('watchdog_expired'),
    VMSTATE_UINT16('watchdog_timeout'),
    VMSTATE_BOOL('watchdog_running'),
    VMSTATE_BOOL('watchdog_preaction_ran'),
    VMSTATE_INT64('watchdog_expiry'),
    VMSTATE_UINT8_ARRAY('evtbuf', 16),
    VMSTATE_UINT8('sensors[0].status'),
    VMSTATE_UINT8('sensors[0].reading'),
    VMSTATE_UINT16('sensors[0].states'),
    VMSTATE_UINT16('sensors[0].assert_states'),
    VMSTATE_UINT16('sensors[0].deassert_states'),
    VMSTATE_UINT16('sensors[0].assert_enable'),
  ],
};

export function bmcReset(): State {
  return {
    bmc_global_enables: 0x0c,
    msg_flags: 0,
    watchdog_initialized: false,
    watchdog_use: 0,
    watchdog_action: 0,
    watchdog_pretimeout: 0,
    watchdog_expired: 0,
    watchdog_timeout: 0,
    watchdog_running: false,
    watchdog_preaction_ran: false,
    watchdog_expiry: 0n,
    evtbuf: new Array(16).fill(0),
    'sensors[0].status': 0,
    'sensors[0].reading': 0,
    'sensors[0].states': 0,
    'sensors[0].assert_states': 0,
    'sensors[0].deassert_states': 0,
    'sensors[0].assert_enable': 0,
  };
}

export function ipmiBmcSim(): DeviceClass {
  return {
    name: 'ipmi-bmc-sim',
    type: 'ipmi-bmc-sim',
    parents: ['ipmi-bmc', 'device'],
    props: { slave_addr: { type: 'uint8', default: 0x20 } },
    vmsd: vmstate_ipmi_sim,
    idstr: 'ipmi-bmc-sim',
    instanceId: 0,
    reset: bmcReset,
  };
}
