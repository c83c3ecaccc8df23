/**
 * Fields over parts of one array member, as QEMU writes
 * VMSTATE_UINT32(mac_reg[CTRL], …) and VMSTATE_UINT32_SUB_ARRAY(mac_reg,
 * …, RA, 32): the element and the slice alias the array, so the model
 * keeps one array and these codecs read and write into it. A loaded
 * element or slice lands in the same array a later whole-array field
 * overwrites, as in QEMU.
 */
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import { field } from '../../src/vmstate/dsl.js';
import type { ElementCtx, VMStateField, VMStateInfo } from '../../src/vmstate/types.js';

function slice(name: string, member: string, start: number, num: number): VMStateInfo {
  const what = num === 1 ? `${member}[${start}]` : `${member}[${start}..${start + num - 1}]`;
  // one leaf per element for registers and slices; the whole array as one leaf (it is 32 K elements long)
  const record = (el: ElementCtx, at: number) => {
    if (num > 256) {
      el.ctx.record({ keys: [...el.at, member], vmsd: el.vmsd.name, field: el.field.name, offset: at, size: 4 * num, what: 'field' });
      return;
    }
    for (let i = 0; i < num; i++) el.ctx.record({ keys: [...el.at, member, start + i], vmsd: el.vmsd.name, field: el.field.name, offset: at + 4 * i, size: 4, what: 'field' });
  };
  return {
    name,
    recordsOwnLeaves: true,
    vmdesc: { type: 'uint32', elements: num },
    put(w: Writer, _v: unknown, el: ElementCtx) {
      const a = el.state[member] as ArrayLike<number>;
      const at = w.offset;
      w.u32s(a, start, num);
      record(el, at);
    },
    get(r: Reader, _current: unknown, el: ElementCtx) {
      const a = el.state[member] as { [i: number]: number };
      const at = r.offset;
      r.u32s(a, start, num, what);
      record(el, at);
      return undefined;
    },
  };
}

/** VMSTATE_UINT32(member[index]) — named as QEMU names it (`mac_reg[CTRL]`). */
export function VMSTATE_UINT32_ELEMENT(name: string, member: string, index: number): VMStateField {
  return { ...field(name, { info: slice('uint32 element', member, index, 1) }), member: null };
}

/** VMSTATE_UINT32_SUB_ARRAY(member, …, start, num). */
export function VMSTATE_UINT32_SUB_ARRAY(member: string, start: number, num: number): VMStateField {
  return { ...field(member, { info: slice('uint32 sub-array', member, start, num) }), member: null };
}

/** VMSTATE_UINT32_ARRAY over the whole member, through the same array the element fields use. */
export function VMSTATE_UINT32_ARRAY_ALIASED(member: string, num: number): VMStateField {
  return { ...field(member, { info: slice('uint32 array', member, 0, num) }), member: null };
}
