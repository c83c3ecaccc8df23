import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dir } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { evaluate } from '../eval.js';
import { extractPropertyArrays } from './extract.js';
import { expand, parseDefine, type Macro } from './macros.js';
import { SourceTree } from './context.js';
import { camelToUpper, camelToUpperWords } from './qapi-enums.js';
import { tokenize, untokenize } from './tokens.js';

function table(...defs: string[]): Map<string, Macro> {
  return new Map(defs.map((d) => parseDefine(d, 't.h', 1)!).map((m) => [m.name, m]));
}
const run = (text: string, m: Map<string, Macro>) => untokenize(expand(tokenize(text), m));

describe('macro expander', () => {
  test('stringizes, pastes and picks by argument count like the C preprocessor', () => {
    const m = table(
      'PICK(a, b, c, d, ...) d',
      'STR2(x, y) #x "." #y',
      'STR3(x, y, z) #x "." #y "." #z',
      'VER(...) PICK(__VA_ARGS__, STR3, STR2, none)(__VA_ARGS__)',
      'SYM(p, x, y) p ## _machine_ ## x ## _ ## y',
    );
    expect(run('VER(9, 2)', m)).toBe('"9" "." "2"');
    expect(run('VER(4, 0, 1)', m)).toBe('"4" "." "0" "." "1"');
    expect(run('SYM(pc_q35, 9, 2)', m)).toBe('pc_q35_machine_9_2');
  });

  test('a macro is not expanded inside its own expansion, and a function-like name without ( stays', () => {
    const m = table('foo foo + 1', 'f(x) x * 2', 'g f');
    expect(run('foo', m)).toBe('foo + 1');
    expect(run('f', m)).toBe('f');
    expect(run('g(3)', m)).toBe('3 * 2');
  });

  test('GNU comma elision and empty variadic arguments', () => {
    const m = table('E(fmt, ...) call(fmt, ## __VA_ARGS__)');
    expect(run('E("a")', m)).toBe('call("a")');
    expect(run('E("a", 1, 2)', m).replace(/\s/g, '')).toBe('call("a",1,2)');
  });

  test('a wrong argument count is an error naming the macro and its line', () => {
    const m = table('TWO(a, b) a b');
    expect(() => run('TWO(1)', m)).toThrow(/TWO takes 2 argument\(s\), given 1 \(defined at t\.h:1\)/);
  });
});

describe('constant expressions', () => {
  const v = (s: string) => evaluate(tokenize(s));
  test('casts truncate, shifts and unsigned 64-bit values stay exact', () => {
    expect(v('(uint8_t)0x1ff')).toEqual({ kind: 'int', v: 0xffn, unsigned: true });
    expect(v('(bool)7')).toEqual({ kind: 'int', v: 1n, unsigned: false });
    expect(v('(uint64_t)(1ULL << 63)').kind === 'int' && (v('(uint64_t)(1ULL << 63)') as { v: bigint }).v).toBe(1n << 63n);
    expect(v('(int32_t)-1')).toEqual({ kind: 'int', v: -1n, unsigned: false });
    expect(v('2 > 1 ? 10 : 20')).toEqual({ kind: 'int', v: 10n, unsigned: false });
  });
  test('adjacent string literals concatenate', () => {
    expect(v('"qemu64" "-" "x86_64-cpu"')).toEqual({ kind: 'str', v: 'qemu64-x86_64-cpu' });
  });
  test("the compiler built-ins behind QEMU's MIN()", () => {
    expect(v('__builtin_choose_expr(__builtin_constant_p(3) && __builtin_constant_p(5), 3 < 5 ? 3 : 5, ((void)0))')).toEqual({ kind: 'int', v: 3n, unsigned: false });
  });
  test('an unknown name or a call is an error saying which', () => {
    expect(() => v('FOO + 1')).toThrow(/unknown name 'FOO'/);
    expect(() => v('f(1)')).toThrow(/call of 'f'/);
  });
});

test('QAPI constant names under both generator rules', () => {
  expect(camelToUpper('OnOffAuto')).toBe('ON_OFF_AUTO');
  expect(camelToUpperWords('OnOffAuto')).toBe('ON_OFF_AUTO');
  expect(camelToUpperWords('OffAutoPCIBAR')).toBe('OFF_AUTO_PCIBAR');
  expect(camelToUpper('OffAutoPCIBAR')).toBe('OFF_AUTOPCIBAR');
});

/** A miniature tree: my own header text in the shape QEMU's has, so the extractor is driven by it, not by a table. */
let root: string;
let cleanup: () => Promise<void>;
const write = (rel: string, text: string) => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
};

beforeAll(async () => {
  const d = await dir({ unsafeCleanup: true });
  root = d.path;
  cleanup = d.cleanup;
  write('VERSION', '9.9.50\n');
  write('qapi/common.json', "# schema\n{ 'enum': 'OnOffAuto',\n  'data': [ 'auto', 'on', 'off' ] }\n");
  write(
    'include/hw/qdev-properties.h',
    `#ifndef QDEV_PROPS_H
#define QDEV_PROPS_H
#define MKPROP(_n, _s, _f, _info, ...) { .name = (_n), .info = &(_info), \\
        .offset = offsetof(_s, _f), __VA_ARGS__ }
#define MKPROP_UNSIGNED(_n, _s, _f, _d, _info, _t) MKPROP(_n, _s, _f, _info, .set_default = true, .defval.u = (_t)_d)
#define DEFINE_PROP_UINT32(_n, _s, _f, _d) MKPROP_UNSIGNED(_n, _s, _f, _d, qdev_prop_uint32, uint32_t)
#define DEFINE_PROP_UINT8(_n, _s, _f, _d) MKPROP_UNSIGNED(_n, _s, _f, _d, qdev_prop_uint8, uint8_t)
#define DEFINE_PROP_BIT(_n, _s, _f, _bit, _d) MKPROP(_n, _s, _f, qdev_prop_bit, .bitnr = (_bit), .set_default = true, .defval.u = (bool)_d)
#define DEFINE_PROP_ON_OFF_AUTO(_n, _s, _f, _d) MKPROP(_n, _s, _f, qdev_prop_on_off_auto, .set_default = true, .defval.i = (OnOffAuto)_d)
#define DEFINE_PROP_STRING(_n, _s, _f) MKPROP(_n, _s, _f, qdev_prop_string)
#define DEFINE_PROP_END_OF_LIST() {}
#endif
`,
  );
  write('hw/dev/modes.h', '#ifndef MODES_H\n#define MODES_H\nenum { MODE_SLOW, MODE_FAST = 5, MODE_NEXT };\n#define DEV_FLAG_X 3\n#endif\n');
  write(
    'hw/dev/dev.c',
    `#include "hw/qdev-properties.h"
#include "modes.h"
#include "hw/qdev-properties.h"
#define DEV_COMMON(_s, _f) \\
    DEFINE_PROP_UINT8("a", _s, _f, 1), \\
    DEFINE_PROP_UINT8("b", _s, _f, 2)

static Property dev_properties[] = {
    DEFINE_PROP_UINT32("mode", DevState, mode, MODE_NEXT),
    DEFINE_PROP_BIT("x", DevState, flags, DEV_FLAG_X, true),
#ifdef CONFIG_NOT_THERE
    DEFINE_PROP_BIT("absent", DevState, flags, 7, true),
#endif
    DEFINE_PROP_ON_OFF_AUTO("legacy", DevState, legacy, ON_OFF_AUTO_OFF),
    DEV_COMMON(DevState, pair),
    DEFINE_PROP_STRING("id", DevState, id),
    DEFINE_PROP_END_OF_LIST(),
};

static const Property dev2_properties[] = {
    DEFINE_PROP_UINT32("size", Dev2State, size, 0x1000 * 4),
};
`,
  );
});
afterAll(() => cleanup?.());

describe('preprocessor', () => {
  test('blanks directives and inactive branches, keeping every line where it was', () => {
    const u = new SourceTree(root).unit('hw/dev/dev.c');
    const lines = u.text.split('\n');
    expect(lines[8]).toContain('"mode"');
    expect(u.text).not.toContain('absent');
    expect(lines[13]).toContain('"legacy"');
    expect(u.headers).toEqual(['include/hw/qdev-properties.h', 'hw/dev/modes.h']);
    expect(u.macros.get('DEV_FLAG_X')?.file).toBe('hw/dev/modes.h');
    expect(u.macros.get('QEMU_VERSION_MAJOR')?.body[0]?.text).toBe('9');
  });
});

describe('Property arrays', () => {
  test('each entry expanded through the headers: type from the PropertyInfo, default, member, bit, file:line', async () => {
    const r = await extractPropertyArrays(root, { files: ['hw/dev/dev.c'] });
    expect(r.unresolved).toEqual([]);
    const props = r.arrays.get('dev_properties')![0]!.props;
    const brief = props.map((p) => [p.name, p.type, p.default, p.member, p.bit, p.line]);
    expect(brief).toEqual([
      ['mode', 'uint32', 6, 'mode', undefined, 9],
      ['x', 'bool', true, 'flags', 3, 10],
      ['legacy', 'onoffauto', 'off', 'legacy', undefined, 14],
      ['a', 'uint8', 1, 'pair', undefined, 15],
      ['b', 'uint8', 2, 'pair', undefined, 15],
      ['id', 'string', null, 'id', undefined, 16],
    ]);
    expect(props[0]).toMatchObject({ info: 'qdev_prop_uint32', struct: 'DevState', file: 'hw/dev/dev.c' });
    // the 10.x form: const, no END_OF_LIST
    expect(r.arrays.get('dev2_properties')![0]!.props).toMatchObject([{ name: 'size', default: 0x4000, line: 21 }]);
  });

  test('a default that cannot be resolved is listed with its reason and line, not guessed', async () => {
    write('hw/dev/bad.c', '#include "hw/qdev-properties.h"\nstatic Property bad_properties[] = {\n    DEFINE_PROP_UINT32("n", S, n, NOT_DEFINED_ANYWHERE),\n};\n');
    const r = await extractPropertyArrays(root, { files: ['hw/dev/bad.c'] });
    expect(r.arrays.get('bad_properties')![0]!.props).toEqual([]);
    expect(r.unresolved).toMatchObject([{ file: 'hw/dev/bad.c', line: 3, reason: expect.stringMatching(/unknown name 'NOT_DEFINED_ANYWHERE'/) }]);
  });
});
