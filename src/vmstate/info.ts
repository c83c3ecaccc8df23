import { EINVAL, VmError } from '../wire/errors.js';
import type { Reader } from '../wire/reader.js';
import type { Writer } from '../wire/writer.js';
import { VMS_NULLPTR_MARKER } from '../wire/constants.js';
import type { ElementCtx, VMStateInfo } from './types.js';

/** The primitive VMStateInfo codecs of migration/vmstate-types.c (spec §3.6). */

function int(name: string, bytes: 1 | 2 | 4, signed: boolean): VMStateInfo {
  return {
    name,
    plain: true,
    put(w, v) {
      const n = Number(v ?? 0);
      if (bytes === 1) w.u8(n);
      else if (bytes === 2) w.u16(n);
      else w.u32(n);
    },
    get(r) {
      if (bytes === 1) return signed ? r.i8(name) : r.u8(name);
      if (bytes === 2) return signed ? r.i16(name) : r.u16(name);
      return signed ? r.i32(name) : r.u32(name);
    },
  };
}

function int64(name: string, signed: boolean): VMStateInfo {
  return {
    name,
    plain: true,
    put(w, v) {
      w.u64(BigInt((v as bigint | number | undefined) ?? 0n));
    },
    get(r) {
      return signed ? r.i64(name) : r.u64(name);
    },
  };
}

export const vmstate_info_bool: VMStateInfo = {
  name: 'bool',
  plain: true,
  put(w, v) {
    w.u8(v ? 1 : 0);
  },
  get(r) {
    return r.u8('bool') !== 0;
  },
};

export const vmstate_info_int8 = int('int8', 1, true);
export const vmstate_info_int16 = int('int16', 2, true);
export const vmstate_info_int32 = int('int32', 4, true);
export const vmstate_info_int64 = int64('int64', true);
export const vmstate_info_uint8 = int('uint8', 1, false);
export const vmstate_info_uint16 = int('uint16', 2, false);
export const vmstate_info_uint32 = int('uint32', 4, false);
export const vmstate_info_uint64 = int64('uint64', false);

function hexNoPrefix(v: unknown): string {
  return (typeof v === 'bigint' ? BigInt.asUintN(64, v) : BigInt(Number(v ?? 0) >>> 0)).toString(16);
}

/** `_EQUAL` codecs: the incoming value must equal the destination's own. */
function equal(base: VMStateInfo, name: string): VMStateInfo {
  return {
    name,
    plain: base.plain,
    put: base.put,
    get(r, current, el) {
      const at = r.offset;
      const v = base.get(r, current, el);
      const local = current ?? (typeof v === 'bigint' ? 0n : 0);
      // a 64-bit value is a bigint from the wire and may be a number in a model's reset state: compare as 64-bit
      const same = typeof v === 'bigint' ? BigInt.asUintN(64, v) === BigInt.asUintN(64, BigInt(local as bigint | number)) : v === local;
      if (!same) {
        const line = `${hexNoPrefix(local)} != ${hexNoPrefix(v)}`;
        throw new VmError({
          kind: 'equal-mismatch',
          message: `${el.vmsd.name}:${el.field.name}: the stream has ${String(v)}, the destination has ${String(local)} and they must be equal${el.field.err_hint ? ` (${el.field.err_hint})` : ''}`,
          offset: at,
          errno: EINVAL,
          qemu: el.field.err_hint ? [line, el.field.err_hint] : [line],
        });
      }
      return v;
    },
  };
}

export const vmstate_info_uint8_equal = equal(vmstate_info_uint8, 'uint8 equal');
export const vmstate_info_uint16_equal = equal(vmstate_info_uint16, 'uint16 equal');
export const vmstate_info_int32_equal = equal(vmstate_info_int32, 'int32 equal');
export const vmstate_info_uint32_equal = equal(vmstate_info_uint32, 'uint32 equal');
/** QEMU's uint64 `_EQUAL` codec is named "int64 equal". */
export const vmstate_info_uint64_equal = equal(vmstate_info_uint64, 'int64 equal');

/** `int32 le`: accepted only if 0 <= value <= the destination's current value. */
export const vmstate_info_int32_le: VMStateInfo = {
  name: 'int32 le',
  plain: true,
  put: vmstate_info_int32.put,
  get(r, current, el) {
    const at = r.offset;
    const v = r.i32('int32 le');
    const cur = Number(current ?? 0);
    if (v < 0 || v > cur) {
      throw new VmError({
        kind: 'int32-le-range',
        message: `${el.vmsd.name}:${el.field.name}: value ${v} is outside 0..${cur} (the destination's current value)`,
        offset: at,
        errno: EINVAL,
        qemu: [`Invalid value ${v} expecting positive value <= ${cur}`],
      });
    }
    return v;
  },
};

/** A timer travels as its be64 expiry time in ns; -1 when not armed. */
export const vmstate_info_timer: VMStateInfo = {
  name: 'timer',
  plain: true,
  put(w, v) {
    w.u64(BigInt((v as bigint | undefined) ?? -1n));
  },
  get(r) {
    return r.i64('timer');
  },
};

export const vmstate_info_buffer: VMStateInfo = {
  name: 'buffer',
  plain: true,
  put(w, v, el) {
    const b = (v as Uint8Array | undefined) ?? new Uint8Array(el.size);
    if (b.length !== el.size) {
      throw new VmError({
        kind: 'bad-state',
        message: `${el.vmsd.name}:${el.field.name}: buffer holds ${b.length} bytes but the field is ${el.size}`,
      });
    }
    w.bytes(b);
  },
  get(r, _current, el) {
    return r.bytes(el.size, el.field.name);
  },
};

/** Placeholder bytes: written as zeros, read and thrown away. */
export const vmstate_info_unused_buffer: VMStateInfo = {
  name: 'unused_buffer',
  plain: true,
  put(w, _v, el) {
    w.zeros(el.size);
  },
  get(r, current, el) {
    r.skip(el.size, 'unused');
    return current;
  },
};

export const vmstate_info_nullptr: VMStateInfo = {
  name: 'nullptr',
  put(w: Writer) {
    w.u8(VMS_NULLPTR_MARKER);
  },
  get(r: Reader, _current: unknown, el: ElementCtx) {
    const at = r.offset;
    const b = r.u8('null pointer marker');
    if (b !== VMS_NULLPTR_MARKER) {
      throw new VmError({
        kind: 'nullptr-marker',
        message: `${el.vmsd.name}:${el.field.name}: expected the null-pointer marker 0x30 at 0x${at.toString(16)}, found 0x${b.toString(16)}`,
        offset: at,
        errno: EINVAL,
        qemu: ['vmstate: get_nullptr expected VMS_NULLPTR_MARKER'],
      });
    }
    return null;
  },
};
