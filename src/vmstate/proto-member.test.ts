/**
 * A member named `__proto__` is a legal C member, so a legal QEMU field name,
 * and a hostile --releases module, a stream's description or a dump can spell
 * it. Check takes any non-empty field name, as QEMU does: so every place that
 * stores a member keeps it as an own property (src/vmstate/state.ts
 * setMember), never as the struct's prototype. The interpreter and the
 * compiled engine load it alike, and cloneState and the compiled copier copy
 * it alike.
 */
import { describe, expect, it } from 'vitest';
import { clonerFor } from './compile/clone.js';
import { coveredFor } from './compile/covered.js';
import { VMSTATE_STRUCT, VMSTATE_UINT32, VMSTATE_UINT8 } from './dsl.js';
import { bothEngines } from './test-engines.js';
import { cloneState, diffFromReset, stateEqual, stateToJson } from './state.js';
import type { State, VMStateDescription } from './types.js';
import { vmsdProblems } from './check.js';

const inner: VMStateDescription = { name: 'inner', version_id: 1, fields: [VMSTATE_UINT32('x')] };
/** A struct member and a scalar member both named __proto__ (in two VMSDs), beside ordinary ones. */
const structProto: VMStateDescription = { name: 'struct-proto', version_id: 1, fields: [VMSTATE_UINT8('a'), VMSTATE_STRUCT('__proto__', 0, inner), VMSTATE_UINT8('b')] };
const scalarProto: VMStateDescription = { name: 'scalar-proto', version_id: 1, fields: [VMSTATE_UINT8('a'), VMSTATE_UINT32('__proto__')] };

const engines = bothEngines;

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

describe('a member named __proto__', () => {
  it('passes the module check, as any non-empty field name does (QEMU takes it)', () => {
    expect(vmsdProblems(structProto)).toEqual([]);
    expect(vmsdProblems(scalarProto)).toEqual([]);
  });

  it.each(Object.keys(engines) as (keyof typeof engines)[])('%s: loads into an own property (struct and scalar), the prototype untouched, and saves the same bytes back', (name) => {
    const e = engines[name];
    const bytes = Uint8Array.from([7, 0, 0, 0, 42, 9]);
    const s: State = {};
    e.load(structProto, bytes, s);
    expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
    expect(own(s, '__proto__')).toBe(true);
    expect(Object.keys(s)).toEqual(['a', '__proto__', 'b']);
    expect((s as Record<string, unknown>)['__proto__']).toEqual({ x: 42 });
    expect(e.save(structProto, s)).toEqual(bytes);

    const scalar = Uint8Array.from([1, 0, 0, 1, 0]);
    const t: State = {};
    e.load(scalarProto, scalar, t);
    expect(own(t, '__proto__')).toBe(true);
    expect((t as Record<string, unknown>)['__proto__']).toBe(256);
    expect(e.save(scalarProto, t)).toEqual(scalar);
  });

  it('both engines load the same state', () => {
    const bytes = Uint8Array.from([7, 0, 0, 0, 42, 9]);
    const a: State = {};
    const b: State = {};
    engines.interpreter.load(structProto, bytes, a);
    engines.compiled.load(structProto, bytes, b);
    expect(stateEqual(a, b)).toBe(true);
    expect(Object.keys(a)).toEqual(Object.keys(b));
  });

  it('cloneState and the compiled copier (shaped by a sample with the member, and by one without) copy it as an own property, deep', () => {
    // JSON.parse makes an own __proto__, as a state read from a file or a stream's JSON has
    const state = JSON.parse('{"a": 1, "__proto__": {"x": 5, "inner": [{"__proto__": 3}]}, "b": 2}') as Record<string, unknown>;
    const copies = { cloneState: cloneState(state), compiledSameShape: clonerFor(state)(state), compiledOtherShape: clonerFor({ a: 0, b: 0 })(state) };
    for (const [how, c] of Object.entries(copies)) {
      expect(Object.getPrototypeOf(c), how).toBe(Object.prototype);
      expect(Object.keys(c), how).toEqual(['a', '__proto__', 'b']);
      expect(own(c, '__proto__'), how).toBe(true);
      const p = c['__proto__'] as Record<string, unknown>;
      expect(p, how).toEqual({ x: 5, inner: [JSON.parse('{"__proto__": 3}')] });
      expect(own((p.inner as object[])[0]!, '__proto__'), how).toBe(true);
      expect(p, how).not.toBe(state['__proto__']);
      expect(stateEqual(c, state), how).toBe(true);
      expect(coveredFor(structProto, state)(c, state), how).toBe(true);
    }
    // a difference inside the member is seen by both comparers
    const changed = cloneState(state);
    (changed['__proto__'] as Record<string, unknown>).x = 6;
    expect(stateEqual(changed, state)).toBe(false);
    expect(coveredFor(structProto, state)(changed, state)).toBe(false);
    expect((state['__proto__'] as Record<string, unknown>).x).toBe(5);
  });

  it('the JSON views of a state (reports, counterexamples) keep it as a member', () => {
    const state = JSON.parse('{"a": 1, "__proto__": {"x": 5}}') as Record<string, unknown>;
    expect(JSON.stringify(stateToJson(state))).toBe('{"a":1,"__proto__":{"x":5}}');
    const reset = JSON.parse('{"a": 1, "__proto__": {"x": 0}}') as Record<string, unknown>;
    expect(JSON.stringify(diffFromReset(state, reset))).toBe('{"__proto__":{"x":5}}');
  });
});
