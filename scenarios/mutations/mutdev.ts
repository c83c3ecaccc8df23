/**
 * The mutation suite's subject: a small device, its base release, and one
 * next release per class of compat bug (broken) and per fix (correct).
 * Not a QEMU device; each variant is a change a QEMU patch could make.
 */
import * as D from '../../src/vmstate/dsl.js';
import { vmstate_info_uint8 } from '../../src/vmstate/info.js';
import { buildMachines } from '../../src/machine/compat.js';
import type { CompatEntry, DeviceClass, Release } from '../../src/machine/types.js';
import type { FieldExists, State, VMStateDescription, VMStateField } from '../../src/vmstate/types.js';

const inner = (over: Partial<VMStateDescription> = {}): VMStateDescription => ({
  name: 'mutdev-inner',
  version_id: 1,
  fields: [D.VMSTATE_UINT32('p'), D.VMSTATE_UINT16('q')],
  ...over,
});
const vsInner = (over: Partial<VMStateDescription> = {}): VMStateDescription => ({
  name: 'mutdev-vs',
  version_id: 1,
  fields: [D.VMSTATE_UINT8('r')],
  ...over,
});

const prop =
  (name: string): FieldExists =>
  (_s, _v, ctx) =>
    ctx.props[name] === true;

interface Shape {
  version?: number;
  minimum?: number;
  fields?: VMStateField[];
  subsections?: VMStateDescription[];
  props?: DeviceClass['props'];
  reset?: (s: State) => void;
  post_load?: VMStateDescription['post_load'];
  magic?: number;
}

function baseFields(innerVmsd = inner(), vs: VMStateField = D.VMSTATE_VSTRUCT_V('vs', 0, vsInner(), 1)): VMStateField[] {
  // Fields that desynchronise the rest (counts, _EQUAL) come first, so that a
  // layout change further down is detected the same way for every state.
  return [
    D.VMSTATE_UINT8('a'),
    D.VMSTATE_INT64('d'),
    D.VMSTATE_BOOL('e'),
    D.VMSTATE_UINT32_EQUAL('magic'),
    D.VMSTATE_UINT8('n'),
    D.VMSTATE_VARRAY_UINT8('va', 'n', 0, vmstate_info_uint8),
    D.VMSTATE_UINT16('b'),
    D.VMSTATE_UINT32('c'),
    D.VMSTATE_UINT8_ARRAY('arr', 4),
    D.VMSTATE_STRUCT('inner', 0, innerVmsd),
    vs,
    D.VMSTATE_TIMER_PTR('t'),
  ];
}

const extra: VMStateDescription = {
  name: 'mutdev/extra',
  version_id: 1,
  minimum_version_id: 1,
  needed: (s) => s.extra !== 0,
  fields: [D.VMSTATE_UINT32('extra')],
};

function device(shape: Shape = {}): DeviceClass {
  const vmsd: VMStateDescription = {
    name: 'mutdev',
    version_id: shape.version ?? 1,
    minimum_version_id: shape.minimum ?? 1,
    fields: shape.fields ?? baseFields(),
    subsections: shape.subsections ?? [extra],
    post_load: shape.post_load,
    // a VARRAY count the generator may pick freely must stay within the array QEMU allocated
    pre_load: undefined,
  };
  return {
    name: 'mutdev',
    type: 'mutdev',
    parents: ['device'],
    props: shape.props ?? {},
    vmsd,
    idstr: 'mutdev',
    instanceId: 0,
    reset() {
      const s: State = {
        a: 0, b: 0, c: 0, d: 0n, e: false, arr: [0, 0, 0, 0], magic: shape.magic ?? 7,
        inner: { p: 0, q: 0, r2: 0 }, vs: { r: 0, s: 0 }, t: -1n, n: 0, va: [], extra: 0, z: 0, wide: 0, newsub: 0,
      };
      shape.reset?.(s);
      return s;
    },
  };
}

function release(name: string, dev: DeviceClass, versions: string[], arrays: Record<string, CompatEntry[]> = {}): Release {
  return {
    name,
    compatArrays: arrays,
    machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions }], arrays),
    devices: [dev],
  };
}

/** The old release: machine types 1.0 only. */
export const base = release('mut-base', device(), ['1.0']);

const next = (name: string, shape: Shape, arrays: Record<string, CompatEntry[]> = {}) =>
  release(name, device(shape), ['1.0', '2.0'], arrays);
const off = (property: string): Record<string, CompatEntry[]> => ({ hw_compat_1_0: [{ driver: 'mutdev', property, value: 'off' }] });
const on = { type: 'bool' as const, default: true };

/**
 * Expected verdicts at pc-q35-1.0 of the cases base→next (`forward`) and
 * next→base (`backward`): 'pass', a failure kind of the load itself, or
 * '<stage>:<kind>' for a later stage: 'return' when the load passes and the
 * trip back fails, 'compare' when a value does not survive the round trip.
 */
export interface Mutation {
  name: string;
  klass: string;
  release: Release;
  forward: string;
  backward: string;
  correct: boolean;
}

export const mutations: Mutation[] = [
  // field added with no version or test gating
  { name: 'field-added', klass: 'field added', correct: false, forward: 'short-read', backward: 'footer-missing',
    release: next('next-field-added', { fields: [...baseFields(), D.VMSTATE_UINT32('z')] }) },
  { name: 'field-added-compat', klass: 'field added', correct: true, forward: 'pass', backward: 'pass',
    release: next('next-field-added-compat', { fields: [...baseFields(), D.VMSTATE_UINT32_TEST('z', prop('x-z'))], props: { 'x-z': on } }, off('x-z')) },

  // nested struct version bump (the seed bug) and the VSTRUCT form
  { name: 'nested-bump', klass: 'nested struct version bump', correct: false, forward: 'short-read', backward: 'footer-missing',
    release: next('next-nested-bump', { fields: baseFields(inner({ version_id: 2, fields: [...inner().fields, D.VMSTATE_UINT32_V('r2', 2)] })) }) },
  { name: 'nested-test-gated', klass: 'nested struct version bump', correct: true, forward: 'pass', backward: 'pass',
    release: next('next-nested-test-gated', { fields: baseFields(inner({ fields: [...inner().fields, D.VMSTATE_UINT32_TEST('r2', prop('x-r2'))] })), props: { 'x-r2': on } }, off('x-r2')) },
  { name: 'vstruct-bump', klass: 'VSTRUCT version bump', correct: false, forward: 'short-read', backward: 'footer-missing',
    release: next('next-vstruct-bump', { fields: baseFields(inner(), D.VMSTATE_VSTRUCT_V('vs', 0, vsInner({ version_id: 2, fields: [D.VMSTATE_UINT8('r'), D.VMSTATE_UINT8_V('s', 2)] }), 2)) }) },
  // the IPMI KCS pattern: the parent version selects the struct version; backward refuses loudly by design
  { name: 'vstruct-parent-version', klass: 'VSTRUCT version bump', correct: true, forward: 'return:section-version-too-new', backward: 'section-version-too-new',
    release: next('next-vstruct-parent-version', {
      version: 2,
      fields: (() => {
        const v2 = vsInner({ version_id: 2, fields: [D.VMSTATE_UINT8('r'), D.VMSTATE_UINT8_V('s', 2)] });
        const f = baseFields(inner(), D.VMSTATE_VSTRUCT_TEST('vs', (_s, v) => v <= 1, 0, v2, 1));
        f.splice(f.findIndex((x) => x.name === 'vs') + 1, 0, D.VMSTATE_VSTRUCT_V('vs', 2, v2, 2));
        return f;
      })(),
    }) },

  // a subsection whose needed() is true on old machine types
  { name: 'subsection-always', klass: 'subsection added', correct: false, forward: 'return:unknown-subsection', backward: 'unknown-subsection',
    release: next('next-subsection-always', { subsections: [extra, { name: 'mutdev/new', version_id: 1, minimum_version_id: 1, fields: [D.VMSTATE_UINT32('newsub')] }] }) },
  { name: 'subsection-compat', klass: 'subsection added', correct: true, forward: 'pass', backward: 'pass',
    release: next('next-subsection-compat', {
      props: { 'x-newsub': on },
      subsections: [extra, { name: 'mutdev/new', version_id: 1, minimum_version_id: 1, needed: (_s, ctx) => ctx.props['x-newsub'] === true, fields: [D.VMSTATE_UINT32('newsub')] }],
    }, off('x-newsub')) },

  // section version bumped (new→old refuses as too new) and minimum raised (old→new refuses as too old)
  { name: 'version-bump', klass: 'section version', correct: true, forward: 'return:section-version-too-new', backward: 'section-version-too-new',
    release: next('next-version-bump', { version: 2, fields: [...baseFields(), D.VMSTATE_UINT32_V('z', 2)] }) },
  { name: 'minimum-raised', klass: 'section version', correct: false, forward: 'version-too-old', backward: 'section-version-too-new',
    release: next('next-minimum-raised', { version: 2, minimum: 2, fields: [...baseFields(), D.VMSTATE_UINT32_V('z', 2)] }) },

  // field width or array length changed
  { name: 'width-changed', klass: 'field width', correct: false, forward: 'short-read', backward: 'footer-missing',
    release: next('next-width-changed', { fields: baseFields().map((f) => (f.name === 'b' ? D.VMSTATE_UINT32('b') : f)) }) },
  { name: 'width-compat', klass: 'field width', correct: true, forward: 'pass', backward: 'pass',
    release: next('next-width-compat', {
      props: { 'x-wide': on },
      subsections: [extra, { name: 'mutdev/wide', version_id: 1, minimum_version_id: 1, needed: (s, ctx) => ctx.props['x-wide'] === true && s.wide !== 0, fields: [D.VMSTATE_UINT16('wide')] }],
    }, off('x-wide')) },
  { name: 'array-grown', klass: 'array length', correct: false, forward: 'short-read', backward: 'footer-missing',
    release: next('next-array-grown', { fields: baseFields().map((f) => (f.name === 'arr' ? D.VMSTATE_UINT8_ARRAY('arr', 5) : f)), reset: (s) => (s.arr = [0, 0, 0, 0, 0]) }) },

  // field removed; keeping it on the wire for old machine types fixes it; VMSTATE_UNUSED keeps the layout but drops the value
  { name: 'field-removed', klass: 'field removed', correct: false, forward: 'footer-missing', backward: 'short-read',
    release: next('next-field-removed', { fields: baseFields().filter((f) => f.name !== 'c') }) },
  { name: 'field-removed-compat', klass: 'field removed', correct: true, forward: 'pass', backward: 'pass',
    release: next('next-field-removed-compat', {
      fields: baseFields().map((f) => (f.name === 'c' ? D.VMSTATE_UINT32_TEST('c', prop('x-send-c')) : f)),
      props: { 'x-send-c': { type: 'bool', default: false } },
    }, { hw_compat_1_0: [{ driver: 'mutdev', property: 'x-send-c', value: 'on' }] }) },
  { name: 'field-unused', klass: 'field removed', correct: false, forward: 'compare:value-changed', backward: 'pass',
    release: next('next-field-unused', { fields: baseFields().map((f) => (f.name === 'c' ? D.VMSTATE_UNUSED(4) : f)) }) },

  // compat property added without its entry in the old machine type's table
  { name: 'compat-missing', klass: 'compat property', correct: false, forward: 'short-read', backward: 'footer-missing',
    release: next('next-compat-missing', { fields: [...baseFields(), D.VMSTATE_UINT32_TEST('z', prop('x-z'))], props: { 'x-z': on } }) },

  // an _EQUAL field whose value differs between releases
  { name: 'equal-differs', klass: '_EQUAL value', correct: false, forward: 'equal-mismatch', backward: 'equal-mismatch',
    release: next('next-equal-differs', { magic: 8 }) },

  // post_load of the new release rejects a value the old release can produce
  { name: 'post-load-rejects', klass: 'post_load', correct: false, forward: 'post-load-failed', backward: 'pass',
    release: next('next-post-load-rejects', { post_load: (s) => (Number(s.a) >= 200 ? { errno: -22, message: `a=${String(s.a)} out of range` } : undefined) }) },
  { name: 'post-load-normalises', klass: 'post_load', correct: true, forward: 'pass', backward: 'pass',
    release: next('next-post-load-normalises', { post_load: () => undefined }) },
];
