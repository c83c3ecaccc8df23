import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { releases } from '../../scenarios/releases/index.js';
import { stateArbitrary } from '../gen/index.js';
import { runCase } from './run.js';

const rel = (n: string) => releases.find((r) => r.name === n)!;
const SPEC = { device: 'virtio-gpu', from: rel('8.2.0'), to: rel('9.0.0'), machine: 'pc-q35-8.2' };

function run(opts: { shrinkBudget?: number; seed?: number; path?: string }) {
  return runCase(SPEC, null, {
    kind: 'property',
    arbitrary: (e, k) => stateArbitrary(e, k),
    runs: 20,
    seed: opts.seed ?? 4242,
    exactSeed: true,
    ...(opts.path !== undefined ? { path: opts.path } : {}),
    ...(opts.shrinkBudget !== undefined ? { shrinkBudget: opts.shrinkBudget } : {}),
  });
}

describe('the shrink budget', () => {
  it('counts checks, not time: the same seed shrinks to the same state, and a budget bounds the steps', () => {
    const a = run({});
    const b = run({});
    expect(a.status).toBe('fail');
    expect(a.kind).toBe('short-read');
    expect(a.counterexample).toBeTruthy();
    expect(b.counterexample).toEqual(a.counterexample);
    expect(b.replayPath).toBe(a.replayPath);
    expect(a.shrinks).toBeGreaterThan(0);

    const none = run({ shrinkBudget: 0 });
    expect(none.status).toBe('fail');
    expect(none.shrinks).toBe(0);
    const few = run({ shrinkBudget: 3 });
    expect(few.shrinks).toBeLessThanOrEqual(3);
    expect(few.kind).toBe('short-read');
  });

  it('a replay path reproduces the printed counterexample without shrinking it further', () => {
    const first = run({ shrinkBudget: 3 });
    expect(first.replayPath).toBeTruthy();
    const again = run({ seed: first.seed!, path: first.replayPath! });
    expect(again.status).toBe('fail');
    expect(again.shrinks).toBe(0);
    expect(again.counterexample).toEqual(first.counterexample);
    expect(again.offset).toBe(first.offset);
  });
});

/** The arbitrary `inner`, counting every shrink candidate fast-check pulls from it. */
class CountingShrinks<T> extends fc.Arbitrary<T> {
  pulled = 0;
  constructor(private readonly inner: fc.Arbitrary<T>) {
    super();
  }
  generate(mrng: fc.Random, bias: number | undefined): fc.Value<T> {
    return this.inner.generate(mrng, bias);
  }
  canShrinkWithoutContext(value: unknown): value is T {
    return this.inner.canShrinkWithoutContext(value);
  }
  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    return this.inner.shrink(value, context).map((v) => {
      this.pulled++;
      return v;
    });
  }
}

describe('a spent shrink budget stops the run', () => {
  it('pulls no shrink candidates past the budget (a large state has millions: it looked like a hang)', () => {
    let counter: CountingShrinks<unknown> | null = null;
    const r = runCase(SPEC, null, {
      kind: 'property',
      arbitrary: (e, k) => (counter = new CountingShrinks(stateArbitrary(e, k))) as never,
      runs: 20,
      seed: 4242,
      exactSeed: true,
      shrinkBudget: 3,
    });
    expect(r.status).toBe('fail');
    expect(r.kind).toBe('short-read');
    expect(r.shrinks).toBeLessThanOrEqual(3);
    // the budget's checks, the candidate that finds it spent, and at most one the runner had already taken
    expect(counter!.pulled).toBeLessThanOrEqual(3 + 2);
  });
});
