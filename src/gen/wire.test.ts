import { expect, test } from 'vitest';
import { cloneState } from '../vmstate/state.js';
import type { State } from '../vmstate/types.js';
import { probeCtx } from './_internals/ctx.js';
import { synDevice, synVmsd } from './_test/synthetic.js';
import { conformToWire, wireMembers } from './wire.js';

const props = { slots: 2, sub: false };
const reset = synDevice.reset(props);
const conform = (patch: State) => {
  const s = { ...cloneState(reset), ...patch };
  return conformToWire(synVmsd, synVmsd.version_id, s, reset, probeCtx(props, s));
};

test('members no existing field writes go back to their reset values', () => {
  const s = conform({ future: 1n, opt: 9, has_opt: false, flag: 0, flag_data: 3, prop_val: 4 });
  expect(s).toMatchObject({ future: 42n, opt: 0, flag_data: 0, prop_val: 0 });
  const t = conform({ opt: 9, has_opt: true, flag: 1, flag_data: 3 });
  expect(t).toMatchObject({ opt: 9, flag: 1, flag_data: 3 });
});

test('arrays take the saved count then the reset elements; a count of 0 leaves the reset array', () => {
  expect(conform({ len: 3, vals: [1, 2, 3, 4] }).vals).toEqual([1, 2, 3]);
  expect(conform({ len: 0, vals: [1, 2, 3, 4] }).vals).toEqual([7]);
  expect(conform({ bufsize: 3, buf: new Uint8Array([9, 9, 9, 9, 9]) }).buf).toEqual(new Uint8Array([9, 9, 9]));
});

test('struct elements past the reset ones keep only what travels; pre_save is applied', () => {
  const s = conform({ n: 2, elems: [{ a: 0, b: true, t: 5n, extra: 8 }, { a: 1, b: false, t: -1n, extra: 8 }, { a: 3, b: true, t: 1n, extra: 1 }] });
  expect(s.elems).toEqual([
    { a: 0, b: true, t: 5n },
    { a: 1, b: false, t: -1n, extra: 8 },
  ]);
  expect(s.checksum).toBe(3);
});

test('a pointer element keeps the null-ness of the reset element', () => {
  const s = conform({ ptrs: [null, { a: 1, b: false, t: -1n, extra: 0 }, null] });
  expect((s.ptrs as unknown[]).map((p) => p === null)).toEqual([false, true, false]);
});

test('wireMembers lists what a save writes without touching the state', () => {
  const s = { ...cloneState(reset), has_opt: true, flag: 0 };
  const before = cloneState(s);
  const members = wireMembers(synVmsd, synVmsd.version_id, s, probeCtx(props, s));
  expect(members.has('opt')).toBe(true);
  expect(members.has('future')).toBe(false);
  expect(members.has('flag')).toBe(false);
  expect(members.has('elems')).toBe(false); // n is 0
  expect(s).toEqual(before);
});
