import { Arbitrary, Stream, Value, type Random } from 'fast-check';
import { isScalarArray } from '../vmstate/state.js';

/** A mutable array of numbers: a typed array or a plain number[]. */
export interface NumberArray {
  readonly length: number;
  [i: number]: number;
}

export interface LaneSpec<T extends NumberArray> {
  /** The value to start from and shrink back to (its length is the arbitrary's). */
  reset: T;
  /** A fresh copy of `v` (reset or generated), of the same kind. */
  copy(v: T): T;
  /** One random element for index `i` (which may keep some of `reset[i]`'s bits). */
  draw(mrng: Random, i: number): number;
  /** The indices a draw may change (default: all); restoring the others is pointless and they never differ. */
  positions?: readonly number[];
  /** Fills every position at once (default: `draw` per position). */
  fill?(mrng: Random, out: T): void;
}

/** How many elements a sparse state changes at most. */
const SPARSE_MAX = 4;
/** How many consecutive positions a dense state changes at most (a region of a large array). */
const DENSE_MAX = 512;
/** How many differing elements shrinking still restores one at a time. */
const SINGLE_RESTORES = 16;

/**
 * Large arrays and buffers (config spaces, message buffers, MSI-X tables,
 * register arrays) generated in one pass from the random source, with no
 * fast-check value per element. A state of a running guest leaves most of
 * such a buffer as the device built it, so the draw is mostly blank:
 * a quarter of the values are the reset value, half change one to four
 * elements anywhere, a quarter change every position (in an array of more
 * than 512, a region of 512 consecutive ones). Shrinking goes back to
 * the reset value: all of it first, then half of the differing elements,
 * then one element at a time, so a counterexample keeps only the elements
 * the failure needs.
 */
export class BlankBiasedArbitrary<T extends NumberArray> extends Arbitrary<T> {
  private readonly positions: readonly number[];
  constructor(private readonly spec: LaneSpec<T>) {
    super();
    this.positions = spec.positions ?? Array.from({ length: spec.reset.length }, (_, i) => i);
  }

  generate(mrng: Random): Value<T> {
    const { spec, positions } = this;
    const out = spec.copy(spec.reset);
    const n = positions.length;
    if (n === 0) return new Value(out, undefined);
    const mode = mrng.nextInt(0, 3);
    if (mode === 0) return new Value(out, undefined);
    if (mode === 3) {
      if (n <= DENSE_MAX) {
        if (spec.fill && n === spec.reset.length) spec.fill(mrng, out);
        else for (const i of positions) out[i] = spec.draw(mrng, i);
      } else {
        // a large array: a guest writes a region of it, not every element
        const from = mrng.nextInt(0, n - DENSE_MAX);
        for (let j = from; j < from + DENSE_MAX; j++) out[positions[j]!] = spec.draw(mrng, positions[j]!);
      }
      return new Value(out, undefined);
    }
    const k = mrng.nextInt(1, Math.min(n, SPARSE_MAX));
    for (let j = 0; j < k; j++) {
      const i = positions[mrng.nextInt(0, n - 1)]!;
      out[i] = spec.draw(mrng, i);
    }
    return new Value(out, undefined);
  }

  canShrinkWithoutContext(v: unknown): v is T {
    const r = this.spec.reset;
    return v !== null && typeof v === 'object' && (v as NumberArray).length === r.length && Object.getPrototypeOf(v) === Object.getPrototypeOf(r);
  }

  shrink(v: T): Stream<Value<T>> {
    const r = this.spec.reset;
    const diff: number[] = [];
    for (const i of this.positions) if (v[i] !== r[i]) diff.push(i);
    if (diff.length === 0) return Stream.nil();
    return new Stream(this.candidates(v, diff));
  }

  /** `v` with the elements at `idx` put back to their reset values. */
  private restored(v: T, idx: readonly number[]): Value<T> {
    const out = this.spec.copy(v);
    for (const i of idx) out[i] = this.spec.reset[i]!;
    return new Value(out, undefined);
  }

  private *candidates(v: T, diff: number[]): IterableIterator<Value<T>> {
    yield new Value(this.spec.copy(this.spec.reset), undefined);
    if (diff.length === 1) return;
    const half = diff.length >> 1;
    yield this.restored(v, diff.slice(0, half));
    yield this.restored(v, diff.slice(half));
    if (diff.length > SINGLE_RESTORES) return;
    for (const i of diff) yield this.restored(v, [i]);
  }
}

/** Random bytes into `out`, four per draw. */
function fillBytes(mrng: Random, out: Uint8Array): void {
  let i = 0;
  for (; i + 4 <= out.length; i += 4) {
    const w = mrng.nextInt();
    out[i] = w & 0xff;
    out[i + 1] = (w >>> 8) & 0xff;
    out[i + 2] = (w >>> 16) & 0xff;
    out[i + 3] = w >>> 24;
  }
  for (; i < out.length; i++) out[i] = mrng.nextInt(0, 0xff);
}

/** `reset` cut or zero-padded to `length` bytes, as a fresh Uint8Array. */
export function sizedBytes(reset: ArrayLike<number> | undefined, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (reset) for (let i = 0; i < Math.min(length, reset.length); i++) out[i] = reset[i]!;
  return out;
}

/** A byte buffer of `length` bytes (default the reset's), mostly the reset one. */
export function blankBiasedBytes(reset: ArrayLike<number> | undefined, length = reset?.length ?? 0): Arbitrary<Uint8Array> {
  return new BlankBiasedArbitrary<Uint8Array>({
    reset: sizedBytes(reset, length),
    copy: (v) => v.slice(),
    draw: (mrng) => mrng.nextInt(0, 0xff),
    fill: fillBytes,
  });
}

/**
 * Bytes where the guest can change only the bits of `mask` (a config
 * space's writable and write-one-to-clear bits): every other bit keeps the
 * reset value.
 */
export function maskedBytes(reset: Uint8Array, mask: ArrayLike<number>): Arbitrary<Uint8Array> {
  const positions: number[] = [];
  for (let i = 0; i < reset.length; i++) if (mask[i]! & 0xff) positions.push(i);
  return new BlankBiasedArbitrary<Uint8Array>({
    reset: reset.slice(),
    copy: (v) => v.slice(),
    positions,
    draw: (mrng, i) => (reset[i]! & ~mask[i]!) | (mrng.nextInt(0, 0xff) & mask[i]!),
  });
}

/**
 * An array of `n` integers in [min, max] (the elements past the reset
 * array's are `blank`); random elements are small (below 256) half the time.
 * A typed reset array of length `n` (a register file the model keeps typed)
 * gives typed arrays of its kind, anything else plain number[].
 */
export function blankBiasedInts(reset: ArrayLike<unknown>, n: number, min: number, max: number, blank = 0): Arbitrary<NumberArray> {
  const typed = isScalarArray(reset) && reset.length === n && typeof reset[0] !== 'bigint';
  const base: NumberArray = typed
    ? (reset.slice() as unknown as NumberArray)
    : Array.from({ length: n }, (_, i) => (i < reset.length && typeof reset[i] === 'number' ? (reset[i] as number) : blank));
  const smallMax = Math.min(max, Math.max(min, 0) + 0xff);
  return new BlankBiasedArbitrary<NumberArray>({
    reset: base,
    copy: (v) => (v as unknown as { slice(): NumberArray }).slice(),
    draw: (mrng) => (mrng.nextInt(0, 1) === 0 ? mrng.nextInt(Math.max(min, 0), smallMax) : mrng.nextInt(min, max)),
  });
}
