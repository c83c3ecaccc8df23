import { EIO, VmError, hex } from './errors.js';

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Big-endian reader over a byte buffer that always knows its offset.
 * Running off the end throws a `short-read` VmError naming what was being
 * read, how many bytes were wanted and where: QEMU's sticky -EIO.
 */
export class Reader {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  offset: number;
  /** Reads may not go past this offset (exclusive). */
  readonly end: number;
  /**
   * QEMU's sticky file error left by a peek past the end of the input
   * (qemu_fill_buffer sets -EIO at end of file; the peek itself returns 0):
   * nothing fails there, and the next check of the file error reports it.
   */
  fault: { offset: number; what: string } | null = null;
  /**
   * Whether `end` is the end of the input, as a migration stream's end of
   * file is. A reader over one section's payload (whose stream goes on) is
   * not: a peek past its end is no error.
   */
  endIsEof = false;

  constructor(buf: Uint8Array, offset = 0, end = buf.length) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  atEnd(): boolean {
    return this.offset >= this.end;
  }

  private need(n: number, what: string): number {
    // A length from the stream or its description is untrusted: a negative or
    // fractional one would move the reader backwards or between bytes.
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new VmError({
        kind: 'bad-input',
        message: `cannot read ${what} at ${hex(this.offset)}: ${String(n)} is not a byte count (expected a non-negative integer)`,
        offset: this.offset,
        errno: EIO,
      });
    }
    if (n > this.end - this.offset) {
      const have = Math.max(0, this.end - this.offset);
      throw new VmError({
        kind: 'short-read',
        message: `short read: expected ${n} byte(s) for ${what} at ${hex(this.offset)}, found ${have} before the end of the stream`,
        offset: this.offset,
        errno: EIO,
      });
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(what = 'u8'): number {
    return this.view.getUint8(this.need(1, what));
  }
  i8(what = 'i8'): number {
    return this.view.getInt8(this.need(1, what));
  }
  u16(what = 'be16'): number {
    return this.view.getUint16(this.need(2, what));
  }
  i16(what = 'be16'): number {
    return this.view.getInt16(this.need(2, what));
  }
  u32(what = 'be32'): number {
    return this.view.getUint32(this.need(4, what));
  }
  i32(what = 'be32'): number {
    return this.view.getInt32(this.need(4, what));
  }
  /** `n` be32 words into `into[start..]`, as n calls of u32 read them (a short read fails at the same word, after the same writes). */
  u32s(into: { [i: number]: number }, start: number, n: number, what = 'be32'): void {
    const whole = Math.min(n, Math.max(0, Math.floor((this.end - this.offset) / 4)));
    const view = this.view;
    const at = this.offset;
    if (into instanceof Uint32Array && LITTLE_ENDIAN && start + whole <= into.length) {
      const dst = new Uint8Array(into.buffer, into.byteOffset + 4 * start, 4 * whole);
      dst.set(this.buf.subarray(at, at + 4 * whole));
      Buffer.from(dst.buffer, dst.byteOffset, dst.byteLength).swap32();
    } else for (let i = 0; i < whole; i++) into[start + i] = view.getUint32(at + 4 * i);
    this.offset = at + 4 * whole;
    for (let i = whole; i < n; i++) into[start + i] = this.u32(what);
  }
  /**
   * `n` big-endian integers of `bytes` bytes (signed or not) into
   * `into[0..]`, as n calls of u8/i8/u16/i16/u32/i32 read them: the whole
   * ones present in one loop, then element by element, so that a short
   * read fails at the same element after the same writes.
   */
  ints(into: unknown[], n: number, bytes: 1 | 2 | 4, signed: boolean, what: string): void {
    const whole = Math.min(n, Math.max(0, Math.floor((this.end - this.offset) / bytes)));
    const view = this.view;
    const at = this.offset;
    if (bytes === 1) {
      if (signed) for (let i = 0; i < whole; i++) into[i] = view.getInt8(at + i);
      else {
        const b = this.buf;
        for (let i = 0; i < whole; i++) into[i] = b[at + i];
      }
    } else if (bytes === 2) {
      if (signed) for (let i = 0; i < whole; i++) into[i] = view.getInt16(at + 2 * i);
      else for (let i = 0; i < whole; i++) into[i] = view.getUint16(at + 2 * i);
    } else if (signed) for (let i = 0; i < whole; i++) into[i] = view.getInt32(at + 4 * i);
    else for (let i = 0; i < whole; i++) into[i] = view.getUint32(at + 4 * i);
    this.offset = at + bytes * whole;
    for (let i = whole; i < n; i++) {
      if (bytes === 1) into[i] = signed ? this.i8(what) : this.u8(what);
      else if (bytes === 2) into[i] = signed ? this.i16(what) : this.u16(what);
      else into[i] = signed ? this.i32(what) : this.u32(what);
    }
  }
  u64(what = 'be64'): bigint {
    return this.view.getBigUint64(this.need(8, what));
  }
  i64(what = 'be64'): bigint {
    return this.view.getBigInt64(this.need(8, what));
  }
  bytes(n: number, what = 'bytes'): Uint8Array {
    const at = this.need(n, what);
    return this.buf.slice(at, at + n);
  }
  skip(n: number, what = 'bytes'): void {
    this.need(n, what);
  }
  /** Counted string: u8 length then that many raw bytes (latin1). */
  countedString(what = 'counted string'): string {
    const len = this.u8(`${what} length`);
    return latin1(this.bytes(len, what));
  }

  /** Look ahead without consuming; returns fewer bytes near the end, as QEMU's peek does. */
  peek(n: number, at = 0): Uint8Array {
    const from = Math.min(this.offset + at, this.end);
    const to = Math.min(from + n, this.end);
    return this.buf.subarray(from, to);
  }
  peekByte(at = 0): number | null {
    const p = this.offset + at;
    return p < this.end ? this.buf[p]! : null;
  }

  /** Records a peek that ran off the end (the first one counts, as QEMU keeps its first error). */
  peekedPastEnd(what: string): void {
    if (this.endIsEof) this.fault ??= { offset: this.end, what };
  }
}

export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

export function fromLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}
