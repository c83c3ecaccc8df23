/**
 * VMSTATE_BITMAP (migration/vmstate-types.c vmstate_info_bitmap): a
 * bitmap of `size` bits (the VBUFFER's size member counts bits, not
 * bytes) travels as BITS_TO_U64S(size) be64 words, bit i of the bitmap
 * at bit i % 64 of word i / 64. The state holds one byte per bit (0 or
 * 1), so the engine sizes it from the same member; bits past `size` in
 * the last word are never set by QEMU's bitmap operations and are not
 * kept.
 */
import fc from 'fast-check';
import type { CustomArbitrary } from '../../src/gen/types.js';
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import type { ElementCtx, VMStateInfo } from '../../src/vmstate/types.js';

const words = (bits: number) => Math.ceil(bits / 64);

export const vmstate_info_bitmap: VMStateInfo = {
  name: 'bitmap',
  put(w: Writer, v: unknown, el: ElementCtx) {
    const bits = el.size;
    const b = (v as Uint8Array | undefined) ?? new Uint8Array(bits);
    for (let i = 0; i < words(bits); i++) {
      let word = 0n;
      for (let j = 0; j < 64 && i * 64 + j < bits; j++) if (b[i * 64 + j]) word |= 1n << BigInt(j);
      w.u64(word);
    }
  },
  get(r: Reader, _current: unknown, el: ElementCtx) {
    const bits = el.size;
    const out = new Uint8Array(bits);
    for (let i = 0; i < words(bits); i++) {
      const word = r.u64('bitmap word');
      for (let j = 0; j < 64 && i * 64 + j < bits; j++) out[i * 64 + j] = Number((word >> BigInt(j)) & 1n);
    }
    return out;
  },
};

/** Any bits of a bitmap as long as the reset one. */
export const bitmapArbitrary: CustomArbitrary = (ctx) => {
  const n = (ctx.resetValue as Uint8Array | undefined)?.length ?? 0;
  return fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }).map((b) => ({ [ctx.field.member!]: Uint8Array.from(b) }));
};
