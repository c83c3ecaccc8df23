import { fromLatin1 } from './reader.js';

export const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Growable big-endian writer that knows its offset. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  offset = 0;

  constructor(initial = 4096) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private room(n: number): number {
    if (this.offset + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.offset + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.offset));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  // room() may swap the buffer, so it is always called before touching view or buf.
  u8(v: number): void {
    const at = this.room(1);
    this.view.setUint8(at, v & 0xff);
  }
  u16(v: number): void {
    const at = this.room(2);
    this.view.setUint16(at, v & 0xffff);
  }
  u32(v: number): void {
    const at = this.room(4);
    this.view.setUint32(at, v >>> 0);
  }
  u64(v: bigint): void {
    const at = this.room(8);
    this.view.setBigUint64(at, BigInt.asUintN(64, v));
  }
  /** `n` be32 words from `a[start..]` (a missing word as 0), as n calls of u32 write them. */
  u32s(a: ArrayLike<number>, start: number, n: number): void {
    const at = this.room(4 * n);
    if (a instanceof Uint32Array && LITTLE_ENDIAN && start + n <= a.length) {
      // copy the words' bytes and swap them in place: one memcpy and one native pass
      this.buf.set(new Uint8Array(a.buffer, a.byteOffset + 4 * start, 4 * n), at);
      Buffer.from(this.buf.buffer, this.buf.byteOffset + at, 4 * n).swap32();
      return;
    }
    const view = this.view;
    for (let i = 0; i < n; i++) view.setUint32(at + 4 * i, (a[start + i] ?? 0) >>> 0);
  }
  /**
   * `n` integers of `a[0..]`, each as u8/u16/u32 (by `bytes`) writes
   * Number(a[i] ?? 0): one reservation instead of one per element.
   */
  ints(a: ArrayLike<unknown>, n: number, bytes: 1 | 2 | 4): void {
    const at = this.room(bytes * n);
    if (bytes === 1) {
      const b = this.buf;
      for (let i = 0; i < n; i++) b[at + i] = Number(a[i] ?? 0) & 0xff;
      return;
    }
    const view = this.view;
    if (bytes === 2) for (let i = 0; i < n; i++) view.setUint16(at + 2 * i, Number(a[i] ?? 0) & 0xffff);
    else for (let i = 0; i < n; i++) view.setUint32(at + 4 * i, Number(a[i] ?? 0) >>> 0);
  }
  bytes(b: Uint8Array): void {
    const at = this.room(b.length);
    this.buf.set(b, at);
  }
  zeros(n: number): void {
    const at = this.room(n);
    this.buf.fill(0, at, this.offset);
  }
  countedString(s: string): void {
    const b = fromLatin1(s);
    if (b.length > 255) throw new RangeError(`counted string longer than 255 bytes: ${s.slice(0, 40)}…`);
    this.u8(b.length);
    this.bytes(b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.offset);
  }

  /** What finish() returns, without the copy: a view that the writer's next bytes overwrite. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.offset);
  }
}
