/**
 * e1000: the PCI function as pci.gen.ts makes it; the register file as the
 * reset one with a few registers changed anywhere in it (the guest can
 * write every register, but 32 K random words would make states slow to
 * build and to read); the offload context the guest set last is the one
 * pre_save sends (tx.props, with the TSO subsection on), so tx.props
 * equals mig_props.
 */
import fc from 'fast-check';
import type { CustomArbitrary, DeviceGen } from '../../../src/gen/index.js';
import type { State } from '../../../src/vmstate/types.js';
import { pciCustom, refinePciDevice } from '../../common/pci.gen.js';
import { E1000_MAC_REGS, E1000_REG, TXD_PROPS, e1000Layout } from './e1000.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** A register file (the field's member): the reset one with up to eight registers set, named ones likelier. */
export const macRegArbitrary: CustomArbitrary = (ctx) => {
  const member = ctx.field.name;
  const reset = ctx.resetState[member] as Uint32Array;
  const index = fc.oneof(fc.constantFrom(...Object.values(E1000_REG)), fc.integer({ min: 0, max: E1000_MAC_REGS - 1 }));
  return fc.array(fc.tuple(index, u32), { maxLength: 8 }).map((changes) => {
    const regs = reset.slice();
    for (const [i, v] of changes) regs[i] = v;
    return { [member]: regs };
  });
};

const none: CustomArbitrary = () => fc.constant({});

/** The TX data buffer: zeros past the bytes of the frame being assembled (up to 256 of them here). */
const txData: CustomArbitrary = (ctx) =>
  fc.oneof(fc.constant(ctx.resetValue as Uint8Array), fc.uint8Array({ maxLength: 256 })).map((head) => {
    const b = new Uint8Array(0x10000);
    b.set(head);
    return { 'tx.data': b };
  });

export const e1000Gen: DeviceGen = {
  custom: { ...pciCustom, 'uint32 array': macRegArbitrary, 'uint32 element': none, 'uint32 sub-array': none, 'e1000 tx.data': txData },
  refine(s: State, props) {
    refinePciDevice(s, 'parent_obj', e1000Layout(props));
    for (const k of TXD_PROPS) s[`tx.props.${k}`] = s[`mig_props.${k}`];
    return s;
  },
};
