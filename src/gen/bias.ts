import fc, { type Arbitrary } from 'fast-check';
import { cloneState } from '../vmstate/state.js';

/** Always the reset value, as a fresh copy (states are mutable; generated values never share structure). */
export function keep<T>(reset: T): Arbitrary<T> {
  // numbers, booleans, bigints and null are immutable: nothing to copy
  if (reset === null || typeof reset !== 'object') return fc.constant(reset);
  return fc.constant(reset).map((v) => cloneState(v));
}

/**
 * The reset value or `arb`, with the reset value first so that shrinking
 * goes back to it, and weighted so both come out often: a subsection whose
 * needed() tests a member against its reset value sees both outcomes.
 */
export function biased<T>(reset: T, arb: Arbitrary<T>, resetWeight = 1, otherWeight = 3): Arbitrary<T> {
  return fc.oneof({ withCrossShrink: true }, { arbitrary: keep(reset), weight: resetWeight }, { arbitrary: arb, weight: otherWeight });
}
