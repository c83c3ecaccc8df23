/** Native compares of a stretch of a stream, for codecs' fast paths (VMStateInfo.fast). */

const ZEROS = Buffer.alloc(1 << 16);

/** `n` bytes of `buf` at `at` equal `want`'s first n (one memcmp). */
export function sameRun(buf: Uint8Array, at: number, want: Uint8Array, n: number): boolean {
  return Buffer.from(buf.buffer, buf.byteOffset + at, n).equals(want.subarray(0, n));
}

/** `n` bytes of `buf` at `at` are all zero (memcmp against zeros, 64 KiB at a time). */
export function zeroRun(buf: Uint8Array, at: number, n: number): boolean {
  for (let done = 0; done < n; done += ZEROS.length) {
    const k = Math.min(ZEROS.length, n - done);
    if (!sameRun(buf, at + done, ZEROS, k)) return false;
  }
  return true;
}
