import { describe, expect, test } from 'vitest';
import { Engine } from '../machine/engine.js';
import type { Release } from '../machine/types.js';
import type { ExtractedField, ExtractedModel, ExtractedVmsd } from '../source/model.js';
import { releaseFromSnapshot } from '../source/release/convert.js';
import { SNAPSHOT_FORMAT, type TreeSnapshot } from '../source/release/snapshot.js';
import { stateArbitrary } from '../gen/index.js';
import { runCase, type StateMode } from './run.js';

/**
 * Hand-made extracted records (no QEMU text): `toy` with a subsection
 * `toy/extra` whose needed() (`toy_extra_needed`) does not translate, in
 * release 2.0; release 1.0 has no such subsection, so a stream that carries
 * it fails to load there.
 */
const at = { file: 'hw/misc/toy.c', line: 1 };
const fld = (name: string, info: string, size: number): ExtractedField => ({
  name, macro: 'VMSTATE_X', version_id: 0, field_exists: null, size, num: null, start: 0, info, flags: ['VMS_SINGLE'], vmsd: null,
  struct_version_id: 0, offset: `ToyState.${name}`, num_offset: null, size_offset: null, err_hint: null, at,
});
const vmsd = (cname: string, name: string, fields: ExtractedField[], o: Partial<ExtractedVmsd> = {}): ExtractedVmsd => ({
  cname, name, version_id: 1, minimum_version_id: 1, fields, subsections: [], hooks: {}, other: {}, static: true, at, ...o,
});

function snapshot(version: string, withExtra: boolean, predicates: TreeSnapshot['predicates']): TreeSnapshot {
  const sub = vmsd('vmstate_toy_extra', 'toy/extra', [fld('extra', 'vmstate_info_uint32', 4)], { hooks: { needed: 'toy_extra_needed' } });
  const top = vmsd('vmstate_toy', 'toy', [fld('ctrl', 'vmstate_info_uint8', 1)], withExtra ? { subsections: [{ name: 'vmstate_toy_extra', file: at.file }] } : {});
  const model: ExtractedModel = {
    format: 'vmcompat-extract/1', version, tree: '/t', target: 'x86_64-softmmu', files: 1,
    vmsds: withExtra ? [sub, top] : [top],
    classes: [{ name: 'toy', parent: 'device', abstract: false, class_init: 'toy_class_init', instance: 'ToyState', vmsd: { name: 'vmstate_toy', file: at.file }, vmsdAt: at, props: null, at }],
    registers: [], unresolved: [], missingHeaders: {},
  };
  return {
    format: SNAPSHOT_FORMAT, version, root: '/t', model,
    machines: {
      version, root: '/t', unresolved: [],
      machines: [{ name: 'pc-q35-1.0', typeName: 'pc-q35-1.0-machine', parent: 'm', compat: [], sources: [], fields: {}, alias: null, isDefault: true, deprecated: false, file: 'x', line: 1 }],
      compatArrays: {},
    },
    props: {},
    predicates,
  };
}

const opaque = { 'hw/misc/toy.c#toy_extra_needed': { ok: false as const, reason: 'a call to toy_busy()', at } };
const release = (version: string, withExtra: boolean, o: Parameters<typeof releaseFromSnapshot>[1] = { codecs: {} }): Release =>
  ({ ...releaseFromSnapshot(snapshot(version, withExtra, withExtra ? opaque : {}), o), name: version });
const mode: StateMode = { kind: 'property', runs: 10, seed: 3, arbitrary: (e, k) => stateArbitrary(e, k) };

describe('an untranslatable needed() is an opaque predicate', () => {
  test('a named input after the C function, off by default, whose two values give a stream with and without the subsection', () => {
    const r = release('2.0', true);
    const d = r.devices[0]!;
    expect(d.props['toy_extra_needed()']).toEqual({ type: 'bool', default: false });
    expect(d.extracted!.inputs).toEqual([{ name: 'toy_extra_needed()', reason: 'toy/extra needed toy_extra_needed: a call to toy_busy()' }]);
    const sizes = ['false', 'true'].map((v) => {
      const e = new Engine(r, 'pc-q35-1.0', { devices: ['toy'], overrides: { toy: { 'toy_extra_needed()': v } } });
      return e.save({ toy: e.resetState('toy') }, { describe: false }).sections[0]!.payloadEnd;
    });
    // the subsection: marker, counted name, be32 version, be32 extra
    expect(sizes[1]! - sizes[0]!).toBe(1 + 1 + 'toy/extra'.length + 4 + 4);
  });

  test('a failure that needs the predicate true says so, the case that passes with it false having run', () => {
    const r = runCase({ device: 'toy', from: release('2.0', true), to: release('1.0', false), machine: 'pc-q35-1.0' }, null, mode);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^fails only when toy_extra_needed\(\) is true: /);
    expect(r.message).toMatch(/opaque inputs drawn both ways: toy_extra_needed\(\)/);
    // the other way the round trip carries it back: 2.0's re-save, with the predicate true, is what 1.0 cannot read
    const back = runCase({ device: 'toy', from: release('1.0', false), to: release('2.0', true), machine: 'pc-q35-1.0' }, null, mode);
    expect(back.status).toBe('fail');
    expect(back.message).toMatch(/^fails only when toy_extra_needed\(\) is true: .*toy\/extra/);
  });

  test('a hand-written override replaces the input, and the verdict says it was answered by hand', () => {
    const o = { codecs: {}, predicates: [{ fn: 'toy_extra_needed', from: 'toy_busy() is false while the VM is stopped', test: () => false }] };
    const a = release('2.0', true, o);
    expect(a.devices[0]!.props['toy_extra_needed()']).toBeUndefined();
    expect(a.devices[0]!.extracted!.predicates).toEqual(['toy/extra needed toy_extra_needed from the override table (toy_busy() is false while the VM is stopped)']);
    const r = runCase({ device: 'toy', from: a, to: release('1.0', false), machine: 'pc-q35-1.0' }, null, mode);
    expect(r.status, r.message ?? '').toBe('pass');
    expect(r.message).toMatch(/predicates answered by hand: toy\/extra needed toy_extra_needed/);
    const on = release('2.0', true, { ...o, predicates: [{ ...o.predicates[0]!, test: () => true }] });
    const f = runCase({ device: 'toy', from: on, to: release('1.0', false), machine: 'pc-q35-1.0' }, null, mode);
    expect(f.status).toBe('fail');
    expect(f.message).not.toMatch(/fails only when/);
  });
});

describe('hooks on verdicts', () => {
  const withHook = (version: string, hooks: Record<string, string>, translated?: TreeSnapshot['hooks']): Release => {
    const snap = snapshot(version, false, {});
    snap.model.vmsds[0]!.hooks = hooks;
    if (translated) snap.hooks = translated;
    return { ...releaseFromSnapshot(snap, { codecs: {} }), name: version };
  };

  test('a hook with no translation is named by its C function on the verdict (the JSON message too); one translated in part says what is left', () => {
    const a = withHook('2.0', { post_load: 'toy_post_load', pre_save: 'toy_pre_save' });
    const r = runCase({ device: 'toy', from: a, to: withHook('1.0', {}), machine: 'pc-q35-1.0' }, null, mode);
    expect(r.status, r.message ?? '').toBe('pass');
    expect(r.message).toMatch(/hook not modelled: toy\.post_load = toy_post_load, toy\.pre_save = toy_pre_save/);
    expect(JSON.parse(JSON.stringify(r)).message).toMatch(/toy_post_load/);
    const part = withHook('2.0', { post_load: 'toy_post_load' }, {
      'hw/misc/toy.c#toy_post_load': { ok: true, assigns: [{ reject: '-EINVAL', when: { k: 'bin', op: '>', l: { k: 'member', root: 'self', path: ['ctrl'] }, r: { k: 'int', v: '9' } }, line: 4 }], rest: 'from line 6: a call to timer_mod()', at },
    });
    const p = runCase({ device: 'toy', from: part, to: withHook('1.0', {}), machine: 'pc-q35-1.0' }, null, mode);
    expect(p.message).toMatch(/hook modelled in part: toy\.post_load = toy_post_load in part \(not modelled from line 6: a call to timer_mod\(\)\)/);
    expect(p.message).not.toMatch(/hook not modelled/);
  });

  test('a refusal only the destination has fails the forward load as post_load rejected, naming the condition', () => {
    const strict = withHook('2.0', { post_load: 'toy_post_load' }, {
      'hw/misc/toy.c#toy_post_load': { ok: true, assigns: [{ reject: '-EINVAL', when: { k: 'bin', op: '>', l: { k: 'member', root: 'self', path: ['ctrl'] }, r: { k: 'int', v: '9' } }, line: 4 }], at },
    });
    const r = runCase({ device: 'toy', from: withHook('1.0', {}), to: strict, machine: 'pc-q35-1.0' }, null, { ...mode, runs: 50 });
    expect(r.status).toBe('fail');
    expect(r.stage).toBe('forward');
    expect(r.message).toMatch(/toy_post_load \(toy\.post_load, line 4\) returns -EINVAL when ctrl > 9/);
  });
});
