/**
 * A scalar array member the model keeps as a typed array (a register file,
 * ich9-lpc's chip configuration) saves like the number array it stands for
 * and loads in place on both engines: the destination's typed array stays
 * typed, unless a value it cannot hold exactly arrives (then the same
 * numbers as a plain array), or the count outgrows it.
 */
import { describe, expect, it } from 'vitest';
import { VMSTATE_UINT16_ARRAY, VMSTATE_UINT8_ARRAY } from './dsl.js';
import { bothEngines } from './test-engines.js';
import { stateEqual } from './state.js';
import type { State, VMStateDescription } from './types.js';

const engines = bothEngines;

const regs: VMStateDescription = { name: 'typed-regs', version_id: 1, fields: [VMSTATE_UINT8_ARRAY('cc', 6)] };
const wide: VMStateDescription = { name: 'typed-wide', version_id: 1, fields: [VMSTATE_UINT16_ARRAY('cc', 3)] };

describe.each(Object.keys(engines) as (keyof typeof engines)[])('%s: a typed scalar array', (name) => {
  const e = engines[name];

  it('saves the bytes a number[] of the same values saves', () => {
    const typed = e.save(regs, { cc: Uint8ClampedArray.from([1, 2, 3, 250, 0, 7]) });
    expect(typed).toEqual(e.save(regs, { cc: [1, 2, 3, 250, 0, 7] }));
    expect(Array.from(typed)).toEqual([1, 2, 3, 250, 0, 7]);
  });

  it('loads into the destination typed array in place, which stays typed and equals the sent state', () => {
    const dest = new Uint8ClampedArray(6);
    const s: State = { cc: dest };
    e.load(regs, Uint8Array.from([9, 8, 7, 6, 5, 4]), s);
    expect(s.cc).toBe(dest);
    expect(Array.from(dest)).toEqual([9, 8, 7, 6, 5, 4]);
    expect(stateEqual(s.cc, [9, 8, 7, 6, 5, 4])).toBe(true);
  });

  it('a value the typed array cannot hold exactly makes it a plain array of the same numbers (never a clamped or wrapped value)', () => {
    const s: State = { cc: new Uint8ClampedArray([1, 2, 3]) };
    e.load(wide, Uint8Array.from([0, 5, 0x12, 0x34, 0, 6]), s);
    expect(Array.isArray(s.cc)).toBe(true);
    expect(s.cc).toEqual([5, 0x1234, 6]);
  });

  it('a typed array shorter than the count is not filled past its end: the load gives a plain array', () => {
    const s: State = { cc: new Uint8ClampedArray(2) };
    e.load(regs, Uint8Array.from([1, 2, 3, 4, 5, 6]), s);
    expect(s.cc).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
