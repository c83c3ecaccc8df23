/**
 * isa-ipmi-kcs (hw/ipmi/isa_ipmi_kcs.c, ipmi_kcs.c): the one VMS_VSTRUCT
 * user. Its section (registered without an owner, so idstr
 * `ipmi-interface`) is version 2; field `kcs` appears twice: at struct
 * version 1 for v1 streams (selected by a test on the section version) and
 * at struct version 2 otherwise. Its post_load normalises, never fails.
 */
import {
  VMSTATE_BOOL,
  VMSTATE_INT16,
  VMSTATE_UINT32,
  VMSTATE_UINT32_V,
  VMSTATE_UINT8,
  VMSTATE_UINT8_ARRAY,
  VMSTATE_UNUSED_TEST,
  VMSTATE_VSTRUCT_TEST,
  VMSTATE_VSTRUCT_V,
} from '../../src/vmstate/dsl.js';
import type { FieldExists, State, VMStateDescription } from '../../src/vmstate/types.js';
import type { DeviceClass } from '../../src/machine/types.js';

export const MAX_IPMI_MSG_SIZE = 300;

const vmstate_kcs_before_version2: FieldExists = (_s, version) => version <= 1;

export const vmstate_IPMIKCS: VMStateDescription = {
  name: 'ipmi-interface-kcs',
  version_id: 2,
  minimum_version_id: 1,
  post_load(s) {
    // ipmi_kcs_vmstate_post_load: out-of-range positions are reset, with a guest-error log
    const outpos = Number(s.outpos);
    const outlen = Number(s.outlen);
    if (outpos >= MAX_IPMI_MSG_SIZE || outlen >= MAX_IPMI_MSG_SIZE || outpos >= outlen) {
      s.outpos = 0;
      s.outlen = 0;
    }
    if (Number(s.inlen) >= MAX_IPMI_MSG_SIZE) s.inlen = 0;
  },
  fields: [
    VMSTATE_BOOL('obf_irq_set'),
    VMSTATE_BOOL('atn_irq_set'),
    VMSTATE_UNUSED_TEST(vmstate_kcs_before_version2, 1), // was use_irq
    VMSTATE_BOOL('irqs_enabled'),
    VMSTATE_UINT32('outpos'),
    VMSTATE_UINT32_V('outlen', 2),
    VMSTATE_UINT8_ARRAY('outmsg', MAX_IPMI_MSG_SIZE),
    VMSTATE_UINT32_V('inlen', 2),
    VMSTATE_UINT8_ARRAY('inmsg', MAX_IPMI_MSG_SIZE),
    VMSTATE_BOOL('write_end'),
    VMSTATE_UINT8('status_reg'),
    VMSTATE_UINT8('data_out_reg'),
    VMSTATE_INT16('data_in_reg'),
    VMSTATE_INT16('cmd_reg'),
    VMSTATE_UINT8('waiting_rsp'),
  ],
};

export const vmstate_ISAIPMIKCSDevice: VMStateDescription = {
  name: 'ipmi-interface',
  version_id: 2,
  minimum_version_id: 1,
  fields: [
    VMSTATE_VSTRUCT_TEST('kcs', vmstate_kcs_before_version2, 0, vmstate_IPMIKCS, 1),
    VMSTATE_VSTRUCT_V('kcs', 2, vmstate_IPMIKCS, 2),
  ],
};

export function kcsReset(): State {
  return {
    obf_irq_set: false,
    atn_irq_set: false,
    irqs_enabled: false,
    outpos: 0,
    outlen: 0,
    outmsg: new Array(MAX_IPMI_MSG_SIZE).fill(0),
    inlen: 0,
    inmsg: new Array(MAX_IPMI_MSG_SIZE).fill(0),
    write_end: false,
    status_reg: 0,
    data_out_reg: 0,
    data_in_reg: -1,
    cmd_reg: -1,
    waiting_rsp: 0,
  };
}

export function isaIpmiKcs(): DeviceClass {
  return {
    name: 'isa-ipmi-kcs',
    type: 'isa-ipmi-kcs',
    parents: ['isa-device', 'device'],
    props: {
      ioport: { type: 'uint32', default: 0xca2 },
      irq: { type: 'int32', default: 5 },
    },
    vmsd: vmstate_ISAIPMIKCSDevice,
    idstr: 'ipmi-interface',
    instanceId: 0,
    reset: () => ({ kcs: kcsReset() }),
    examples() {
      const busy = kcsReset();
      Object.assign(busy, { obf_irq_set: true, irqs_enabled: true, outpos: 1, outlen: 3, inlen: 2, status_reg: 0x42, data_in_reg: 0x68, waiting_rsp: 7 });
      (busy.outmsg as number[]).splice(0, 3, 0x1c, 0x01, 0x00);
      (busy.inmsg as number[]).splice(0, 2, 0x18, 0x01);
      return [{ kcs: kcsReset() }, { kcs: busy }];
    },
  };
}
