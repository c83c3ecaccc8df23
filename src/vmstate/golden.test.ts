import { describe, expect, it } from 'vitest';
import { Writer } from '../wire/writer.js';
import { Reader } from '../wire/reader.js';
import { saveVmsd } from './save.js';
import { loadVmsd } from './load.js';
import { stateEqual } from './state.js';
import type { Props, TraceEntry, VmCtx } from './types.js';
import { goldenPayload, goldenState, sub2, testdevReset, testdevVmsd } from '../../test/fixtures/testdev.js';

function ctx(props: Props, trace: TraceEntry[] = []): VmCtx {
  const c: VmCtx = {
    props,
    device: {},
    saveNested: (w, vmsd, s, v, at, desc) => saveVmsd(w, vmsd, s, v, c, at, desc ?? null),
    loadNested: (r, vmsd, s, v, at) => loadVmsd(r, vmsd, s, v, c, at),
    record: (e) => trace.push(e),
  };
  return c;
}

const hex = (b: Uint8Array | number[]) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

describe('golden byte vectors (every field kind)', () => {
  for (const gate of [true, false]) {
    it(`saves the hand-worked payload (property gate=${gate})`, () => {
      const w = new Writer();
      saveVmsd(w, testdevVmsd(), goldenState(), 3, ctx({ gate }), []);
      expect(hex(w.finish())).toBe(hex(goldenPayload(gate)));
    });

    it(`loads it back into the same state (gate=${gate})`, () => {
      const s = testdevReset();
      loadVmsd(new Reader(new Uint8Array(goldenPayload(gate))), testdevVmsd(), s, 3, ctx({ gate }), []);
      const want = goldenState();
      if (!gate) want.gated = 0; // not on the wire: keeps the reset value
      expect(stateEqual(s, want)).toBe(true);
    });
  }

  it('a version-2 load skips the version-3 field', () => {
    const bytes = goldenPayload(true);
    const v2 = [...bytes.slice(0, 57), ...bytes.slice(61)]; // drop `newer` (bytes 57..60)
    const s = testdevReset();
    loadVmsd(new Reader(new Uint8Array(v2)), testdevVmsd(), s, 2, ctx({ gate: true }), []);
    expect(s.newer).toBe(0);
    expect(s.gated).toBe(0x42);
  });

  it('records where each leaf went: offsets and sizes add up to the payload', () => {
    const trace: TraceEntry[] = [];
    const w = new Writer();
    saveVmsd(w, testdevVmsd(), goldenState(), 3, ctx({ gate: true }, trace), []);
    const byPath = Object.fromEntries(trace.map((e) => [e.keys.join('.'), e]));
    expect(byPath['e']).toMatchObject({ offset: 6, size: 4 });
    expect(byPath['va']).toMatchObject({ offset: 53, size: 4 });
    expect(byPath['sa.1.x']).toMatchObject({ offset: 64, size: 1 });
    expect(byPath['ptrs.1.x']).toMatchObject({ offset: 67, size: 1 });
    expect(byPath['{testdev/extra}']).toMatchObject({ what: 'subsection', size: 19 });
  });

  it('VSTRUCT uses the field struct_version_id on both sides, never the nested VMSD version', () => {
    const w = new Writer();
    saveVmsd(w, sub2, { x: 1, y: 2 }, 1, ctx({}), []);
    expect(hex(w.finish())).toBe('01');
    const w2 = new Writer();
    saveVmsd(w2, sub2, { x: 1, y: 2 }, 2, ctx({}), []);
    expect(hex(w2.finish())).toBe('01 02');
  });

  it('writes the JSON description QEMU writes', () => {
    const desc = {} as import('./describe.js').VmsdDesc;
    saveVmsd(new Writer(), testdevVmsd(), goldenState(), 3, ctx({ gate: true }), [], desc);
    expect(desc.vmsd_name).toBe('testdev');
    expect(desc.version).toBe(3);
    const names = desc.fields.map((f) => f.name);
    expect(names.filter((n) => n === 'unused')).toHaveLength(1);
    expect(desc.fields.find((f) => f.name === 'arr')).toEqual({ name: 'arr', array_len: 2, type: 'uint16', size: 2 });
    expect(desc.fields.find((f) => f.name === 'st')).toEqual({
      name: 'st',
      type: 'struct',
      struct: { vmsd_name: 'testdev-sub', version: 1, fields: [{ name: 'x', type: 'uint8', size: 1 }] },
      size: 1,
    });
    expect(desc.fields.find((f) => f.name === 'vs')).toMatchObject({ name: 'vs', type: 'vstruct', vmsd_name: 'testdev-sub2', version: 1, size: 1 });
    expect(desc.subsections?.[0]).toMatchObject({ vmsd_name: 'testdev/extra', version: 1 });
  });
});
