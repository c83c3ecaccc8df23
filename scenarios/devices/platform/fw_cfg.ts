/**
 * fw_cfg (hw/nvram/fw_cfg.c; spec §9.6): `fw_cfg_io` on x86, VMSD `fw_cfg`
 * version 2, minimum 1. `cur_offset` is defined twice: as a 16-bit value in
 * v1 streams (the `int32_as_uint16` codec, which can read but refuses to
 * write) and as uint32 from v2; the JSON names the saved one
 * `cur_offset[1]`. The `fw_cfg/dma` subsection never set a version, so it
 * travels as version 0.
 */
import { VmError } from '../../../src/wire/errors.js';
import { VMSTATE_SINGLE_TEST, VMSTATE_UINT16, VMSTATE_UINT32_V, VMSTATE_UINT64 } from '../../../src/vmstate/dsl.js';
import type { FieldExists, State, VMStateDescription, VMStateInfo } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

/** Reads a be16 into a 32-bit member; saving with it is a QEMU error (the field only exists in v1 streams). */
export const vmstate_hack_uint32_as_uint16: VMStateInfo = {
  name: 'int32_as_uint16',
  put(_w, _v, el) {
    throw new VmError({ kind: 'bad-state', message: `${el.vmsd.name}:${el.field.name}: int32_as_uint16 only loads old streams; QEMU refuses to save with it` });
  },
  get(r) {
    return r.u16('cur_offset (v1)');
  },
};

const is_version_1: FieldExists = (_s, version) => version === 1;

export const vmstate_fw_cfg: VMStateDescription = {
  name: 'fw_cfg',
  version_id: 2,
  minimum_version_id: 1,
  fields: [
    VMSTATE_UINT16('cur_entry'),
    VMSTATE_SINGLE_TEST('cur_offset', vmstate_hack_uint32_as_uint16, is_version_1),
    VMSTATE_UINT32_V('cur_offset', 2),
  ],
  subsections: [
    {
      name: 'fw_cfg/dma',
      version_id: 0,
      needed: (_s, ctx) => ctx.props.dma_enabled === true,
      fields: [VMSTATE_UINT64('dma_addr')],
    },
    {
      name: 'fw_cfg/acpi_mr',
      version_id: 1,
      minimum_version_id: 1,
      needed: (_s, ctx) => ctx.props['acpi-mr-restore'] === true,
      fields: [VMSTATE_UINT64('table_mr_size'), VMSTATE_UINT64('linker_mr_size'), VMSTATE_UINT64('rsdp_mr_size')],
    },
  ],
};

export function fwCfgReset(): State {
  return { cur_entry: 0, cur_offset: 0, dma_addr: 0n, table_mr_size: 0x20000n, linker_mr_size: 0x1000n, rsdp_mr_size: 0x1000n };
}

export function fwCfg(): DeviceClass {
  return {
    name: 'fw_cfg',
    type: 'fw_cfg_io',
    parents: ['fw_cfg', 'sys-bus-device', 'device'],
    props: {
      dma_enabled: { type: 'bool', default: true },
      'acpi-mr-restore': { type: 'bool', default: true },
      'x-file-slots': { type: 'uint16', default: 0x20 },
    },
    vmsd: vmstate_fw_cfg,
    idstr: 'fw_cfg',
    instanceId: 0,
    reset: fwCfgReset,
  };
}
