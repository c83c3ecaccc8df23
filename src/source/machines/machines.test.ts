import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { extractMachines, type MachineExtraction } from './extract.js';
import { validateMachines, type QueryMachine } from './validate.js';

/**
 * A miniature tree written for the test: two boards, one in the old
 * `DEFINE_X_MACHINE(suffix, "name", …, optsfn)` form and one in the
 * versioned form whose names come from macros picking by argument count,
 * with an age-based deletion test, compat arrays in two files and a
 * function-local array. Nothing of QEMU's text.
 */
let root: string;
let cleanup: () => Promise<void>;
const write = (rel: string, text: string) => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
};

const BOARDS_H = `#ifndef BOARDS_H
#define BOARDS_H
#define TYPE_MACHINE_SUFFIX "-machine"
#define TYPE_DEV "dev-device"
#define type_init(fn) static void __attribute__((constructor)) do_init_ ## fn(void) { register_module_init(fn, MODULE_INIT_QOM); }
#define PICK(a, b, c, d, ...) d
#define VNAME2(p, x, y) p "-" #x "." #y TYPE_MACHINE_SUFFIX
#define VNAME3(p, x, y, z) p "-" #x "." #y "." #z TYPE_MACHINE_SUFFIX
#define VSYM2(s, p, x, y) p ## _ ## x ## _ ## y ## _ ## s
#define VSYM3(s, p, x, y, z) p ## _ ## x ## _ ## y ## _ ## z ## _ ## s
#define VNAME(p, ...) PICK(__VA_ARGS__, VNAME3, VNAME2, none)(p, __VA_ARGS__)
#define VSYM(s, p, ...) PICK(__VA_ARGS__, VSYM3, VSYM2, none)(s, p, __VA_ARGS__)
#define TOO_OLD(x, ...) ((QEMU_VERSION_MAJOR - (x)) > 6)
#define DEFINE_NEW_MACHINE(sym, str, latest, ...) \\
    static void VSYM(class_init, sym, __VA_ARGS__)(ObjectClass *oc, void *data) { \\
        MachineClass *mc = MACHINE_CLASS(oc); \\
        VSYM(options, sym, __VA_ARGS__)(mc); \\
        if (latest) { mc->alias = "new"; mc->is_default = true; } \\
    } \\
    static const TypeInfo VSYM(info, sym, __VA_ARGS__) = { \\
        .name = VNAME(str, __VA_ARGS__), .parent = "base-machine", \\
        .class_init = VSYM(class_init, sym, __VA_ARGS__), }; \\
    static void VSYM(register, sym, __VA_ARGS__)(void) { \\
        do { if (TOO_OLD(__VA_ARGS__) && !getenv("KEEP")) { return; } } while (0); \\
        type_register_static(&VSYM(info, sym, __VA_ARGS__)); \\
    } \\
    type_init(VSYM(register, sym, __VA_ARGS__))
#define DEFINE_OLD_MACHINE(suffix, namestr, optsfn) \\
    static void old_##suffix##_class_init(ObjectClass *oc, void *data) { optsfn(MACHINE_CLASS(oc)); } \\
    static const TypeInfo old_##suffix##_info = { .name = namestr TYPE_MACHINE_SUFFIX, .parent = "base-machine", .class_init = old_##suffix##_class_init }; \\
    static void old_##suffix##_register(void) { type_register(&old_##suffix##_info); } \\
    type_init(old_##suffix##_register)
extern GlobalProperty hw_compat_2_0[];
#endif
`;

beforeAll(async () => {
  const d = await dir({ unsafeCleanup: true });
  root = d.path;
  cleanup = d.cleanup;
  write('VERSION', '9.0.0\n');
  write('include/hw/boards.h', BOARDS_H);
  write(
    'hw/core/machine.c',
    `#include "hw/boards.h"
GlobalProperty hw_compat_3_0[] = {
    { TYPE_DEV, "x-new", "off" },
    { "other" "-dev", "y", "1", .optional = true },
};
const size_t hw_compat_3_0_len = G_N_ELEMENTS(hw_compat_3_0);
GlobalProperty hw_compat_2_0[] = { { .driver = TYPE_DEV, .property = "x-old", .value = "on" } };
`,
  );
  write('hw/i386/pc.c', '#include "hw/boards.h"\n#define IDS(v) { "cpu", "model-id", "CPU " v }, { "cpu2", "model-id", "CPU " v },\nGlobalProperty pc_compat_3_0[] = {\n    IDS("3.0")\n};\n');
  write(
    'hw/i386/pc_q35.c',
    `#include "hw/boards.h"
static GlobalProperty board_defaults[] = { { "bus", "width", "64" } };
static void base_options(MachineClass *m)
{
    m->max_cpus = 64;
    compat_props_add(m->compat_props, board_defaults, 1);
}
static void new_4_0_options(MachineClass *m)
{
    base_options(m);
}
DEFINE_NEW_MACHINE(new, "new", true, 4, 0);
static void new_3_0_1_options(MachineClass *m)
{
    PCMachineClass *pcmc = PC_MACHINE_CLASS(m);
    new_4_0_options(m);
    pcmc->quirk = true;
    compat_props_add(m->compat_props, hw_compat_3_0, hw_compat_3_0_len);
    compat_props_add(m->compat_props, pc_compat_3_0, pc_compat_3_0_len);
}
DEFINE_NEW_MACHINE(new, "new", false, 3, 0, 1)
static void new_2_0_options(MachineClass *m)
{
    static GlobalProperty local[] = { { "dev-device", "x-local", "7" } };
    new_3_0_1_options(m);
    m->max_cpus = 8;
    compat_props_add(m->compat_props, local, G_N_ELEMENTS(local));
    compat_props_add(m->compat_props, hw_compat_2_0, 1);
}
DEFINE_NEW_MACHINE(new, "new", false, 2, 0);
static void old_options(MachineClass *m)
{
    new_3_0_1_options(m);
    m->alias = NULL;
}
DEFINE_OLD_MACHINE(v1, "old-1.0", old_options);
`,
  );
});
afterAll(() => cleanup?.());

describe('machine types from board files', () => {
  let x: MachineExtraction;
  beforeAll(async () => {
    x = await extractMachines(root, { boardFiles: ['hw/i386/pc_q35.c'] });
  });

  test('both definition forms, with the names their macros build; a machine past its age is not registered', () => {
    expect(x.unresolved).toEqual([]);
    expect(x.machines.map((m) => m.name)).toEqual(['new-4.0', 'new-3.0.1', 'old-1.0']);
    expect(x.machines[0]).toMatchObject({ alias: 'new', isDefault: true, parent: 'base-machine', file: 'hw/i386/pc_q35.c', line: 12 });
    expect(x.machines[1]).toMatchObject({ alias: null, isDefault: false });
  });

  test('compat lists in application order, every entry with its file:line, the option functions followed through', () => {
    const m = x.machines.find((n) => n.name === 'new-3.0.1')!;
    expect(m.compat.map((e) => [e.driver, e.property, e.value, e.optional ?? false, `${e.file}:${e.line}`])).toEqual([
      ['bus', 'width', '64', false, 'hw/i386/pc_q35.c:2'],
      ['dev-device', 'x-new', 'off', false, 'hw/core/machine.c:3'],
      ['other-dev', 'y', '1', true, 'hw/core/machine.c:4'],
      ['cpu', 'model-id', 'CPU 3.0', false, 'hw/i386/pc.c:4'],
      ['cpu2', 'model-id', 'CPU 3.0', false, 'hw/i386/pc.c:4'],
    ]);
    expect(m.sources.map((s) => `${s.array}@${s.line}`)).toEqual(['board_defaults@6', 'hw_compat_3_0@18', 'pc_compat_3_0@19']);
    expect(m.fields['MachineClass.max_cpus']).toMatchObject({ value: 64, line: 5 });
    expect(m.fields['PCMachineClass.quirk']).toMatchObject({ value: true, line: 17 });
    expect(x.machines.find((n) => n.name === 'old-1.0')!.compat).toHaveLength(5);
  });

  test('the deletion test reads the tree version: under 11.0 the 4.0 machine type is gone too', async () => {
    write('VERSION', '11.0.0\n');
    try {
      const y = await extractMachines(root, { boardFiles: ['hw/i386/pc_q35.c'] });
      expect(y.machines.map((m) => m.name)).toEqual(['old-1.0']);
    } finally {
      write('VERSION', '9.0.0\n');
    }
  });

  test('a function-local array and an old array are appended after the newer ones', async () => {
    write('VERSION', '8.0.0\n');
    try {
      const y = await extractMachines(root, { boardFiles: ['hw/i386/pc_q35.c'] });
      const m = y.machines.find((n) => n.name === 'new-2.0')!;
      expect(m.compat.slice(-2).map((e) => `${e.property}=${e.value}@${e.file}:${e.line}`)).toEqual(['x-local=7@hw/i386/pc_q35.c:24', 'x-old=on@hw/core/machine.c:7']);
      expect(m.fields['MachineClass.max_cpus']?.value).toBe(8);
    } finally {
      write('VERSION', '9.0.0\n');
    }
  });
});

describe('validation against query-machines', () => {
  const asQuery = (x: MachineExtraction): QueryMachine[] =>
    x.machines.map((m) => ({
      name: m.name,
      ...(m.alias ? { alias: m.alias } : {}),
      ...(m.isDefault ? { 'is-default': true } : {}),
      deprecated: m.deprecated,
      'compat-props': m.compat.map((e) => ({ 'qom-type': e.driver, property: e.property, value: e.value })),
    }));

  test('equal lists pass; a changed, missing or extra entry names the machine, the entry and its source line', async () => {
    const x = await extractMachines(root, { boardFiles: ['hw/i386/pc_q35.c'] });
    const ok = validateMachines(x, asQuery(x));
    expect(ok).toMatchObject({ equal: 3, binaryMachines: 3, mismatches: [], comparedCompat: true, comparedEntries: 11 });

    const changed = asQuery(x);
    changed[1]!['compat-props']![1]!.value = 'on';
    const bad = validateMachines(x, changed);
    expect(bad.equal).toBe(2);
    expect(bad.mismatches).toEqual([
      { machine: 'new-3.0.1', kind: 'compat-entry', message: 'new-3.0.1: compat entry 1: source dev-device.x-new=off (hw/core/machine.c:3), binary dev-device.x-new=on' },
    ]);

    const shorter = asQuery(x);
    shorter[2]!['compat-props']!.pop();
    shorter.push({ name: 'ghost-1.0' });
    const r = validateMachines(x, shorter);
    expect(r.mismatches.map((m) => m.kind)).toEqual(['only-in-binary', 'compat-length']);
    expect(r.mismatches[1]!.message).toMatch(/old-1\.0: 5 compat entries in the source, 4 in the binary; first source-only entry cpu2\.model-id=CPU 3\.0 \(hw\/i386\/pc\.c:4\)/);
  });

  test('a binary without compat-props checks the machine list and flags, and says the lists are unchecked', async () => {
    const x = await extractMachines(root, { boardFiles: ['hw/i386/pc_q35.c'] });
    const q = asQuery(x).map(({ 'compat-props': _, ...rest }) => rest);
    q[0]!.alias = 'other';
    const v = validateMachines(x, q);
    expect(v.comparedCompat).toBe(false);
    expect(v.mismatches).toMatchObject([{ machine: 'new-4.0', kind: 'alias' }]);
    expect(v.unchecked[0]).toMatch(/compat lists of all 3 machine types/);
    expect(validateMachines(x, []).mismatches[0]!.message).toMatch(/no machine types/);
  });
});
