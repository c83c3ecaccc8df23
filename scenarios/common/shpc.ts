/**
 * The SHPC register block of a PCI bridge with a standard hot-plug
 * controller (hw/pci/shpc.c shpc_vmstate_info): shpc_save writes the
 * controller's config bytes raw, SHPC_SIZEOF = SHPC_SLOT_REG(nslots) =
 * 0x24 + 4 * nslots, and shpc_init always takes SHPC_MAX_SLOTS (31), so
 * 160 bytes; shpc_load reads as many and checks nothing (it only
 * re-raises the interrupt). The field's own size is 0 (SHPC_VMSTATE):
 * the length is the codec's.
 */
import fc from 'fast-check';
import type { CustomArbitrary } from '../../src/gen/types.js';
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import { VmError } from '../../src/wire/errors.js';
import type { ElementCtx, VMStateInfo } from '../../src/vmstate/types.js';

/** SHPC_MAX_SLOTS, the slot count shpc_init gives every controller. */
export const SHPC_MAX_SLOTS = 31;
/** SHPC_SLOT_REG(nslots): the register block's length. */
export const shpcSize = (nslots = SHPC_MAX_SLOTS) => 0x24 + nslots * 4;

export const shpc_vmstate_info: VMStateInfo = {
  name: 'shpc',
  put(w: Writer, v: unknown, el: ElementCtx) {
    const b = v as Uint8Array | undefined;
    if (!(b instanceof Uint8Array) || b.length !== shpcSize()) {
      throw new VmError({ kind: 'bad-input', message: `${el.field.name}: the SHPC block must be ${shpcSize()} bytes, got ${b instanceof Uint8Array ? b.length : typeof b}` });
    }
    w.bytes(b);
  },
  get(r: Reader) {
    return r.bytes(shpcSize(), 'SHPC registers').slice();
  },
};

/** The block at reset as the model has it: zeros (shpc_reset's register values are not modelled; the generator draws every byte). */
export const shpcReset = () => new Uint8Array(shpcSize());

/** Any bytes of the block: shpc_load takes whatever arrives. */
export const shpcArbitrary: CustomArbitrary = (ctx) =>
  fc.uint8Array({ minLength: shpcSize(), maxLength: shpcSize() }).map((b) => ({ [ctx.field.member!]: b }));
