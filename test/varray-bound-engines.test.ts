/**
 * Both engines on a VARRAY whose elements take no bytes, in the style of
 * compiled-engine.test.ts: the compiled code's struct-array loop and the
 * interpreter's (src/vmstate/load.ts) stop at the same element with the
 * same error (kind, VMSD, path, offset, QEMU's lines, message), and load
 * the same state when the count is one the input can back.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../src/wire/reader.js';
import { VmError } from '../src/wire/errors.js';
import { Program } from '../src/vmstate/compile/program.js';
import { loadVmsd } from '../src/vmstate/load.js';
import { VMSTATE_STRUCT_VARRAY_INT32, VMSTATE_STRUCT_VARRAY_UINT16, VMSTATE_STRUCT_VARRAY_UINT32, VMSTATE_STRUCT_VARRAY_UINT8, VMSTATE_UINT32, VMSTATE_UINT32_V, VMSTATE_UINT8_TEST } from '../src/vmstate/dsl.js';
import type { State, VMStateDescription, VmCtx } from '../src/vmstate/types.js';

/** Element 0..k takes a byte when its own `flag` says so: elements taking none and elements taking one, mixed by the state. */
const elem: VMStateDescription = {
  name: 'maybe-elem',
  version_id: 1,
  fields: [VMSTATE_UINT32_V('later', 2), VMSTATE_UINT8_TEST('b', (s) => s.takes === true)],
};
const parents = [VMSTATE_STRUCT_VARRAY_UINT8, VMSTATE_STRUCT_VARRAY_UINT16, VMSTATE_STRUCT_VARRAY_UINT32, VMSTATE_STRUCT_VARRAY_INT32].map(
  (mk, i): VMStateDescription => ({ name: `varray-parent-${i}`, version_id: 1, fields: [VMSTATE_UINT32('count'), mk('elems', 'count', 0, elem)] }),
);

function ctx(device: State): VmCtx {
  const c: VmCtx = {
    props: {},
    device,
    saveNested: () => {
      throw new Error('no save here');
    },
    loadNested: (r, vmsd, state, version, at) => loadVmsd(r, vmsd, state, version, c, at),
    record: () => {},
  };
  return c;
}

type View = { ok: true; state: State; offset: number } | { ok: false; kind: string; vmsd: string | null; path: string | null; offset: number | null; qemu: string[]; message: string };

function run(load: (r: Reader, s: State) => void, bytes: Uint8Array, start: State): View {
  const r = new Reader(bytes);
  const state = structuredClone(start);
  try {
    load(r, state);
    return { ok: true, state, offset: r.offset };
  } catch (e) {
    if (!(e instanceof VmError)) throw e;
    return { ok: false, kind: e.kind, vmsd: e.vmsd, path: e.path, offset: e.offset, qemu: e.qemu, message: e.message };
  }
}

const be32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

describe('VARRAY of elements that take no bytes: compiled = interpreted', () => {
  it('a huge count stops at the same element with the same error; a count the input backs loads the same state', () => {
    let stopped = 0;
    let loaded = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...parents),
        fc.oneof(fc.constantFrom(0xffffffff, 0x80000000, 0xffff, 0xff), fc.nat({ max: 40 })),
        fc.array(fc.boolean(), { maxLength: 12 }),
        fc.uint8Array({ maxLength: 24 }),
        (parent, count, takes, tail) => {
          const start: State = { elems: takes.map((t) => ({ takes: t })) };
          const bytes = Uint8Array.from([...be32(count), ...tail]);
          const interpreted = run((r, s) => loadVmsd(r, parent, s, 1, ctx(s), []), bytes, start);
          const program = new Program({}, undefined);
          const compiled = run((r, s) => program.load(parent)(r, s, 1, ctx(s), []), bytes, start);
          if (!isDeepStrictEqual(compiled, interpreted)) expect(compiled).toEqual(interpreted);
          if (!interpreted.ok && /took no bytes/.test(interpreted.message)) {
            stopped++;
            expect(interpreted).toMatchObject({ kind: 'bad-input', vmsd: parent.name, path: 'elems', offset: 4, qemu: [`Failed to load ${parent.name}:elems`] });
          }
          if (interpreted.ok) loaded++;
        },
      ),
      { numRuns: 300, seed: 20261204 },
    );
    // both outcomes were exercised
    expect(stopped).toBeGreaterThan(20);
    expect(loaded).toBeGreaterThan(20);
  });
});
