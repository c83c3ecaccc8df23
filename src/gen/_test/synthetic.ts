/**
 * A made-up device that uses every VMSD shape the generator handles, so the
 * generic machinery is tested apart from any real device model.
 */
import { Engine } from '../../machine/engine.js';
import type { DeviceClass, Release } from '../../machine/types.js';
import {
  VMSTATE_ARRAY_OF_POINTER_TO_STRUCT,
  VMSTATE_BOOL,
  VMSTATE_INT32_POSITIVE_LE,
  VMSTATE_INT64,
  VMSTATE_SINGLE,
  VMSTATE_STRUCT_VARRAY_UINT32,
  VMSTATE_STRUCT_VARRAY_UINT8,
  VMSTATE_TIMER,
  VMSTATE_UINT16,
  VMSTATE_UINT32,
  VMSTATE_UINT32_EQUAL,
  VMSTATE_UINT32_TEST,
  VMSTATE_UINT64_V,
  VMSTATE_UINT8,
  VMSTATE_UINT8_ARRAY,
  VMSTATE_UNUSED,
  VMSTATE_VARRAY_UINT32,
  VMSTATE_VBUFFER_UINT32,
} from '../../vmstate/dsl.js';
import { vmstate_info_int16 } from '../../vmstate/info.js';
import type { State, VMStateDescription, VMStateInfo } from '../../vmstate/types.js';

export const synElem: VMStateDescription = {
  name: 'syn-elem',
  version_id: 1,
  fields: [VMSTATE_UINT16('a'), VMSTATE_BOOL('b'), VMSTATE_TIMER('t')],
  subsections: [{ name: 'syn-elem/extra', version_id: 1, needed: (s) => s.a !== 0, fields: [VMSTATE_UINT32('extra')] }],
};

/** A custom codec: one be32 from member `cust`. */
export const synCustomInfo: VMStateInfo = {
  name: 'syn-custom',
  put: (w, v) => w.u32(Number(v ?? 0)),
  get: (r) => r.u32('syn-custom'),
};

export const synVmsd: VMStateDescription = {
  name: 'syn',
  version_id: 3,
  minimum_version_id: 1,
  pre_save(s) {
    // a member derived at save time, like serial's fcr_vmstate
    s.checksum = (Number(s.n) + Number(s.len)) & 0xff;
  },
  fields: [
    VMSTATE_UINT8('n'),
    VMSTATE_STRUCT_VARRAY_UINT8('elems', 'n', 0, synElem),
    VMSTATE_UINT32('len'),
    VMSTATE_VARRAY_UINT32('vals', 'len', 0, vmstate_info_int16),
    VMSTATE_UINT32('bufsize'),
    VMSTATE_VBUFFER_UINT32('buf', 0, undefined, 'bufsize'),
    VMSTATE_UINT8('checksum'),
    VMSTATE_UINT32_EQUAL('magic'),
    VMSTATE_INT32_POSITIVE_LE('level'),
    VMSTATE_UNUSED(4),
    VMSTATE_INT64('i64'),
    VMSTATE_UINT64_V('u64', 2),
    VMSTATE_UINT64_V('future', 4),
    VMSTATE_TIMER('timer'),
    VMSTATE_BOOL('has_opt'),
    VMSTATE_UINT32_TEST('opt', (s) => s.has_opt === true),
    VMSTATE_ARRAY_OF_POINTER_TO_STRUCT('ptrs', 3, 0, synElem),
    VMSTATE_UINT8_ARRAY('fixed', 4),
    VMSTATE_STRUCT_VARRAY_UINT32('slots', 'nslots', 0, synElem),
    VMSTATE_SINGLE('cust', synCustomInfo),
  ],
  subsections: [
    { name: 'syn/flag', version_id: 1, needed: (s) => s.flag !== 0, fields: [VMSTATE_UINT32('flag'), VMSTATE_UINT32('flag_data')] },
    { name: 'syn/prop', version_id: 1, needed: (_s, ctx) => ctx.props.sub === true, fields: [VMSTATE_UINT16('prop_val')] },
  ],
};

const elem = (): State => ({ a: 0, b: false, t: -1n, extra: 0 });

export const synDevice: DeviceClass = {
  name: 'syn',
  type: 'syn-dev',
  parents: ['device'],
  props: { slots: { type: 'uint32', default: 2 }, sub: { type: 'bool', default: false } },
  vmsd: synVmsd,
  idstr: 'syn',
  instanceId: 0,
  reset: (p) => ({
    n: 0,
    elems: [],
    len: 1,
    vals: [7],
    bufsize: 2,
    buf: new Uint8Array([1, 2]),
    checksum: 1,
    magic: 0xdead,
    level: 5,
    i64: 0n,
    u64: 0n,
    future: 42n,
    timer: -1n,
    has_opt: false,
    opt: 0,
    ptrs: [elem(), null, elem()],
    fixed: [0, 0, 0, 0],
    nslots: Number(p.slots),
    slots: Array.from({ length: Number(p.slots) }, elem),
    cust: 0,
    flag: 0,
    flag_data: 0,
    prop_val: 0,
  }),
};

export const synRelease: Release = {
  name: 'syn-1',
  compatArrays: {},
  machines: [
    { name: 'syn-m-1', compat: [] },
    { name: 'syn-m-2', compat: [{ driver: 'syn-dev', property: 'sub', value: 'on' }] },
  ],
  devices: [synDevice],
};

export const synEngine = (machine = 'syn-m-1') => new Engine(synRelease, machine);
