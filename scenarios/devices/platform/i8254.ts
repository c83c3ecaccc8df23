/**
 * i8254 PIT (hw/timer/i8254_common.c; spec §9.5): `isa-pit` (TCG) and
 * `kvm-pit` share the VMSD `i8254`, version 3, minimum 2. Channel 0's
 * irq_disabled and next_transition_time travel outside the channel array
 * (their names are the C member paths). post_load re-arms channel 0's
 * timer only; nothing is rejected.
 */
import { VMSTATE_INT32, VMSTATE_INT64, VMSTATE_STRUCT_ARRAY, VMSTATE_UINT16, VMSTATE_UINT32_V, VMSTATE_UINT8 } from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

export const vmstate_pit_channel: VMStateDescription = {
  name: 'pit channel',
  version_id: 2,
  minimum_version_id: 2,
  fields: [
    VMSTATE_INT32('count'),
    VMSTATE_UINT16('latched_count'),
    VMSTATE_UINT8('count_latched'),
    VMSTATE_UINT8('status_latched'),
    VMSTATE_UINT8('status'),
    VMSTATE_UINT8('read_state'),
    VMSTATE_UINT8('write_state'),
    VMSTATE_UINT8('write_latch'),
    VMSTATE_UINT8('rw_mode'),
    VMSTATE_UINT8('mode'),
    VMSTATE_UINT8('bcd'),
    VMSTATE_UINT8('gate'),
    VMSTATE_INT64('count_load_time'),
    VMSTATE_INT64('next_transition_time'),
  ],
};

export const vmstate_pit_common: VMStateDescription = {
  name: 'i8254',
  version_id: 3,
  minimum_version_id: 2,
  fields: [
    VMSTATE_UINT32_V('channels[0].irq_disabled', 3),
    VMSTATE_STRUCT_ARRAY('channels', 3, 2, vmstate_pit_channel),
    VMSTATE_INT64('channels[0].next_transition_time'),
  ],
};

/** pit_reset: every channel in mode 3 with count 0x10000; the gate is high except on channel 2 (the speaker's). */
function channel(i: number): State {
  return {
    count: 0x10000,
    latched_count: 0,
    count_latched: 0,
    status_latched: 0,
    status: 0,
    read_state: 0,
    write_state: 0,
    write_latch: 0,
    rw_mode: 0,
    mode: 3,
    bcd: 0,
    gate: i === 2 ? 0 : 1,
    count_load_time: 0n,
    next_transition_time: 0n,
  };
}

export function pitReset(): State {
  return { 'channels[0].irq_disabled': 0, channels: [0, 1, 2].map(channel), 'channels[0].next_transition_time': -1n };
}

export function i8254(): DeviceClass {
  return {
    name: 'i8254',
    type: 'isa-pit',
    parents: ['pit-common', 'isa-device', 'device'],
    props: { iobase: { type: 'uint32', default: 0x40 } },
    vmsd: vmstate_pit_common,
    idstr: 'i8254',
    instanceId: 0,
    reset: pitReset,
  };
}
