import { describe, expect, it } from 'vitest';
import { compileMerge } from './merge.js';

describe('the struct merge', () => {
  const base = { a: 1, nested: { x: 2 }, list: [1, 2], b: 3n, c: 'keep' };

  it("writes the parts' values over a copy of base, in base's key order, a later part winning, members not in base after", () => {
    const merge = compileMerge(base, ['b', 'a', 'new', 'a']);
    const out = merge([10n, 'first', 7, 'second']);
    expect(out).toEqual({ a: 'second', nested: { x: 2 }, list: [1, 2], b: 10n, c: 'keep', new: 7 });
    expect(Object.keys(out)).toEqual(['a', 'nested', 'list', 'b', 'c', 'new']);
  });

  it('copies what no part writes: a fresh object, never base itself', () => {
    const out = compileMerge(base, ['a'])([5]);
    expect(out.nested).toEqual(base.nested);
    expect(out.nested).not.toBe(base.nested);
    expect(out.list).not.toBe(base.list);
  });

  it('fills from extra only the keys no part wrote, then appends extra keys base lacks', () => {
    const out = compileMerge(base, ['a'])([5], { a: 99, c: 'extra', z: 1 });
    expect(out).toEqual({ a: 5, nested: { x: 2 }, list: [1, 2], b: 3n, c: 'extra', z: 1 });
    expect(Object.keys(out).at(-1)).toBe('z');
  });

  it('a custom patch (member null) may write any member', () => {
    const out = compileMerge(base, [null, 'a'])([{ c: 'patched', q: 4 }, 8]);
    expect(out).toEqual({ a: 8, nested: { x: 2 }, list: [1, 2], b: 3n, c: 'patched', q: 4 });
  });

  it('a member named __proto__ is an own property, the prototype untouched', () => {
    const withProto = JSON.parse('{"__proto__": {"x": 1}, "a": 0}') as Record<string, unknown>;
    const out = compileMerge(withProto, ['__proto__'])([{ y: 2 }]);
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
  });
});

it('a merge built once gives the same state for the same values, every time', () => {
  const base = { a: 1, nested: { x: 2 }, b: 3n };
  const merge = compileMerge(base, ['b', 'new']);
  const outs = Array.from({ length: 600 }, (_, i) => merge([BigInt(i), i], i % 2 ? { a: -i } : undefined));
  outs.forEach((o, i) => {
    expect(o).toEqual(i % 2 ? { a: -i, nested: { x: 2 }, b: BigInt(i), new: i } : { a: 1, nested: { x: 2 }, b: BigInt(i), new: i });
    expect(Object.keys(o)).toEqual(['a', 'nested', 'b', 'new']);
  });
});
