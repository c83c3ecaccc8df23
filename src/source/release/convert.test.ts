import { describe, expect, test } from 'vitest';
import { Engine } from '../../machine/engine.js';
import type { ExtractedField, ExtractedModel, ExtractedVmsd, RegisterGuard } from '../model.js';
import type { CodecTable } from './bindings.js';
import { releaseFromSnapshot } from './convert.js';
import { skipReason } from '../../check/case.js';
import { SNAPSHOT_FORMAT, type TreeSnapshot } from './snapshot.js';
import { VmError } from '../../wire/errors.js';
import fc from 'fast-check';
import { stateArbitrary } from '../../gen/state.js';
import { stateEqual } from '../../vmstate/state.js';

/** Hand-made extracted records (no QEMU text): a device with a scalar, an array, a varray and its count, a struct, unused bytes and a subsection. */
const at = { file: 'hw/misc/toy.c', line: 1 };
const fld = (name: string, o: Partial<ExtractedField>): ExtractedField => ({
  name, macro: 'VMSTATE_X', version_id: 0, field_exists: null, size: null, num: null, start: 0, info: null, flags: ['VMS_SINGLE'], vmsd: null,
  struct_version_id: 0, offset: `ToyState.${name}`, num_offset: null, size_offset: null, err_hint: null, at, ...o,
});
const vmsd = (cname: string, name: string, fields: ExtractedField[], o: Partial<ExtractedVmsd> = {}): ExtractedVmsd => ({
  cname, name, version_id: 2, minimum_version_id: 1, fields, subsections: [], hooks: {}, other: {}, static: true, at, ...o,
});

function snapshot(extraFields: ExtractedField[] = [], predicates: TreeSnapshot['predicates'] = {}): TreeSnapshot {
  const regs = vmsd('vmstate_toy_regs', 'toy-regs', [fld('a', { info: 'vmstate_info_uint16', size: 2 })], { version_id: 1 });
  const sub = vmsd('vmstate_toy_extra', 'toy/extra', [fld('extra', { info: 'vmstate_info_uint32', size: 4 })], { hooks: { needed: 'toy_extra_needed' } });
  const top = vmsd('vmstate_toy', 'toy', [
    fld('ctrl', { info: 'vmstate_info_uint8', size: 1 }),
    fld('unused', { info: 'vmstate_info_unused_buffer', flags: ['VMS_BUFFER'], size: 4, offset: null }),
    fld('n', { info: 'vmstate_info_int32', size: 4 }),
    fld('q', { info: 'vmstate_info_uint8', size: 1, flags: ['VMS_VARRAY_INT32', 'VMS_POINTER'], num_offset: 'ToyState.n' }),
    fld('arr', { info: 'vmstate_info_uint32', size: 4, num: 3, flags: ['VMS_ARRAY'], version_id: 2 }),
    fld('regs', { flags: ['VMS_STRUCT'], vmsd: { name: 'vmstate_toy_regs', file: at.file }, size: 8 }),
    ...extraFields,
  ], { subsections: [{ name: 'vmstate_toy_extra', file: at.file }], hooks: { post_load: 'toy_post_load' } });
  const model: ExtractedModel = {
    format: 'vmcompat-extract/1', version: '1.2.3', tree: '/t', target: 'x86_64-softmmu', files: 1,
    vmsds: [regs, sub, top],
    classes: [
      { name: 'toy-base', parent: 'device', abstract: true, class_init: null, instance: 'ToyState', vmsd: null, vmsdAt: null, props: 'toy_base_props', at },
      { name: 'toy', parent: 'toy-base', abstract: false, class_init: 'toy_class_init', instance: null, vmsd: { name: 'vmstate_toy', file: at.file }, vmsdAt: at, props: 'toy_props', at },
    ],
    registers: [], unresolved: [], missingHeaders: {},
  };
  const prop = (name: string, member: string, o: object) => ({ name, info: 'qdev_prop_bit', type: 'bool' as const, default: true, struct: 'ToyState', member, file: at.file, line: 2, ...o });
  return {
    format: SNAPSHOT_FORMAT, version: '1.2.3', root: '/t', model,
    machines: {
      version: '1.2.3', root: '/t', unresolved: [],
      machines: [{ name: 'pc-q35-1.2', typeName: 'pc-q35-1.2-machine', parent: 'm', compat: [{ driver: 'toy', property: 'extra', value: 'off', file: 'hw/core/machine.c', line: 3 }], sources: [], fields: {}, alias: null, isDefault: false, deprecated: false, file: 'x', line: 1 },
        { name: 'pc-q35-1.3', typeName: 'pc-q35-1.3-machine', parent: 'm', compat: [], sources: [], fields: {}, alias: null, isDefault: true, deprecated: false, file: 'x', line: 1 }],
      compatArrays: { hw_compat_1_2: [{ driver: 'toy', property: 'extra', value: 'off', file: 'hw/core/machine.c', line: 3 }] },
    },
    props: {
      toy_props: [{ name: 'toy_props', file: at.file, line: 2, props: [prop('extra', 'flags', { bit: 1 })] }],
      toy_base_props: [{ name: 'toy_base_props', file: at.file, line: 2, props: [prop('width', 'n', { info: 'qdev_prop_int32', type: 'int32', default: 2 })] }],
    },
    predicates: {
      'hw/misc/toy.c#toy_extra_needed': { ok: true, expr: { k: 'bin', op: '&', l: { k: 'member', root: 'self', path: ['flags'] }, r: { k: 'int', v: '2' } }, at },
      ...predicates,
    },
  };
}

const none: CodecTable = {};

describe('releaseFromSnapshot', () => {
  test('a class is named by its QOM type, with its ancestors, inherited properties and their defaults, and the machine types', () => {
    const r = releaseFromSnapshot(snapshot(), { codecs: none });
    expect(r.name).toBe('1.2.3');
    expect(r.devices.map((d) => d.name)).toEqual(['toy']);
    const d = r.devices[0]!;
    expect(d.parents).toEqual(['toy-base', 'device']);
    expect(d.props).toEqual({ extra: { type: 'bool', default: true }, width: { type: 'int32', default: 2 } });
    expect(r.machines.map((m) => m.name)).toEqual(['pc-q35-1.2', 'pc-q35-1.3']);
    expect(r.machines[0]!.compat).toEqual([{ driver: 'toy', property: 'extra', value: 'off' }]);
    expect(d.extracted?.hooks).toEqual(['toy.post_load = toy_post_load']);
  });

  test('field records become engine fields: flags, counts from members, nested VMSDs, unused bytes', () => {
    const v = releaseFromSnapshot(snapshot(), { codecs: none }).devices[0]!.vmsd;
    const byName = Object.fromEntries(v.fields.map((f) => [f.name + (f.member === null ? '#' : ''), f]));
    expect(byName['unused#']!.size).toBe(4);
    expect(byName.q!.num_member).toBe('n');
    expect(byName.arr).toMatchObject({ num: 3, version_id: 2, size: 4 });
    expect(byName.regs!.vmsd!.name).toBe('toy-regs');
    expect(v.subsections!.map((s) => s.name)).toEqual(['toy/extra']);
  });

  test('a real member named unused (a VMSTATE_BUFFER, with an offset) is data with its member; only the unused_buffer placeholder is memberless', () => {
    const real = fld('unused', { info: 'vmstate_info_buffer', flags: ['VMS_BUFFER'], size: 3, offset: 'ToyState.unused' });
    const r = releaseFromSnapshot(snapshot([{ ...real, name: 'unused' }]), { codecs: none });
    const fields = r.devices[0]!.vmsd.fields.filter((f) => f.name === 'unused');
    expect(fields.map((f) => [f.member, f.size, f.info?.name])).toEqual([[null, 4, 'unused_buffer'], ['unused', 3, 'buffer']]);
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    const st = { ...e.resetState('toy'), unused: Uint8Array.of(1, 2, 3) };
    const back = e.load(e.save({ toy: st }).bytes);
    expect(back.ok && back.states.toy!.unused).toEqual(Uint8Array.of(1, 2, 3));
  });

  test('the reset state takes property values into the members they set, and the engine saves and loads it', () => {
    const r = releaseFromSnapshot(snapshot(), { codecs: none });
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    const s = e.resetState('toy');
    expect(s.n).toBe(2);
    expect(s.q).toEqual([0, 0]); // the varray is as long as its count, which the property sets
    const st = { ...s, q: [7, 8], ctrl: 5, extra: 9 };
    const saved = e.save({ toy: st });
    const back = e.load(saved.bytes);
    expect(back.ok && back.states.toy).toMatchObject({ ctrl: 5, q: [7, 8], extra: 9 });
  });

  test('fields named __proto__ and constructor are own members of the reset state and of every generated state, and round-trip', () => {
    const r = releaseFromSnapshot(
      snapshot([
        fld('__proto__', { info: 'vmstate_info_uint32', size: 4 }),
        fld('constructor', { info: 'vmstate_info_uint8', size: 1, flags: ['VMS_VARRAY_INT32', 'VMS_POINTER'], num_offset: 'ToyState.n' }),
      ]),
      { codecs: none },
    );
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    const s = e.resetState('toy');
    const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
    expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
    expect([own(s, '__proto__'), own(s, 'constructor')]).toEqual([true, true]);
    expect([s['__proto__'], s['constructor']]).toEqual([0, [0, 0]]); // the varray as long as the count the width property sets
    const d = r.devices[0]!;
    const states = fc.sample(stateArbitrary(e, 'toy', d.gen!), { numRuns: 50, seed: 3 });
    expect(states.some((x) => x['__proto__'] !== 0)).toBe(true);
    for (const x of states) {
      expect(Object.getPrototypeOf(x)).toBe(Object.prototype);
      expect(own(x, '__proto__') && own(x, 'constructor')).toBe(true);
      const back = e.load(e.save({ toy: x }).bytes);
      expect(back.ok && stateEqual(back.states.toy, x)).toBe(true);
    }
  });

  test.each(['__proto__', 'constructor'])('a property that sets a count member named %s, which no VMSD migrates, sets it and sizes the array it counts', (member) => {
    const snap = snapshot([fld('vq', { info: 'vmstate_info_uint8', size: 1, flags: ['VMS_VARRAY_INT32', 'VMS_POINTER'], num_offset: `ToyState.${member}` })]);
    snap.props.toy_props![0]!.props.push({ name: 'len', info: 'qdev_prop_int32', type: 'int32', default: 3, struct: 'ToyState', member, file: at.file, line: 2 } as never);
    const r = releaseFromSnapshot(snap, { codecs: none });
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    const s = e.resetState('toy');
    expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(s, member)).toBe(true);
    expect([s[member], s.vq]).toEqual([3, [0, 0, 0]]);
    const back = e.load(e.save({ toy: { ...s, vq: [1, 2, 3] } }).bytes);
    expect(back.ok && back.states.toy!.vq).toEqual([1, 2, 3]);
  });

  test('a translated needed() reads a bit property: the compat entry that turns it off drops the subsection', () => {
    const r = releaseFromSnapshot(snapshot(), { codecs: none });
    const sizes = ['pc-q35-1.2', 'pc-q35-1.3'].map((m) => {
      const e = new Engine(r, m, { devices: ['toy'] });
      return e.save({ toy: e.resetState('toy') }, { describe: false }).sections[0]!.payloadEnd;
    });
    // toy/extra: 1 marker + counted name (1 + 9) + be32 version + be32 extra
    expect(sizes[1]! - sizes[0]!).toBe(1 + 1 + 'toy/extra'.length + 4 + 4);
  });

  test('an untranslated test is a named input (a bool property, default true) with its reason', () => {
    const r = releaseFromSnapshot(
      snapshot([fld('late', { info: 'vmstate_info_uint8', size: 1, field_exists: 'toy_late_test' })], {
        'hw/misc/toy.c#toy_late_test': { ok: false, reason: 'a call to foo()', at },
      }),
      { codecs: none },
    );
    const d = r.devices[0]!;
    expect(d.props['toy_late_test()']).toEqual({ type: 'bool', default: true });
    expect(d.extracted!.inputs).toEqual([{ name: 'toy_late_test()', reason: 'toy test toy_late_test: a call to foo()' }]);
  });

  test('a test reading a member that is neither migrated nor a property is an input, not a crash', () => {
    const r = releaseFromSnapshot(
      snapshot([fld('late', { info: 'vmstate_info_uint8', size: 1, field_exists: 'toy_t' })], {
        'hw/misc/toy.c#toy_t': { ok: true, expr: { k: 'member', root: 'self', path: ['hidden'] }, at },
      }),
      { codecs: none },
    );
    expect(r.devices[0]!.extracted!.inputs[0]!.reason).toMatch(/reads hidden, which is neither migrated nor a property/);
  });

  test('a codec with no binding is named in the class notes, and its save is a typed error', () => {
    const r = releaseFromSnapshot(snapshot([fld('blob', { info: 'vmstate_info_toyblob', size: 4 })]), { codecs: none });
    const d = r.devices[0]!;
    expect(d.extracted!.unmodelled).toEqual(['toy:blob codec vmstate_info_toyblob has no hand-written binding (hw/misc/toy.c:1)']);
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    expect(() => e.save({ toy: e.resetState('toy') })).toThrow(VmError);
  });

  test('a bound codec is used, with its arbitrary under its name', () => {
    const info = { name: 'toyblob', put: (w: { u32(n: number): void }) => w.u32(0xfeed), get: () => 1 } as never;
    const codecs: CodecTable = { vmstate_info_toyblob: () => ({ info, arbitrary: () => null as never }) };
    const d = releaseFromSnapshot(snapshot([fld('blob', { info: 'vmstate_info_toyblob', size: 4 })]), { codecs }).devices[0]!;
    expect(d.extracted!.unmodelled).toEqual([]);
    expect(Object.keys(d.gen!.custom!)).toEqual(['toyblob']);
  });
});

describe('realize-time facts', () => {
  const fifo = () => {
    const s = snapshot([fld('fifo', { flags: ['VMS_STRUCT'], vmsd: { name: 'vmstate_toy_fifo', file: at.file }, size: 8 })]);
    s.model.vmsds.push(
      vmsd('vmstate_toy_fifo', 'ToyFifo', [
        fld('data', { info: 'vmstate_info_buffer', flags: ['VMS_VBUFFER', 'VMS_POINTER'], offset: 'ToyFifo.data', size_offset: 'ToyFifo.capacity' }),
        fld('num', { info: 'vmstate_info_uint32', size: 4, offset: 'ToyFifo.num' }),
      ]),
    );
    return s;
  };

  test('a size member no VMSD migrates and no property sets makes the class unverifiable, naming the member and the table', () => {
    const d = releaseFromSnapshot(fifo(), { codecs: none }).devices[0]!;
    expect(d.extracted!.unmodelled.join('\n')).toMatch(/ToyFifo:data: its size member 'capacity' is set at realize .*scenarios\/common\/realize\.ts/);
  });

  test('an override entry for it sizes the reset state, in the nested struct, and is said on the class', () => {
    const d = releaseFromSnapshot(fifo(), { codecs: none, realize: [{ vmsd: 'toy', member: 'fifo.capacity', value: 16, from: 'toy_realize' }] }).devices[0]!;
    expect(d.extracted!.unmodelled).toEqual([]);
    expect(d.extracted!.overrides).toEqual(['toy.fifo.capacity = 16 (toy_realize)']);
    const fifoState = d.reset({ extra: true, width: 2 }).fifo as Record<string, unknown>;
    expect(fifoState.capacity).toBe(16);
    expect((fifoState.data as Uint8Array).length).toBe(16);
  });

  test('pci_is_express() is the class chain\'s QOM interfaces: pci-express-device and not conventional-pci-device', async () => {
    const { classFacts } = await import('./convert.js');
    const c = (interfaces: string[]) => ({ name: 'x', parent: null, abstract: false, class_init: null, instance: null, vmsd: null, vmsdAt: null, props: null, at, interfaces });
    expect(classFacts([c(['pci-express-device'])])['pci_is_express()']).toBe(true);
    expect(classFacts([c(['pci-express-device']), c(['conventional-pci-device'])])['pci_is_express()']).toBe(false);
    expect(classFacts([c([])])['pci_is_express()']).toBe(false);
  });

  test('a binding may refuse a field with a sentence: the class is unverifiable, saying it', () => {
    const codecs: CodecTable = { vmstate_info_toyblob: () => 'no realize facts for toy' };
    const d = releaseFromSnapshot(snapshot([fld('blob', { info: 'vmstate_info_toyblob', size: 4 })]), { codecs }).devices[0]!;
    expect(d.extracted!.unmodelled.join('\n')).toMatch(/codec vmstate_info_toyblob: no realize facts for toy/);
  });
});

describe('sections vmstate_register*() registers (no class has them as dc->vmsd)', () => {
  const clock = vmsd('vmstate_clock', 'clock', [fld('ticks', { info: 'vmstate_info_int64', size: 8 })], { at: { file: 'system/clock.c', line: 5 }, version_id: 3 });
  const bus = vmsd('vmstate_toybus', 'TOYBUS', [fld('nirq', { info: 'vmstate_info_int32', size: 4 })], { at: { file: 'hw/toy/bus.c', line: 5 } });
  const pic = vmsd('vmstate_pic', 'toypic', [fld('imr', { info: 'vmstate_info_uint8', size: 1 })], { at: { file: 'hw/toy/pic.c', line: 5 } });
  const own = vmsd('vmstate_own', 'own', [fld('x', { info: 'vmstate_info_uint8', size: 1 })], { at: { file: 'hw/toy/own.c', line: 5 } });
  /** A call as scan.ts records it: the vmsd argument named (null: an expression), linked to the file that defines it. */
  const reg = (fn: string, args: string[], file: string, vmsd: ExtractedVmsd | null, onlyWhen?: RegisterGuard[][]) => ({
    fn, vmsd: vmsd ? { name: vmsd.cname, file: vmsd.at.file } : null, args, at: { file, line: 9 }, ...(onlyWhen ? { onlyWhen } : {}),
  });
  function withRegisters(extra: ReturnType<typeof reg>[] = []): TreeSnapshot {
    const s = snapshot();
    s.model.vmsds.push(clock, bus, pic, own);
    s.model.classes.push(
      { name: 'toypic-common', parent: 'device', abstract: true, class_init: null, instance: 'PicState', vmsd: null, vmsdAt: null, props: null, at: { file: 'hw/toy/pic.c', line: 2 } },
      { name: 'toy-bus', parent: 'bus', abstract: false, class_init: null, instance: null, vmsd: null, vmsdAt: null, props: null, at: { file: 'hw/toy/bus.c', line: 2 } },
      { name: 'toy-other-bus', parent: 'bus', abstract: false, class_init: null, instance: null, vmsd: null, vmsdAt: null, props: null, at: { file: 'hw/toy/bus.c', line: 3 } },
    );
    s.model.registers.push(
      reg('vmstate_register', ['NULL', '0', '&vmstate_clock', '&clock_state'], 'system/clock.c', clock),
      reg('vmstate_register_any', ['NULL', '&vmstate_toybus', 'bus'], 'hw/toy/bus.c', bus),
      reg('vmstate_register_with_alias_id', ['NULL', 'instance_id', '&vmstate_pic', 's', '32', '1', 'NULL'], 'hw/toy/pic.c', pic),
      // under an object's path, or a VMSD by expression: not a class-less section of its own
      reg('vmstate_register', ['VMSTATE_IF(dev)', '0', '&vmstate_own', 's'], 'hw/toy/own.c', own),
      reg('vmstate_register_any', ['NULL', 's->vmstate', 's'], 'hw/toy/own.c', null),
      ...extra,
    );
    return s;
  }
  const rec = vmsd('vmstate_rec', 'rec', [fld('n', { info: 'vmstate_info_uint64', size: 8 })], { at: { file: 'misc/rec.c', line: 5 } });
  const hot = vmsd('vmstate_hot', 'hot', [fld('n', { info: 'vmstate_info_uint8', size: 1 })], { at: { file: 'misc/hot.c', line: 5 } });
  const g = (fn: string, cond: string): RegisterGuard => ({ fn, cond, at: { file: 'misc/x.c', line: 3 } });
  function guarded(): TreeSnapshot {
    const s = withRegisters([
      reg('vmstate_register', ['NULL', '0', '&vmstate_rec', '&rs'], 'misc/rec.c', rec, [[g('rec_configure', 'opts'), g('rec_configure', 'rr')]]),
      reg('vmstate_register', ['NULL', '0', '&vmstate_hot', '&hs'], 'misc/hot.c', hot, [[g('hot_setup', 'board->fw'), g('hot_setup', 'x->on')], [g('other', 'never')]]),
    ]);
    s.model.vmsds.push(rec, hot);
    return s;
  }

  test('a section registered only under a condition no fact answers is not applicable, saying the condition and where', () => {
    const r = releaseFromSnapshot(guarded(), { codecs: none });
    expect(r.devices.find((d) => d.name === 'rec')!.onlyWhen?.why).toBe(
      "registered only when opts (rec_configure, misc/x.c:3) and rr (rec_configure, misc/x.c:3); nothing says opts and rr holds in the cases' configuration",
    );
    expect(r.devices.find((d) => d.name === 'clock')!.onlyWhen).toBeUndefined();
  });

  test('a condition the facts answer: all of one path true reaches it (said on the class), a false one leaves it out', () => {
    const facts = [
      { fn: 'hot_setup', cond: 'board->fw', holds: true, why: 'boards make it' },
      { fn: 'hot_setup', cond: 'x->on', holds: true, why: 'on by default' },
    ];
    const d = releaseFromSnapshot(guarded(), { codecs: none, registration: facts }).devices.find((x) => x.name === 'hot')!;
    expect(d.onlyWhen).toBeUndefined();
    expect(d.extracted!.registered).toMatch(/registered when board->fw \(hot_setup, misc\/x\.c:3\), which holds: boards make it; x->on .*on by default$/);
    const off = releaseFromSnapshot(guarded(), { codecs: none, registration: [facts[0]!, { ...facts[1]!, holds: false, why: 'off here' }] }).devices.find((x) => x.name === 'hot')!;
    expect(off.onlyWhen?.why).toMatch(/x->on is false: off here; nothing says never holds/);
  });

  test('each becomes a device of the release: named by its VMSD (the idstr) or its one class, with its instance and alias ids and where it is registered', () => {
    const r = releaseFromSnapshot(withRegisters(), { codecs: none });
    const got = r.devices.filter((d) => d.extracted?.registered).map((d) => ({ name: d.name, type: d.type, idstr: d.idstr, instanceId: d.instanceId, aliasId: d.aliasId, version: d.vmsd.version_id }));
    expect(got).toEqual([
      { name: 'clock', type: 'clock', idstr: 'clock', instanceId: 0, aliasId: undefined, version: 3 },
      { name: 'TOYBUS', type: 'TOYBUS', idstr: 'TOYBUS', instanceId: 0, aliasId: undefined, version: 2 },
      { name: 'toypic', type: 'toypic-common', idstr: 'toypic', instanceId: 0, aliasId: 32, version: 2 },
    ]);
    const pic = r.devices.find((d) => d.name === 'toypic')!;
    expect(pic.parents).toEqual(['device']);
    expect(pic.extracted!.registered).toBe("vmstate_register_with_alias_id(NULL, …, &vmstate_pic) at hw/toy/pic.c:9 (toypic-common's file): section 'toypic', instance id instance_id taken as 0 (the first instance), alias id 32");
    expect(pic.extracted!.at).toBe('hw/toy/pic.c:9');
    expect(r.devices.some((d) => d.name === 'own')).toBe(false);
  });

  test('a registered section saves and loads on the engine as its own section', () => {
    const r = releaseFromSnapshot(withRegisters(), { codecs: none });
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['clock', 'toypic'] });
    const saved = e.save({ clock: { ticks: -5n }, toypic: { imr: 0xfb } });
    const back = e.load(saved.bytes);
    if (!back.ok) throw back.error;
    expect(back.states.clock).toEqual({ ticks: -5n });
    expect(back.states.toypic).toEqual({ imr: 0xfb });
    expect(e.instances.map((i) => [i.idstr, i.instanceId, i.aliasId])).toEqual([['clock', 0, -1], ['toypic', 0, 32]]);
  });

  // a `{ .name = "gone", .unmigratable = 1 }` registered with vmstate_register(NULL, …): no field table at all
  const fieldlessRegistered = (value: string | undefined, fields: ExtractedField[] | null = null): TreeSnapshot => {
    const gone = vmsd('vmstate_gone', 'gone', [], { at: { file: 'misc/gone.c', line: 5 }, fields, other: value === undefined ? {} : { unmigratable: value } });
    const s = withRegisters([reg('vmstate_register_any', ['NULL', '&vmstate_gone', '&gs'], 'misc/gone.c', gone)]);
    s.model.vmsds.push(gone);
    return s;
  };

  test('a registered section whose VMSD has no field table and is .unmigratable is in the release, refused, and its cases skip with the reason', () => {
    const r = releaseFromSnapshot(fieldlessRegistered('1'), { codecs: none });
    const d = r.devices.find((x) => x.name === 'gone')!;
    expect(d.unmigratable?.why).toBe('its VMSD gone is .unmigratable (misc/gone.c:5)');
    expect(d.vmsd.fields).toEqual([]);
    expect(d.extracted!.registered).toMatch(/^vmstate_register_any\(NULL, …, &vmstate_gone\) at misc\/gone\.c:9: section 'gone'/);
    const ok = releaseFromSnapshot(fieldlessRegistered(undefined, [fld('n', { info: 'vmstate_info_uint8', size: 1 })]), { codecs: none });
    expect(ok.devices.find((x) => x.name === 'gone')!.unmigratable).toBeUndefined();
    const why = 'QEMU refuses to migrate gone (1.2.3): its VMSD gone is .unmigratable (misc/gone.c:5)';
    expect(skipReason({ device: 'gone', from: r, to: ok, machine: 'pc-q35-1.3' })).toBe(why);
    expect(skipReason({ device: 'gone', from: ok, to: r, machine: 'pc-q35-1.3' })).toBe(why);
  });

  test.each([undefined, '0'])('a registered section whose VMSD has no field table and .unmigratable = %s is not read: left out', (value) => {
    expect(releaseFromSnapshot(fieldlessRegistered(value), { codecs: none }).devices.some((d) => d.name === 'gone')).toBe(false);
  });

  test('a reachability rule of the table is set on the converted VMSD of that name', () => {
    const rule = () => undefined;
    const r = releaseFromSnapshot(withRegisters(), { codecs: none, reachable: [{ vmsd: 'toy-regs', from: 'toy_realize', rule }] });
    const top = r.devices.find((d) => d.name === 'toy')!.vmsd;
    expect(top.fields.find((f) => f.name === 'regs')!.vmsd!.reachable).toBe(rule);
    expect(top.reachable).toBeUndefined();
  });
});

describe('releaseFromSnapshot: translated pre_save hooks, container members, realize-time constants', () => {
  /** A front end saving `core.ver` before the `core` struct, whose tests read MIN(version, ver); a pre_save setting ver to the core VMSD's version. */
  function frontEnd(hooks: TreeSnapshot['hooks']): TreeSnapshot {
    const s = snapshot();
    const coreAt = { file: 'hw/misc/core.c', line: 1 };
    const minVer = (op: string, v: string) => ({ k: 'bin' as const, op, l: { k: 'call' as const, fn: 'MIN', args: [{ k: 'version' as const }, { k: 'member' as const, root: 'self' as const, path: ['ver'] }] }, r: { k: 'int' as const, v } });
    const core = vmsd('vmstate_core', 'core', [
      fld('old', { info: 'vmstate_info_uint8', size: 1, field_exists: 'core_is_old', offset: 'CoreState.old' }),
      fld('new', { info: 'vmstate_info_uint8', size: 1, field_exists: 'core_is_new', offset: 'CoreState.new' }),
    ], { version_id: 7, at: coreAt, subsections: [{ name: 'vmstate_core_pio', file: coreAt.file }] });
    const pio = vmsd('vmstate_core_pio', 'core/pio', [fld('pio', { info: 'vmstate_info_uint8', size: 1, offset: 'CoreState.pio' })], { at: coreAt, hooks: { needed: 'core_pio_needed' } });
    const top = vmsd('vmstate_front', 'front', [
      fld('core.ver', { info: 'vmstate_info_uint8', size: 1, offset: 'FrontState.core.ver' }),
      fld('core', { flags: ['VMS_STRUCT'], vmsd: { name: 'vmstate_core', file: coreAt.file }, offset: 'FrontState.core' }),
    ], { hooks: { pre_save: 'core_pre_save' } });
    s.model.vmsds = [core, pio, top];
    s.model.classes = [{ name: 'front', parent: 'device', abstract: false, class_init: null, instance: 'FrontState', vmsd: { name: 'vmstate_front', file: at.file }, vmsdAt: at, props: null, at }];
    s.predicates = {
      'hw/misc/core.c#core_is_old': { ok: true, expr: minVer('<', '5'), at: coreAt },
      'hw/misc/core.c#core_is_new': { ok: true, expr: minVer('>=', '5'), at: coreAt },
      // dma_read == NULL && busy: false once realize sets the callback (busy is neither migrated nor a property)
      'hw/misc/core.c#core_pio_needed': { ok: true, expr: { k: 'bin', op: '&&', l: { k: 'bin', op: '==', l: { k: 'member', root: 'self', path: ['dma_read'] }, r: { k: 'int', v: '0' } }, r: { k: 'member', root: 'self', path: ['busy'] } }, at: coreAt },
    };
    s.hooks = hooks;
    return s;
  }
  const preSave = { 'hw/misc/toy.c#core_pre_save': { ok: true as const, assigns: [{ root: 'self' as const, path: ['core', 'ver'], e: { k: 'int' as const, v: '7' } }], at } };
  const realize = [{ vmsd: 'core/pio', member: 'dma_read', value: 1, from: 'front_realize: dma_read = front_dma_read', devices: ['front'] }];

  test('the pre_save runs on save (no "hook not modelled"); the nested tests read the member the container saved', () => {
    const d = releaseFromSnapshot(frontEnd(preSave), { codecs: none, realize }).devices[0]!;
    expect(d.extracted?.hooks).toEqual([]);
    expect(d.extracted?.inputs).toEqual([]);
    const s = d.reset({});
    s['core.ver'] = 3;
    d.vmsd.pre_save!(s, { props: {}, device: s } as never);
    expect(s['core.ver']).toBe(7);
    const core = d.vmsd.fields[1]!.vmsd!;
    const [old, neu] = core.fields.map((f) => f.field_exists!(s.core as never, 7, { props: {}, device: s } as never));
    expect([old, neu]).toEqual([false, true]);
    expect(core.subsections![0]!.needed!(s.core as never, { props: {}, device: s } as never)).toBe(false);
  });

  test('an untranslated pre_save stays a note; without the realize entry the subsection test is a named input', () => {
    const d = releaseFromSnapshot(frontEnd({ 'hw/misc/toy.c#core_pre_save': { ok: false, reason: 'a call to x()', at } }), { codecs: none }).devices[0]!;
    expect(d.extracted?.hooks).toEqual(['front.pre_save = core_pre_save']);
    expect(d.vmsd.pre_save).toBeUndefined();
    expect(d.extracted?.unmodelled).toEqual([]);
    expect(d.extracted?.inputs.map((i) => i.name)).toEqual(['core_pio_needed()']);
  });
});

describe('releaseFromSnapshot: a class pre_save that fills the state from KVM', () => {
  test('the fields it never writes are held at their reset value (gen.fixed, with the hook named); the others are generated', () => {
    const s = snapshot();
    const top = s.model.vmsds.find((v) => v.name === 'toy')!;
    top.hooks = { ...top.hooks, pre_save: 'toy_dispatch_pre_save' };
    s.outsideFills = { 'toy-base': { fn: 'kvm_toy_get', file: 'hw/misc/kvm-toy.c', line: 9, members: ['ctrl', 'regs'] } };
    const d = releaseFromSnapshot(s, { codecs: none }).devices[0]!;
    expect(Object.keys(d.gen?.fixed ?? {}).sort()).toEqual(['toy/extra:extra', 'toy:arr', 'toy:n', 'toy:q']);
    expect(d.gen!.fixed!['toy:n']).toMatch(/kvm_toy_get \(hw\/misc\/kvm-toy\.c:9\) fills the state from KVM and never sets n/);
    const drawn = { ...d.reset({ extra: true, width: 2 }), ctrl: 9, n: 5, extra: 7 };
    const held = d.gen!.refine!(drawn, { extra: true, width: 2 });
    expect([held.ctrl, held.n, held.extra]).toEqual([9, 2, 0]);
    // without the VMSD's pre_save (nothing dispatches to the class hook) every field is generated
    top.hooks = { post_load: 'toy_post_load' };
    expect(releaseFromSnapshot(s, { codecs: none }).devices[0]!.gen?.fixed).toBeUndefined();
  });
});

describe('codec bindings with realize facts', () => {
  /** A struct field over the device itself (VMSTATE_MSIX's shape): a nested VMSD whose one field's codec has no member. */
  const withTable = () => {
    const s = snapshot([fld('parent_obj', { flags: ['VMS_STRUCT'], vmsd: { name: 'vmstate_toy_tbl', file: at.file }, size: 8, offset: 'ToyState.parent_obj' })]);
    s.model.vmsds.push(vmsd('vmstate_toy_tbl', 'toy-tbl', [fld('tbl', { info: 'vmstate_info_toytbl', size: 0, offset: null })], { version_id: 0, minimum_version_id: 0 }));
    return s;
  };
  // writes the struct's `table` bytes, as msix_save writes msix_table: its length is the realize fact
  const info = {
    name: 'toytbl',
    put: (w: { bytes(b: Uint8Array): void }, _v: unknown, el: { state: Record<string, unknown> }) => w.bytes((el.state.table as Uint8Array | undefined) ?? new Uint8Array(0)),
    get: (r: { bytes(n: number): Uint8Array }, _c: unknown, el: { state: Record<string, unknown> }) => {
      el.state.table = r.bytes(((el.state.table as Uint8Array | undefined) ?? new Uint8Array(0)).length);
      return undefined;
    },
  } as never;

  test('structReset puts what a memberless codec reads into the struct that holds it, from the properties', () => {
    const codecs: CodecTable = { vmstate_info_toytbl: () => ({ info, structReset: (p) => ({ table: new Uint8Array(Number(p.width) * 4) }) }) };
    const r = releaseFromSnapshot(withTable(), { codecs });
    const d = r.devices[0]!;
    expect(d.extracted!.unmodelled).toEqual([]);
    expect(((d.reset({ extra: true, width: 3 }).parent_obj as Record<string, unknown>).table as Uint8Array).length).toBe(12);
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    const a = e.save({ toy: e.resetState('toy') }, { describe: false }).sections[0]!;
    // without the fact the codec writes nothing: the 8 table bytes (width 2) are the difference
    const bare = releaseFromSnapshot(withTable(), { codecs: { vmstate_info_toytbl: () => ({ info }) } });
    const eb = new Engine(bare, 'pc-q35-1.3', { devices: ['toy'] });
    const b = eb.save({ toy: eb.resetState('toy') }, { describe: false }).sections[0]!;
    expect(a.payloadEnd - b.payloadEnd).toBe(8);
  });

  test('the binding sees the class\'s tree properties and another class\'s, and its realized defaults replace the class\'s', () => {
    const seen: unknown[] = [];
    const codecs: CodecTable = {
      vmstate_info_toytbl: (_f, ctx) => {
        seen.push(Object.keys(ctx.props).sort(), ctx.classProps('toy-base'), ctx.classProps('no-such-class'));
        return { info, realized: { width: 5 } };
      },
    };
    const d = releaseFromSnapshot(withTable(), { codecs }).devices[0]!;
    expect(seen).toEqual([['extra', 'width'], { width: { type: 'int32', default: 2 } }, undefined]);
    expect(d.props.width).toEqual({ type: 'int32', default: 5 });
  });
});

describe('counts set by properties and realize', () => {
  test('a property that sets a count member no VMSD migrates sizes the array (hpet 10.0: timers → num_timers)', () => {
    const s = snapshot([fld('t', { info: 'vmstate_info_uint8', size: 1, flags: ['VMS_VARRAY_UINT8'], num_offset: 'ToyState.nt' })]);
    s.props.toy_props![0]!.props.push({ name: 'timers', info: 'qdev_prop_uint8', type: 'uint8', default: 3, struct: 'ToyState', member: 'nt', file: at.file, line: 2 } as never);
    const d = releaseFromSnapshot(s, { codecs: none }).devices[0]!;
    expect(d.extracted!.unmodelled).toEqual([]);
    const st = d.reset({ extra: true, width: 2, timers: 5 });
    expect(st.nt).toBe(5);
    expect(st.t).toEqual([0, 0, 0, 0, 0]);
  });

  test('an override may be limited to some classes and computed from the properties', () => {
    const s = snapshot([fld('t', { info: 'vmstate_info_uint8', size: 1, flags: ['VMS_VARRAY_UINT8'], num_offset: 'ToyState.nt' })]);
    const mine = releaseFromSnapshot(s, { codecs: none, realize: [{ vmsd: 'toy', member: 'nt', value: (p) => Number(p.width) + 1, from: 'toy_realize', devices: ['toy'] }] }).devices[0]!;
    expect(mine.extracted!.unmodelled).toEqual([]);
    expect(mine.extracted!.overrides).toEqual(['toy.nt = from the properties (toy_realize)']);
    expect(mine.reset({ extra: true, width: 6 }).nt).toBe(7);
    const other = releaseFromSnapshot(s, { codecs: none, realize: [{ vmsd: 'toy', member: 'nt', value: 4, from: 'x', devices: ['other-toy'] }] }).devices[0]!;
    expect(other.extracted!.unmodelled.join('\n')).toMatch(/its count member 'nt' is set at realize/);
  });
});

describe('initial values of migrated members (instance_init)', () => {
  const on = [{ vmsd: 'toy', member: 'on', value: 1, from: 'toy_instance_init: on = true', initial: true as const }];

  test('an initial entry sets a migrated bool as a bool in the reset state (sd_instance_init: enable = true)', () => {
    const s = snapshot([fld('on', { info: 'vmstate_info_bool', size: 1 })]);
    const without = releaseFromSnapshot(s, { codecs: none }).devices[0]!;
    expect(without.reset({ extra: true, width: 2 }).on).toBe(false);
    const d = releaseFromSnapshot(s, { codecs: none, realize: on }).devices[0]!;
    expect(d.extracted!.unmodelled).toEqual([]);
    expect(d.reset({ extra: true, width: 2 }).on).toBe(true);
  });

  test('a tree whose VMSD has no such field is left alone: no member appears', () => {
    const d = releaseFromSnapshot(snapshot(), { codecs: none, realize: on }).devices[0]!;
    const st = d.reset({ extra: true, width: 2 });
    expect(Object.prototype.hasOwnProperty.call(st, 'on')).toBe(false);
  });
});

describe('VMSTATE_VALIDATE', () => {
  const validate = (o: Partial<ExtractedField> = {}) => fld('n must be small', { info: null, size: 0, num: 0, flags: ['VMS_ARRAY', 'VMS_MUST_EXIST'], offset: null, field_exists: 'toy_small', ...o });
  const small = { 'hw/misc/toy.c#toy_small': { ok: true as const, expr: { k: 'bin' as const, op: '<=' as const, l: { k: 'member' as const, root: 'self' as const, path: ['ctrl'] }, r: { k: 'int' as const, v: '3' } }, at } };

  test('a translated test over migrated members is a codecless field: a false test fails the load, naming it', () => {
    const r = releaseFromSnapshot(snapshot([validate()], small), { codecs: none });
    expect(r.devices[0]!.extracted!.unmodelled).toEqual([]);
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    expect(e.load(e.save({ toy: { ...e.resetState('toy'), ctrl: 2 } }).bytes).ok).toBe(true);
    // the sender's own save refuses it too (QEMU's "Output state validation failed")
    expect(() => e.save({ toy: { ...e.resetState('toy'), ctrl: 9 } })).toThrow(/validation failed/);
  });

  test('the generator keeps to what the save validates: a member the test refuses goes back to its reset value', () => {
    const d = releaseFromSnapshot(snapshot([validate()], small), { codecs: none }).devices[0]!;
    const p = { extra: true, width: 2 };
    expect(d.gen!.refine!({ ...d.reset(p), ctrl: 9, n: 2 }, p)).toMatchObject({ ctrl: 0, n: 2 });
    expect(d.gen!.refine!({ ...d.reset(p), ctrl: 3 }, p)).toMatchObject({ ctrl: 3 });
  });

  test('a test reading what realize sets, an untranslated test, or one in a VMSD with an unmodelled pre_save leaves the class unverifiable', () => {
    const hidden = { 'hw/misc/toy.c#toy_small': { ok: true as const, expr: { k: 'member' as const, root: 'self' as const, path: ['log_max'] }, at } };
    expect(releaseFromSnapshot(snapshot([validate()], hidden), { codecs: none }).devices[0]!.extracted!.unmodelled.join('\n')).toMatch(
      /VMSTATE_VALIDATE 'n must be small': its test reads log_max, which is neither migrated by toy nor a property/,
    );
    const untranslated = { 'hw/misc/toy.c#toy_small': { ok: false as const, reason: 'the function can end without returning', at } };
    expect(releaseFromSnapshot(snapshot([validate()], untranslated), { codecs: none }).devices[0]!.extracted!.unmodelled.join('\n')).toMatch(/its test toy_small is not translated \(the function can end without returning\)/);
    const s = snapshot([validate()], small);
    s.model.vmsds.find((v) => v.name === 'toy')!.hooks.pre_save = 'toy_pre_save';
    expect(releaseFromSnapshot(s, { codecs: none }).devices[0]!.extracted!.unmodelled.join('\n')).toMatch(/checks what toy's pre_save toy_pre_save may set/);
  });
});

describe('VMSTATE_VALIDATE behind a pre_save that draws a member (hpet: the counter from the clock, num_timers_save = num_timers)', () => {
  const validate = fld('ctrl must match', { info: null, size: 0, num: 0, flags: ['VMS_ARRAY', 'VMS_MUST_EXIST'], offset: null, field_exists: 'toy_match' });
  const match = { 'hw/misc/toy.c#toy_match': { ok: true as const, expr: { k: 'bin' as const, op: '==' as const, l: { k: 'member' as const, root: 'self' as const, path: ['ctrl'] }, r: { k: 'member' as const, root: 'self' as const, path: ['n'] } }, at } };
  const withHook = (drawn: string) => {
    const s = snapshot([validate], match);
    s.model.vmsds.find((v) => v.name === 'toy')!.hooks.pre_save = 'toy_pre_save';
    s.hooks = {
      'hw/misc/toy.c#toy_pre_save': { ok: true, assigns: [{ root: 'self', path: ['ctrl'], e: { k: 'member', root: 'self', path: ['n'] } }], rest: `${drawn} from line 5 (a call to toy_ticks()): keeps its generated value`, drawn: [drawn], at },
    };
    return s;
  };

  test('the test holds on save: the hook writes what it reads; the drawn member is said', () => {
    const r = releaseFromSnapshot(withHook('arr'), { codecs: none });
    const d = r.devices[0]!;
    expect(d.extracted!.unmodelled).toEqual([]);
    expect(d.extracted!.hooks).toContain('toy.pre_save = toy_pre_save in part (not modelled arr from line 5 (a call to toy_ticks()): keeps its generated value)');
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    expect(e.load(e.save({ toy: { ...e.resetState('toy'), ctrl: 9 } }).bytes).ok).toBe(true);
  });

  test('a test that reads a drawn member stays unverifiable', () => {
    expect(releaseFromSnapshot(withHook('ctrl'), { codecs: none }).devices[0]!.extracted!.unmodelled.join('\n')).toMatch(/checks what toy's pre_save toy_pre_save may set/);
  });
});

describe('properties of ancestor structs, absent codecs, tmp counts', () => {
  test('a property declared on an ancestor struct reaches the member a nested VMSD migrates (PCIEPort aer_log_max → exp.aer_log.log_max)', () => {
    const s = snapshot([fld('parent_obj.dev', { flags: ['VMS_STRUCT'], vmsd: { name: 'vmstate_toy_log', file: at.file }, size: 8, offset: 'ToyState.parent_obj.dev' })]);
    s.model.vmsds.push(vmsd('vmstate_toy_log', 'toy-log', [fld('log_max', { info: 'vmstate_info_uint16_equal', size: 2, offset: 'ToyLog.log_max' })], { version_id: 1 }));
    // declared on the struct ToyState embeds as parent_obj: its path lacks the first parent_obj
    s.props.toy_props![0]!.props.push({ name: 'log_max', info: 'qdev_prop_uint16', type: 'uint16', default: 8, struct: 'ToyBase', member: 'dev.log_max', file: at.file, line: 2 } as never);
    const d = releaseFromSnapshot(s, { codecs: none }).devices[0]!;
    expect((d.reset({ extra: true, width: 2, log_max: 12 })['parent_obj.dev'] as Record<string, unknown>).log_max).toBe(12);
  });

  test('an absent codec makes its subsection never needed (no input drawn for it), and says so; outside a subsection it is refused', () => {
    const info = { name: 'never', put: () => { throw new Error('ran'); }, get: () => { throw new Error('ran'); } } as never;
    const codecs: CodecTable = { vmstate_info_toyblob: () => ({ info, absent: 'needs a back-end the cases do not have' }) };
    const s = snapshot([], { 'hw/misc/toy.c#toy_b_needed': { ok: false, reason: 'a call to get_backend()', at } });
    s.model.vmsds.push(vmsd('vmstate_toy_b', 'toy/b', [fld('b', { info: 'vmstate_info_toyblob', size: 4 })], { hooks: { needed: 'toy_b_needed' } }));
    s.model.vmsds.find((v) => v.name === 'toy')!.subsections.push({ name: 'vmstate_toy_b', file: at.file });
    const r = releaseFromSnapshot(s, { codecs });
    const d = r.devices[0]!;
    expect(d.extracted!.unmodelled).toEqual([]);
    expect(d.extracted!.inputs.map((i) => i.name)).not.toContain('toy_b_needed()');
    expect(d.extracted!.hooks).toContain('toy/b never sent: needs a back-end the cases do not have');
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    expect(e.load(e.save({ toy: e.resetState('toy') }).bytes).ok).toBe(true);
    const top = releaseFromSnapshot(snapshot([fld('b', { info: 'vmstate_info_toyblob', size: 4 })]), { codecs }).devices[0]!;
    expect(top.extracted!.unmodelled.join('\n')).toMatch(/toy is not a subsection with a needed\(\)/);
  });

  test('a VMSTATE_WITH_TMP whose varray is counted by a member of the tmp it does not migrate is unverifiable, naming the pre_save', () => {
    const s = snapshot([fld('tmp', { info: 'vmstate_info_tmp', flags: ['VMS_SINGLE'], vmsd: { name: 'vmstate_toy_tmp', file: at.file }, size: 16, offset: null })]);
    s.model.vmsds.push(
      vmsd('vmstate_toy_tmp', 'toy-tmp', [fld('vqs_1', { info: 'vmstate_info_uint32', size: 4, flags: ['VMS_VARRAY_UINT16', 'VMS_POINTER'], offset: 'ToyTmp.vqs_1', num_offset: 'ToyTmp.pairs_1' })], {
        hooks: { pre_save: 'toy_tmp_pre_save' },
      }),
    );
    const d = releaseFromSnapshot(s, { codecs: none }).devices[0]!;
    expect(d.extracted!.unmodelled.join('\n')).toMatch(/VMSTATE_WITH_TMP toy-tmp\): the count 'pairs_1' of vqs_1 is the tmp's, set by its pre_save toy_tmp_pre_save/);
  });
});

describe('state rules', () => {
  test('a class\'s state rule becomes its generator\'s refine and every verdict says it', () => {
    const rule = { why: 'ctrl held at 1 (toy_realize)', refine: (s: Record<string, unknown>) => ({ ...s, ctrl: 1 }) };
    const d = releaseFromSnapshot(snapshot(), { codecs: none, stateRules: { toy: rule, other: rule } }).devices[0]!;
    expect(d.gen!.refine!({ ctrl: 7 }, {})).toEqual({ ctrl: 1 });
    expect(d.extracted!.hooks).toContain('generator rule: ctrl held at 1 (toy_realize)');
    expect(releaseFromSnapshot(snapshot(), { codecs: none }).devices[0]!.gen!.refine).toBeUndefined();
  });
});

describe('load hooks translated (hooks.ts)', () => {
  const refuse = (rest?: string): TreeSnapshot => {
    const s = snapshot();
    s.hooks = {
      'hw/misc/toy.c#toy_post_load': {
        ok: true,
        assigns: [{ reject: '-EINVAL', when: { k: 'bin', op: '>', l: { k: 'member', root: 'self', path: ['ctrl'] }, r: { k: 'int', v: '3' } }, line: 7 }],
        ...(rest ? { rest } : {}),
        at,
      },
    };
    return s;
  };

  test('a post_load refusal is the engine\'s post_load failure, naming the function, its line and condition; no "not modelled" note', () => {
    const r = releaseFromSnapshot(refuse(), { codecs: none });
    const d = r.devices[0]!;
    expect(d.extracted!.hooks).toEqual([]);
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    const ok = e.load(e.save({ toy: { ...e.resetState('toy'), ctrl: 3 } }).bytes);
    expect(ok.ok).toBe(true);
    const bad = e.load(e.save({ toy: { ...e.resetState('toy'), ctrl: 4 } }).bytes);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.message).toMatch(/toy_post_load \(toy\.post_load, line 7\) returns -EINVAL when ctrl > 3/);
  });

  test('the generator keeps to what the own post_load accepts: a refused member goes back to its reset value', () => {
    const d = releaseFromSnapshot(refuse(), { codecs: none }).devices[0]!;
    const p = { extra: true, width: 2 };
    const s = { ...d.reset(p), ctrl: 200, n: 2 };
    expect(d.gen!.refine!(s, p)).toMatchObject({ ctrl: 0, n: 2 });
    expect(d.gen!.refine!({ ...d.reset(p), ctrl: 2 }, p)).toMatchObject({ ctrl: 2 });
  });

  test('a hook translated in part is said, with what is left out', () => {
    const d = releaseFromSnapshot(refuse('from line 9: a call to toy_timer_start()'), { codecs: none }).devices[0]!;
    expect(d.extracted!.hooks).toEqual(['toy.post_load = toy_post_load in part (not modelled from line 9: a call to toy_timer_start())']);
  });
});

describe('VMSTATE_WITH_TMP: the tmp VMSD\'s pre_save reads its parent', () => {
  test('tmp->has_flag = tmp->parent->flag.on is translated and run: the tmp carries the parent\'s member, no "hook not modelled"', () => {
    const s = snapshot([fld('tmp', { info: 'vmstate_info_tmp', vmsd: { name: 'vmstate_toy_tmp', file: at.file }, offset: null, flags: [] }), fld('flag.on', { info: 'vmstate_info_uint8', size: 1 })]);
    s.model.vmsds.push(vmsd('vmstate_toy_tmp', 'toy-tmp', [fld('has_flag', { info: 'vmstate_info_uint8', size: 1, offset: 'struct ToyTmp.has_flag' })], { hooks: { pre_save: 'toy_tmp_pre_save' } }));
    s.hooks = { 'hw/misc/toy.c#toy_tmp_pre_save': { ok: true, assigns: [{ root: 'self', path: ['has_flag'], e: { k: 'member', root: 'self', path: ['parent', 'flag', 'on'] } }], at } };
    const r = releaseFromSnapshot(s, { codecs: none });
    const d = r.devices[0]!;
    expect(d.extracted!.hooks).toEqual(['toy.post_load = toy_post_load']);
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'] });
    const bytes = (on: number) => e.save({ toy: { ...e.resetState('toy'), 'flag.on': on } }, { describe: false }).bytes;
    const [off, on] = [bytes(0), bytes(7)];
    // the tmp's byte and the parent's member both follow it
    expect([...off].filter((b, i) => b !== on[i]).length).toBe(2);
  });
});

describe('classes QEMU refuses to migrate', () => {
  const unmigratable = (value: string | undefined): TreeSnapshot => {
    const s = snapshot();
    const top = s.model.vmsds.find((v) => v.cname === 'vmstate_toy')!;
    if (value !== undefined) top.other = { ...top.other, unmigratable: value };
    return s;
  };
  const toy = (s: TreeSnapshot, blocked?: Record<string, { why: string }>) =>
    releaseFromSnapshot(s, { codecs: none, ...(blocked ? { blocked } : {}) });

  test.each(['1', 'true', '0x1'])('a VMSD with .unmigratable = %s makes its class unmigratable, naming the VMSD and where', (value) => {
    const r = toy(unmigratable(value));
    expect(r.devices.find((d) => d.name === 'toy')!.unmigratable?.why).toBe('its VMSD toy is .unmigratable (hw/misc/toy.c:1)');
  });

  test.each([undefined, '0', 'false'])('.unmigratable = %s: migratable', (value) => {
    expect(toy(unmigratable(value)).devices.find((d) => d.name === 'toy')!.unmigratable).toBeUndefined();
  });

  test('a blocker the VMSD does not show comes from the table, by QOM type; another class is untouched', () => {
    const r = toy(unmigratable(undefined), { toy: { why: 'its realize adds a blocker' }, other: { why: 'x' } });
    expect(r.devices.find((d) => d.name === 'toy')!.unmigratable?.why).toBe('its realize adds a blocker');
  });

  // usb-audio's `{ .name = "usb-audio", .unmigratable = 1 }`: no field table at all
  const fieldless = (value: string | undefined): TreeSnapshot => {
    const s = snapshot();
    const top = s.model.vmsds.find((v) => v.cname === 'vmstate_toy')!;
    top.fields = null;
    top.subsections = [];
    top.hooks = {};
    if (value !== undefined) top.other = { ...top.other, unmigratable: value };
    return s;
  };

  test('a VMSD with no field table that is .unmigratable keeps its class in the release, refused, with nothing to migrate', () => {
    const r = toy(fieldless('1'));
    const d = r.devices.find((x) => x.name === 'toy')!;
    expect(d.unmigratable?.why).toBe('its VMSD toy is .unmigratable (hw/misc/toy.c:1)');
    expect(d.vmsd.fields).toEqual([]);
    const ok = toy(unmigratable(undefined));
    const why = 'QEMU refuses to migrate toy (1.2.3): its VMSD toy is .unmigratable (hw/misc/toy.c:1)';
    expect(skipReason({ device: 'toy', from: r, to: ok, machine: 'pc-q35-1.3' })).toBe(why);
    expect(skipReason({ device: 'toy', from: ok, to: r, machine: 'pc-q35-1.3' })).toBe(why);
  });

  test.each([undefined, '0'])('a VMSD with no field table and .unmigratable = %s is not read: its class is left out', (value) => {
    expect(toy(fieldless(value)).devices.map((d) => d.name)).toEqual([]);
  });

  test('its cases cannot apply: skipped with the reason, in either direction', () => {
    const r = toy(unmigratable('1'));
    const ok = toy(unmigratable(undefined));
    const why = 'QEMU refuses to migrate toy (1.2.3): its VMSD toy is .unmigratable (hw/misc/toy.c:1)';
    expect(skipReason({ device: 'toy', from: r, to: ok, machine: 'pc-q35-1.3' })).toBe(why);
    expect(skipReason({ device: 'toy', from: ok, to: r, machine: 'pc-q35-1.3' })).toBe(why);
    expect(skipReason({ device: 'toy', from: ok, to: ok, machine: 'pc-q35-1.3' })).toBeNull();
  });
});

describe('large uint8 register files (register-files.ts)', () => {
  const cc = (num: number) => fld('cc', { info: 'vmstate_info_uint8', size: 1, num, flags: ['VMS_ARRAY'] });
  const resetOf = (r: ReturnType<typeof releaseFromSnapshot>) => r.devices[0]!.reset({ extra: true, width: 2 } as never) as Record<string, unknown>;

  test('a fixed uint8 array of 4096 elements or more nothing touches is a zeroed Uint8ClampedArray at reset, one per reset', () => {
    const r = releaseFromSnapshot(snapshot([cc(4096)]), { codecs: none });
    const a = resetOf(r).cc;
    expect(a).toBeInstanceOf(Uint8ClampedArray);
    expect((a as Uint8ClampedArray).length).toBe(4096);
    expect((a as Uint8ClampedArray).every((x) => x === 0)).toBe(true);
    expect(resetOf(r).cc).not.toBe(a);
    expect(Array.isArray(resetOf(releaseFromSnapshot(snapshot([cc(4095)]), { codecs: none })).cc)).toBe(true);
  });

  test('one a translated predicate reads, a domain draws or a state rule may touch stays a plain number[]', () => {
    const read = snapshot([cc(4096)], { 'hw/misc/toy.c#toy_extra_needed': { ok: true, expr: { k: 'member', root: 'self', path: ['cc', 3] }, at } });
    expect(Array.isArray(resetOf(releaseFromSnapshot(read, { codecs: none })).cc)).toBe(true);
    const domains = { toy: { cc: { kind: 'zero', why: 'reserved' } } } as unknown as NonNullable<Parameters<typeof releaseFromSnapshot>[1]['domains']>;
    expect(Array.isArray(resetOf(releaseFromSnapshot(snapshot([cc(4096)]), { codecs: none, domains })).cc)).toBe(true);
    const rule = { why: 'x', refine: (s: Record<string, unknown>) => s };
    expect(Array.isArray(resetOf(releaseFromSnapshot(snapshot([cc(4096)]), { codecs: none, stateRules: { toy: rule } })).cc)).toBe(true);
  });

  test.each(['compiled', 'interpreted'] as const)('%s engine: generated states keep it typed, and a save and load give it back typed and equal; a plain-array release loads it too', (kind) => {
    const r = releaseFromSnapshot(snapshot([cc(4096)]), { codecs: none });
    const e = new Engine(r, 'pc-q35-1.3', { devices: ['toy'], engine: kind });
    const states = fc.sample(stateArbitrary(e, 'toy', r.devices[0]!.gen!), { numRuns: 20, seed: 5 });
    let changed = 0;
    for (const x of states) {
      expect(x.cc).toBeInstanceOf(Uint8ClampedArray);
      if ((x.cc as Uint8ClampedArray).some((v) => v !== 0)) changed++;
      const back = e.load(e.save({ toy: x }).bytes);
      if (!back.ok) throw back.error;
      expect(back.states.toy!.cc).toBeInstanceOf(Uint8ClampedArray);
      expect(stateEqual(back.states.toy, x)).toBe(true);
    }
    expect(changed).toBeGreaterThan(0);
    // the same section from a release that keeps it plain (a predicate reads it) loads into the typed one and compares equal
    const plain = releaseFromSnapshot(snapshot([cc(4096)], { 'hw/misc/toy.c#toy_extra_needed': { ok: true, expr: { k: 'member', root: 'self', path: ['cc', 3] }, at } }), { codecs: none });
    const p = new Engine(plain, 'pc-q35-1.3', { devices: ['toy'], engine: kind });
    const sent = { ...p.resetState('toy'), cc: Array.from({ length: 4096 }, (_, i) => i & 0xff) };
    const got = e.load(p.save({ toy: sent }).bytes);
    if (!got.ok) throw got.error;
    expect(got.states.toy!.cc).toBeInstanceOf(Uint8ClampedArray);
    expect(stateEqual(got.states.toy!.cc, sent.cc)).toBe(true);
  });
});
