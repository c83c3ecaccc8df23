/**
 * The JSON description each release's QEMU writes, against the real 7.2
 * and 10.0 binaries (a saved stream's trailing JSON is the oracle, read
 * with `vmcompat decode --desc`) and against QEMU's migration/savevm.c and
 * vmstate.c where no x86 device shows the difference:
 *
 * - `configuration`: qemu_savevm_state_header describes the configuration
 *   section from 8.2 (2aae1eb8da65); 7.2 streams have no such entry.
 * - tmp: put_tmp hands its vmdesc to vmstate_save_state, so a WITH_TMP
 *   field's entry carries the tmp VMSD's vmsd_name, version and fields
 *   (target/i386/machine.c's fpreg, in every stream's cpu section).
 * - a null element of an array of struct pointers: before 10.0 the entry of
 *   the struct field it stands in for, with an empty `struct` and size 1
 *   (9867c3a7ced1's message quotes s390's css as
 *   {"name": "css", "array_len": 256, "type": "struct", "struct": {}, "size": 1});
 *   from 10.0 a `nullptr` entry, and the array described run by run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine, qemuJson } from '../../src/machine/engine.js';
import type { DeviceClass, Release } from '../../src/machine/types.js';
import { locateQemu, SETUP_HINT } from '../../src/qemu/binaries.js';
import { saveToFile } from '../../src/qemu/driver.js';
import { decodeStream } from '../../src/wire/decode.js';
import { findVmdesc } from '../../src/wire/vmdesc.js';
import { VMSTATE_ARRAY_OF_POINTER_TO_STRUCT, VMSTATE_STRUCT_ARRAY, VMSTATE_UINT16, VMSTATE_UINT64, VMSTATE_UINT8 } from '../../src/vmstate/dsl.js';
import { TMP_PARENT, VMSTATE_GTREE_V, VMSTATE_QTAILQ_V, VMSTATE_WITH_TMP } from '../../src/vmstate/containers.js';
import type { State, VMStateDescription } from '../../src/vmstate/types.js';
import { findRelease } from '../../scenarios/releases/index.js';
import { testRelease } from '../fixtures/testdev.js';
import { jsonWriterOf } from '../../src/source/release/convert.js';
import { QEMU_PCI_DEVICES, qemuArgs } from '../pci/devices.js';
import { decodeCommand } from '../../harness/commands/decode.js';
import { collectIo } from '../../harness/io.js';

type Bin = '7.2' | '10.0';
const CASES: { bin: Bin; release: string; machine: string }[] = [
  { bin: '7.2', release: '7.2.0', machine: 'pc-q35-7.2' },
  { bin: '10.0', release: '10.0.0', machine: 'pc-q35-10.0' },
];

interface Desc {
  configuration?: unknown;
  page_size: number;
  devices: { name: string; instance_id: number; fields: { name: string }[] }[];
}
const real = {} as Record<Bin, Desc>;
let tmp: DirectoryResult;

beforeAll(async () => {
  tmp = await tmpDir({ prefix: 'vmcompat-vmdesc-test-', unsafeCleanup: true });
  const rng = QEMU_PCI_DEVICES.filter((d) => d.name === 'virtio-rng');
  for (const { bin, machine } of CASES) {
    let binary;
    try {
      binary = await locateQemu(bin);
    } catch (e) {
      throw new Error(`QEMU ${bin} is needed here and is missing: ${(e as Error).message} (${SETUP_HINT})`);
    }
    const { devices, args } = qemuArgs(rng);
    const bytes = await saveToFile({ binary, vm: { machine, devices: ['isa-serial', ...devices], args } });
    const file = join(tmp.path, `${bin}.bin`);
    writeFileSync(file, bytes);
    const io = collectIo();
    expect(await decodeCommand([file, '--desc'], io)).toBe(0);
    real[bin] = JSON.parse(io.lines.join('\n')) as Desc;
  }
}, 120_000);
afterAll(() => tmp?.cleanup());

/** The engine's stream of the release's devices that the real stream has, at their reset states. */
function engineDesc(release: Release, machine: string, names: Set<string>): { desc: Desc; compared: string[] } {
  const e = new Engine(release, machine);
  // the machine type's devices: save those the real stream has (an instance without a state is not saved)
  const shared = e.instances.filter((i) => names.has(`${i.idstr}#${i.instanceId}`));
  const saved = e.save(Object.fromEntries(shared.map((i) => [i.key, e.resetState(i.key)])));
  return { desc: saved.desc as unknown as Desc, compared: shared.map((i) => i.cls.name) };
}

describe.each(CASES)('QEMU $bin at $machine against the $release model', ({ bin, release, machine }) => {
  test('the description has the entries QEMU writes: configuration only from 8.2', () => {
    const r = findRelease(release)!;
    const { desc } = engineDesc(r, machine, new Set());
    expect(Object.keys(desc)).toEqual(Object.keys(real[bin]));
    expect('configuration' in real[bin]).toBe(bin !== '7.2');
    if (real[bin].configuration) expect(qemuJson(desc.configuration)).toBe(qemuJson(real[bin].configuration));
  });

  test('every device entry the model writes is the real one, text for text', () => {
    const r = findRelease(release)!;
    const names = new Set(real[bin].devices.map((d) => `${d.name}#${d.instance_id}`));
    const { desc, compared } = engineDesc(r, machine, names);
    // the devices asked for on the command line and the board's own
    expect(compared).toEqual(expect.arrayContaining(['isa-serial', 'virtio-rng', 'i8259', 'hpet', 'fw_cfg', 'globalstate']));
    expect(desc.devices.length).toBeGreaterThanOrEqual(20);
    for (const d of desc.devices) {
      const want = real[bin].devices.find((x) => x.name === d.name && x.instance_id === d.instance_id);
      expect(qemuJson(d), d.name).toBe(qemuJson(want));
    }
  });

  test("a WITH_TMP field is described with its tmp VMSD inside (the cpu's env.fpregs)", () => {
    // target/i386/machine.c: fpreg_tmp { tmp_mant uint64, tmp_exp uint16 }, fpreg { WITH_TMP }, cpu env.fpregs[8]
    const fpregTmp: VMStateDescription = {
      name: 'fpreg_tmp',
      version_id: 0,
      fields: [VMSTATE_UINT64('tmp_mant'), VMSTATE_UINT16('tmp_exp')],
      pre_save(t: State) {
        const p = t[TMP_PARENT] as State;
        t.tmp_mant = p.mant;
        t.tmp_exp = p.exp;
      },
    };
    const fpreg: VMStateDescription = { name: 'fpreg', version_id: 0, fields: [VMSTATE_WITH_TMP(fpregTmp)] };
    const cpu: VMStateDescription = { name: 'cpu', version_id: 12, fields: [VMSTATE_STRUCT_ARRAY('env.fpregs', 8, 0, fpreg)] };
    const regs = Array.from({ length: 8 }, () => ({ mant: 0n, exp: 0 }));
    const desc = withWriterOf(release, device('cpu', cpu, { 'env.fpregs': regs }));
    const want = real[bin].devices.find((d) => d.name === 'cpu')!.fields.find((f) => f.name === 'env.fpregs');
    expect(want, 'the real cpu section describes env.fpregs').toBeDefined();
    expect(qemuJson(desc.fields[0])).toBe(qemuJson(want));
  });
});

/** A one-device release with the JSON writer of a built-in release. */
function device(name: string, vmsd: VMStateDescription, state: State): DeviceClass {
  return { name, type: name, parents: ['device'], props: {}, vmsd, idstr: name, instanceId: 0, reset: () => structuredClone(state) };
}
function releaseLike(builtin: string, cls: DeviceClass): Release {
  const b = findRelease(builtin)!;
  return { ...testRelease(`like-${builtin}`, [cls]), vmdescArrays: b.vmdescArrays, vmdescNullptr: b.vmdescNullptr, vmdescConfiguration: b.vmdescConfiguration };
}
function saveLike(builtin: string, cls: DeviceClass, state?: State) {
  const e = new Engine(releaseLike(builtin, cls), 'pc-q35-9.0');
  return e.save({ [cls.name]: state ?? e.resetState(cls.name) });
}
function withWriterOf(builtin: string, cls: DeviceClass, state?: State): Desc['devices'][number] & { fields: unknown[] } {
  return (saveLike(builtin, cls, state).desc.devices as Desc['devices'])[0]! as Desc['devices'][number] & { fields: unknown[] };
}

describe('a null element of an array of struct pointers (s390 css, which no x86 device has)', () => {
  const sub: VMStateDescription = { name: 'css', version_id: 1, fields: [VMSTATE_UINT8('squid')] };
  const vmsd: VMStateDescription = { name: 'channel_subsystem', version_id: 1, fields: [VMSTATE_ARRAY_OF_POINTER_TO_STRUCT('css', 256, 1, sub)] };
  const css = (nonNull: number[]) => Array.from({ length: 256 }, (_, i) => (nonNull.includes(i) ? { squid: 7 } : null));
  const cls = device('css', vmsd, { css: css([254]) });

  test.each(['7.2.0', '8.2.0', '9.2.0'])('%s: the struct field, with an empty struct, for the whole (compressed) array', (r) => {
    const d = withWriterOf(r, cls);
    expect(qemuJson(d.fields)).toBe('[{"name": "css", "array_len": 256, "type": "struct", "struct": {}, "size": 1}]');
  });

  test('a described null element that is not the first one: the empty struct at its index', () => {
    const grows: VMStateDescription = { name: 'grows', version_id: 1, fields: [VMSTATE_UINT8('squid')], subsections: [{ name: 'grows/more', version_id: 1, fields: [], needed: () => false }] };
    const v: VMStateDescription = { name: 'p', version_id: 1, fields: [VMSTATE_ARRAY_OF_POINTER_TO_STRUCT('ptrs', 2, 1, grows)] };
    const d = withWriterOf('9.2.0', device('p', v, { ptrs: [{ squid: 1 }, null] }));
    expect(d.fields).toEqual([
      { name: 'ptrs', index: 0, type: 'struct', struct: { vmsd_name: 'grows', version: 1, fields: [{ name: 'squid', type: 'uint8', size: 1 }] }, size: 1 },
      { name: 'ptrs', index: 1, type: 'struct', struct: {}, size: 1 },
    ]);
  });

  test('10.0.0: nullptr entries, run by run', () => {
    const d = withWriterOf('10.0.0', cls);
    expect(d.fields).toEqual([
      { name: 'css', array_len: 254, type: 'nullptr', size: 1 },
      // a run of one element is no array: no index (max_elems is 1)
      { name: 'css', type: 'struct', struct: { vmsd_name: 'css', version: 1, fields: [{ name: 'squid', type: 'uint8', size: 1 }] }, size: 1 },
      { name: 'css', type: 'nullptr', size: 1 },
    ]);
  });

  test.each(['7.2.0', '10.0.0'])("the decoder reads the %s stream's null elements as the markers they are", (r) => {
    const saved = saveLike(r, device('css', vmsd, { css: css([]) }));
    const s = decodeStream(saved.bytes);
    const sec = s.records.find((x) => x.type === 'FULL') as unknown as { state: { fields: { name: string; values: unknown[] }[] } };
    const values = sec.state.fields.find((f) => f.name === 'css')!.values;
    expect(values).toHaveLength(256);
    expect(values.every((v) => v instanceof Uint8Array && v.length === 1 && v[0] === 0x30)).toBe(true);
  });
});

describe('queues describe their elements inside their entry, as put_qtailq passes its vmdesc on', () => {
  // each element writes vmsd_name, version, fields (and subsections) into the one open object;
  // of QEMU's repeated keys a JSON reader (analyze-migration.py, JSON.parse) keeps the last
  const more: VMStateDescription = { name: 'elem/more', version_id: 1, fields: [VMSTATE_UINT8('b')], needed: (s) => s.b !== 0 };
  const elem: VMStateDescription = { name: 'elem', version_id: 2, fields: [VMSTATE_UINT8('a')], subsections: [more] };
  const vmsd: VMStateDescription = { name: 'q', version_id: 1, fields: [VMSTATE_QTAILQ_V('list', 1, elem)] };
  const desc = (list: State[]) => withWriterOf('10.0.0', device('q', vmsd, { list })).fields[0];
  const own = { vmsd_name: 'elem', version: 2, fields: [{ name: 'a', type: 'uint8', size: 1 }] };
  const sub = { subsections: [{ vmsd_name: 'elem/more', version: 1, fields: [{ name: 'b', type: 'uint8', size: 1 }] }] };

  test('an empty queue: its end marker only', () => {
    expect(desc([])).toEqual({ name: 'list', type: 'qtailq', size: 1 });
  });
  test('two elements: one set of keys, the size of the whole queue', () => {
    expect(desc([{ a: 1, b: 0 }, { a: 2, b: 0 }])).toEqual({ name: 'list', type: 'qtailq', ...own, size: 5 });
  });
  test("subsections: an element's own list replaces an earlier one; one without keeps the earlier (no key written)", () => {
    const size = (n: number) => 5 + n * (1 + 1 + 9 + 4 + 1);
    expect(desc([{ a: 1, b: 1 }, { a: 2, b: 0 }])).toEqual({ name: 'list', type: 'qtailq', ...own, ...sub, size: size(1) });
    expect(desc([{ a: 1, b: 1 }, { a: 2, b: 1 }])).toEqual({ name: 'list', type: 'qtailq', ...own, ...sub, size: size(2) });
  });

  // the text itself, as put_qtailq writes it (migration/vmstate-types.c of 10.0.2: vmstate_save_state per
  // element into the object vmsd_desc_field_start opened, vmsd_desc_field_end's size last)
  const entryText = (list: State[]) => {
    const bytes = saveLike('10.0.0', device('q', vmsd, { list })).bytes;
    const located = findVmdesc(bytes)!;
    const text = new TextDecoder().decode(bytes.subarray(located.jsonOffset, located.jsonOffset + located.jsonLength));
    return { text, located };
  };
  const f = (n: string) => `{"name": "${n}", "type": "uint8", "size": 1}`;
  const ownText = `"vmsd_name": "elem", "version": 2, "fields": [${f('a')}]`;
  const subText = `"subsections": [{"vmsd_name": "elem/more", "version": 1, "fields": [${f('b')}]}]`;
  test('the JSON text repeats vmsd_name, version, fields per element, and subsections where an element has them', () => {
    const { text, located } = entryText([{ a: 1, b: 1 }, { a: 2, b: 0 }, { a: 3, b: 1 }]);
    const size = 7 + 2 * (1 + 1 + 9 + 4 + 1);
    expect(text).toContain(`{"name": "list", "type": "qtailq", ${ownText}, ${subText}, ${ownText}, ${ownText}, ${subText}, "size": ${size}}`);
    // a reader keeps each key's last occurrence: the parsed form the decoder works from
    expect(located.desc.devices[0]!.fields![0]).toEqual({ name: 'list', type: 'qtailq', ...own, ...sub, size });
  });
  test('a tree: the key VMSD then the value VMSD per node, as put_gtree_elem saves them', () => {
    const key: VMStateDescription = { name: 'k', version_id: 1, fields: [VMSTATE_UINT8('id')] };
    const val: VMStateDescription = { name: 'v', version_id: 3, fields: [VMSTATE_UINT16('x')] };
    const tree: VMStateDescription = { name: 't', version_id: 1, fields: [VMSTATE_GTREE_V('nodes', 1, [val, key])] };
    const bytes = saveLike('10.0.0', device('t', tree, { nodes: [{ key: { id: 1 }, value: { x: 2 } }, { key: { id: 3 }, value: { x: 4 } }] })).bytes;
    const located = findVmdesc(bytes)!;
    const text = new TextDecoder().decode(bytes.subarray(located.jsonOffset, located.jsonOffset + located.jsonLength));
    const k = `"vmsd_name": "k", "version": 1, "fields": [${f('id')}]`;
    const v = `"vmsd_name": "v", "version": 3, "fields": [{"name": "x", "type": "uint16", "size": 2}]`;
    expect(text).toContain(`{"name": "nodes", "type": "gtree", ${k}, ${v}, ${k}, ${v}, "size": ${4 + 2 * (1 + 1 + 2) + 1}}`);
  });
  test('one element or none: no repeated key', () => {
    expect(entryText([{ a: 1, b: 0 }]).text).toContain(`{"name": "list", "type": "qtailq", ${ownText}, "size": 3}`);
    expect(entryText([]).text).toContain(`{"name": "list", "type": "qtailq", "size": 1}`);
  });
});

describe('the JSON writer of a release built from a source tree, by its VERSION', () => {
  test.each([
    ['7.2.22', 'whole', 'struct', false],
    ['8.1.5', 'whole', 'struct', false],
    ['8.2.0', 'whole', 'struct', true],
    ['9.1.2', 'whole', 'struct', true],
    ['9.1.3', 'runs', 'nullptr', true],
    ['9.2.0', 'whole', 'struct', true],
    ['9.2.1', 'runs', 'nullptr', true],
    ['10.0.2', 'runs', 'nullptr', true],
  ] as const)('%s', (version, vmdescArrays, vmdescNullptr, vmdescConfiguration) => {
    expect(jsonWriterOf(version)).toEqual({ vmdescArrays, vmdescNullptr, vmdescConfiguration });
  });
  test('and the built-in models agree with it', () => {
    for (const name of ['7.2.0', '8.1.0', '8.2.0', '9.2.0', '10.0.0']) {
      const r = findRelease(name)!;
      expect({ vmdescArrays: r.vmdescArrays, vmdescNullptr: r.vmdescNullptr, vmdescConfiguration: r.vmdescConfiguration }, name).toEqual(jsonWriterOf(name));
    }
  });
});
