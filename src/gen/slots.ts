import { Arbitrary, Stream, Value, type Random } from 'fast-check';
import { cloneState } from '../vmstate/state.js';

/** How many elements a sparse draw changes at most. */
const SPARSE_MAX = 4;
/** How many consecutive elements a dense draw changes at most (a region of the array). */
const DENSE_MAX = 16;
/** How many changed elements shrinking still restores one at a time. */
const SINGLE_RESTORES = 16;

/** One element a draw changed: where, and the element arbitrary's value (with its shrink context). */
interface Changed {
  i: number;
  v: Value<unknown>;
}

/**
 * A long array of structs (hotplug slot status, xhci device slots), most of
 * them as the device built them, without one combinator and one random
 * draw per element: a quarter of the draws are the reset array, half change
 * one to four elements anywhere, a quarter change a region of up to 16
 * consecutive ones; a changed element is its own arbitrary's value. Every
 * element is a fresh copy (states are mutable). Shrinking goes back to the
 * reset array first, then restores half of the changed elements, then one
 * at a time, then shrinks each changed element by its own arbitrary.
 */
export class SlotsArbitrary extends Arbitrary<unknown[]> {
  constructor(
    /** The reset element at each index (copied for every state). */
    private readonly resets: readonly unknown[],
    /** The arbitrary of element i (shared between equal reset elements). */
    private readonly element: (i: number) => Arbitrary<unknown>,
  ) {
    super();
  }

  private blank(): unknown[] {
    const { resets } = this;
    const out = new Array<unknown>(resets.length);
    for (let i = 0; i < resets.length; i++) out[i] = cloneState(resets[i]);
    return out;
  }

  private build(changed: readonly Changed[], copy: boolean): Value<unknown[]> {
    const out = this.blank();
    for (const c of changed) out[c.i] = copy ? cloneState(c.v.value) : c.v.value;
    return new Value(out, changed);
  }

  generate(mrng: Random, biasFactor: number | undefined): Value<unknown[]> {
    const n = this.resets.length;
    if (n === 0) return new Value([], []);
    const mode = mrng.nextInt(0, 3);
    const changed: Changed[] = [];
    const draw = (i: number) => {
      const at = changed.findIndex((c) => c.i === i);
      const c = { i, v: this.element(i).generate(mrng, biasFactor) };
      if (at >= 0) changed[at] = c;
      else changed.push(c);
    };
    if (mode === 3) {
      const len = Math.min(n, DENSE_MAX);
      const from = mrng.nextInt(0, n - len);
      for (let i = from; i < from + len; i++) draw(i);
    } else if (mode !== 0) {
      const k = mrng.nextInt(1, Math.min(n, SPARSE_MAX));
      for (let j = 0; j < k; j++) draw(mrng.nextInt(0, n - 1));
    }
    changed.sort((a, b) => a.i - b.i);
    return this.build(changed, false);
  }

  canShrinkWithoutContext(_v: unknown): _v is unknown[] {
    return false;
  }

  shrink(_v: unknown[], context: unknown): Stream<Value<unknown[]>> {
    const changed = Array.isArray(context) ? (context as Changed[]) : [];
    if (changed.length === 0) return Stream.nil();
    return new Stream(this.candidates(changed));
  }

  private *candidates(changed: readonly Changed[]): IterableIterator<Value<unknown[]>> {
    yield this.build([], true);
    if (changed.length > 1) {
      const half = changed.length >> 1;
      yield this.build(changed.slice(half), true);
      yield this.build(changed.slice(0, half), true);
      if (changed.length <= SINGLE_RESTORES) for (let j = 0; j < changed.length; j++) yield this.build([...changed.slice(0, j), ...changed.slice(j + 1)], true);
    }
    for (let j = 0; j < changed.length; j++) {
      const c = changed[j]!;
      for (const s of this.element(c.i).shrink(c.v.value, c.v.context)) {
        yield this.build([...changed.slice(0, j), { i: c.i, v: s }, ...changed.slice(j + 1)], true);
      }
    }
  }
}
