import { fromLatin1 } from './reader.js';

/**
 * A big-endian writer for whole streams: small values go into a scratch buffer,
 * large byte runs (RAM pages) are kept by reference and copied once at the end, so
 * re-encoding a 256 MiB stream costs one copy instead of repeated doubling.
 */
export class ChunkWriter {
  private readonly parts: Uint8Array[] = [];
  private scratch = new Uint8Array(1 << 16);
  private view = new DataView(this.scratch.buffer);
  private pos = 0;
  /** Bytes written so far (also the offset of the next byte). */
  offset = 0;

  private room(n: number): number {
    if (this.pos + n > this.scratch.length) {
      this.flush();
      if (n > this.scratch.length) {
        this.scratch = new Uint8Array(n);
        this.view = new DataView(this.scratch.buffer);
      }
    }
    const at = this.pos;
    this.pos += n;
    this.offset += n;
    return at;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.parts.push(this.scratch.slice(0, this.pos));
    this.pos = 0;
  }

  u8(v: number): void {
    this.scratch[this.room(1)] = v & 0xff;
  }
  u16(v: number): void {
    this.view.setUint16(this.room(2), v & 0xffff);
  }
  u32(v: number): void {
    this.view.setUint32(this.room(4), v >>> 0);
  }
  u64(v: bigint): void {
    this.view.setBigUint64(this.room(8), BigInt.asUintN(64, v));
  }
  /** A 64-bit value given as a non-negative safe integer (RAM headers, block lengths). */
  u64n(v: number): void {
    const at = this.room(8);
    this.view.setUint32(at, Math.floor(v / 0x1_0000_0000));
    this.view.setUint32(at + 4, v >>> 0);
  }
  bytes(b: Uint8Array): void {
    if (b.length >= 512) {
      this.flush();
      this.parts.push(b);
      this.offset += b.length;
      return;
    }
    this.scratch.set(b, this.room(b.length));
  }
  countedString(s: string): void {
    const b = fromLatin1(s);
    if (b.length > 255) throw new RangeError(`counted string longer than 255 bytes: ${s.slice(0, 40)}…`);
    this.u8(b.length);
    this.bytes(b);
  }

  finish(): Uint8Array {
    this.flush();
    // every byte is overwritten: skip zero-filling (and the shared pool, so .buffer is ours)
    const out = new Uint8Array(Buffer.allocUnsafeSlow(this.offset).buffer, 0, this.offset);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
