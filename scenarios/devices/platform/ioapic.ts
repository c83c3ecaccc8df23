/**
 * ioapic (hw/intc/ioapic_common.c): VMSD `ioapic` version 3, minimum 1.
 * Eight placeholder bytes exist only from version 2 (qemu-kvm's old v2
 * layout), `irr` from version 2; then the 24 64-bit redirection entries.
 */
import { VMSTATE_UINT32_V, VMSTATE_UINT64_ARRAY, VMSTATE_UINT8, VMSTATE_UNUSED_V } from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

export const IOAPIC_NUM_PINS = 24;
const IOAPIC_LVT_MASKED = 1n << 16n;

export const vmstate_ioapic_common: VMStateDescription = {
  name: 'ioapic',
  version_id: 3,
  minimum_version_id: 1,
  fields: [
    VMSTATE_UINT8('id'),
    VMSTATE_UINT8('ioregsel'),
    VMSTATE_UNUSED_V(2, 8),
    VMSTATE_UINT32_V('irr', 2),
    VMSTATE_UINT64_ARRAY('ioredtbl', IOAPIC_NUM_PINS),
  ],
};

export function ioapicReset(): State {
  return { id: 0, ioregsel: 0, irr: 0, ioredtbl: Array.from({ length: IOAPIC_NUM_PINS }, () => IOAPIC_LVT_MASKED) };
}

export function ioapic(): DeviceClass {
  return {
    name: 'ioapic',
    type: 'ioapic',
    parents: ['ioapic-common', 'sys-bus-device', 'device'],
    props: { version: { type: 'uint8', default: 0x20 } },
    vmsd: vmstate_ioapic_common,
    idstr: 'ioapic',
    instanceId: 0,
    reset: ioapicReset,
  };
}
