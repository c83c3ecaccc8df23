import * as I from '../info.js';
import type { VMStateInfo } from '../types.js';

/**
 * The primitive codecs the compiler writes out in place of a call, as
 * expressions over `w`/`r` and the value: exactly what their put/get do
 * (src/vmstate/info.ts), the reader's `what` included.
 */
export interface InlineCodec {
  put(v: string): string;
  get: string;
  /** An array of them in one call each way (Writer.ints, Reader.ints), for the integers up to 32 bits. */
  bulk?: { put(a: string, n: string): string; get(into: string, n: string): string };
}

const int = (bits: 8 | 16 | 32, signed: boolean, name: string): InlineCodec => ({
  put: (v) => `w.u${bits}(Number(${v} ?? 0))`,
  get: `r.${signed ? 'i' : 'u'}${bits}(${JSON.stringify(name)})`,
  bulk: {
    put: (a, n) => `w.ints(${a}, ${n}, ${bits / 8})`,
    get: (into, n) => `r.ints(${into}, ${n}, ${bits / 8}, ${signed}, ${JSON.stringify(name)})`,
  },
});
const int64 = (signed: boolean, name: string): InlineCodec => ({
  put: (v) => `w.u64(BigInt(${v} ?? 0n))`,
  get: `r.${signed ? 'i' : 'u'}64(${JSON.stringify(name)})`,
});

export const INLINE = new Map<VMStateInfo, InlineCodec>([
  [I.vmstate_info_uint8, int(8, false, 'uint8')],
  [I.vmstate_info_uint16, int(16, false, 'uint16')],
  [I.vmstate_info_uint32, int(32, false, 'uint32')],
  [I.vmstate_info_int8, int(8, true, 'int8')],
  [I.vmstate_info_int16, int(16, true, 'int16')],
  [I.vmstate_info_int32, int(32, true, 'int32')],
  [I.vmstate_info_uint64, int64(false, 'uint64')],
  [I.vmstate_info_int64, int64(true, 'int64')],
  [I.vmstate_info_bool, { put: (v) => `w.u8(${v} ? 1 : 0)`, get: `(r.u8("bool") !== 0)` }],
  [I.vmstate_info_timer, { put: (v) => `w.u64(BigInt(${v} ?? -1n))`, get: `r.i64("timer")` }],
]);
