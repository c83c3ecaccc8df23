/**
 * Small PC platform devices with one flat VMSD each:
 *   pcspk   (hw/audio/pcspk.c)   the speaker; sent only when its `migrate`
 *                                property is on (hw_compat_2_6 turns it off)
 *   port92  (hw/i386/pc.c)       system control port A
 *   vmmouse (hw/i386/vmmouse.c)  version 0; the queue size is `_EQUAL`-checked
 *   i8257   (hw/dma/i8257.c)     the two ISA DMA controllers, idstr `dma`,
 *                                instances 0 (8-bit) and 1 (16-bit)
 */
import {
  VMSTATE_INT32,
  VMSTATE_INT32_ARRAY,
  VMSTATE_INT32_EQUAL,
  VMSTATE_STRUCT_ARRAY,
  VMSTATE_UINT16,
  VMSTATE_UINT16_ARRAY,
  VMSTATE_UINT32_ARRAY,
  VMSTATE_UINT8,
} from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

export const vmstate_spk: VMStateDescription = {
  name: 'pcspk',
  version_id: 1,
  minimum_version_id: 1,
  needed: (_s, ctx) => ctx.props.migrate === true,
  fields: [VMSTATE_UINT8('data_on'), VMSTATE_UINT8('dummy_refresh_clock')],
};

export function pcspk(): DeviceClass {
  return {
    name: 'pcspk',
    type: 'isa-pcspk',
    parents: ['isa-device', 'device'],
    props: { iobase: { type: 'uint32', default: 0x61 }, migrate: { type: 'bool', default: true } },
    vmsd: vmstate_spk,
    idstr: 'pcspk',
    instanceId: 0,
    reset: () => ({ data_on: 0, dummy_refresh_clock: 0 }),
  };
}

export const vmstate_port92: VMStateDescription = {
  name: 'port92',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT8('outport')],
};

export function port92(): DeviceClass {
  return {
    name: 'port92',
    type: 'port92',
    parents: ['isa-device', 'device'],
    props: {},
    vmsd: vmstate_port92,
    idstr: 'port92',
    instanceId: 0,
    reset: () => ({ outport: 0 }),
  };
}

export const VMMOUSE_QUEUE_SIZE = 1024;

export const vmstate_vmmouse: VMStateDescription = {
  name: 'vmmouse',
  version_id: 0,
  minimum_version_id: 0,
  fields: [
    VMSTATE_INT32_EQUAL('queue_size'),
    VMSTATE_UINT32_ARRAY('queue', VMMOUSE_QUEUE_SIZE),
    VMSTATE_UINT16('nb_queue'),
    VMSTATE_UINT16('status'),
    VMSTATE_UINT8('absolute'),
  ],
};

export function vmmouse(): DeviceClass {
  return {
    name: 'vmmouse',
    type: 'vmmouse',
    parents: ['isa-device', 'device'],
    props: {},
    vmsd: vmstate_vmmouse,
    idstr: 'vmmouse',
    instanceId: 0,
    reset: () => ({ queue_size: VMMOUSE_QUEUE_SIZE, queue: new Array(VMMOUSE_QUEUE_SIZE).fill(0), nb_queue: 0, status: 0, absolute: 0 }),
  };
}

export const vmstate_i8257_regs: VMStateDescription = {
  name: 'dma_regs',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_INT32_ARRAY('now', 2),
    VMSTATE_UINT16_ARRAY('base', 2),
    VMSTATE_UINT8('mode'),
    VMSTATE_UINT8('page'),
    VMSTATE_UINT8('pageh'),
    VMSTATE_UINT8('dack'),
    VMSTATE_UINT8('eop'),
  ],
};

export const vmstate_i8257: VMStateDescription = {
  name: 'dma',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_UINT8('command'),
    VMSTATE_UINT8('mask'),
    VMSTATE_UINT8('flip_flop'),
    VMSTATE_INT32('dshift'),
    VMSTATE_STRUCT_ARRAY('regs', 4, 0, vmstate_i8257_regs),
  ],
};

export function i8257(): DeviceClass {
  return {
    name: 'i8257',
    type: 'i8257',
    parents: ['isa-device', 'device'],
    props: { base: { type: 'int32', default: 0 }, dshift: { type: 'int32', default: 0 } },
    vmsd: vmstate_i8257,
    idstr: 'dma',
    instanceId: 0,
    reset: (p): State => ({
      command: 0,
      mask: 0xff,
      flip_flop: 0,
      dshift: Number(p.dshift),
      regs: Array.from({ length: 4 }, () => ({ now: [0, 0], base: [0, 0], mode: 0, page: 0, pageh: 0, dack: 0, eop: 0 })),
    }),
  };
}
