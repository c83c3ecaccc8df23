import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../cli.js';
import { treeFingerprint } from '../extract-cache.js';
import { collectIo } from '../io.js';

/** The command's refusals: each a typed error (exit 2) naming what and where, before any extraction. */
const dir = mkdtempSync(join(tmpdir(), 'vmcompat-extract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A folder shaped like a QEMU tree (VERSION, vmstate.h) with no device model in it. */
function fakeTree(name: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'include/migration'), { recursive: true });
  mkdirSync(join(root, 'hw/misc'), { recursive: true });
  writeFileSync(join(root, 'VERSION'), '9.9.9\n');
  writeFileSync(join(root, 'include/migration/vmstate.h'), '/* empty */\n');
  writeFileSync(join(root, 'hw/misc/nothing.c'), 'int nothing;\n');
  writeFileSync(join(root, 'hw/meson.build'), "subdir('misc')\n");
  writeFileSync(join(root, 'hw/misc/meson.build'), "system_ss.add(files('nothing.c'))\n");
  return root;
}

async function run(...argv: string[]) {
  const io = collectIo();
  const code = await main(['extract', ...argv], io);
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
}

describe('vmcompat extract: bad input is exit 2 with the reason', () => {
  test('no DIR', async () => {
    expect(await run()).toMatchObject({ code: 2, err: expect.stringMatching(/^vmcompat extract: a QEMU source tree is required/) });
  });

  test('a folder that does not exist', async () => {
    const r = await run(join(dir, 'missing'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing: does not exist \(expected a QEMU source tree\)$/);
  });

  test('a file', async () => {
    const f = join(dir, 'file.c');
    writeFileSync(f, 'int x;\n');
    expect(await run(f)).toMatchObject({ code: 2, err: expect.stringMatching(/file\.c: is a file, not a QEMU source tree$/) });
  });

  test('a folder that is not a QEMU tree names what is missing and the set-up command', async () => {
    const r = await run(join(dir));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a QEMU source tree \(no VERSION or include\/migration\/vmstate\.h\); run `npm run source:setup`/);
  });

  test('a tree with no device model is refused, not written as an empty model', async () => {
    const r = await run(fakeTree('empty'), '--refresh');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/empty: no VMStateDescription in the 1 C files read \(QEMU 9\.9\.9\)/);
  });

  test('a tree whose hw/ has no meson.build is refused: the source list is read from it', async () => {
    const root = fakeTree('nomeson');
    rmSync(join(root, 'hw/meson.build'));
    const r = await run(root, '--refresh');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nomeson: no hw\/meson\.build: the source list of the build is read from the tree's meson\.build files/);
  });

  test('a meson.build the reader cannot parse is refused naming the file and line', async () => {
    const root = fakeTree('badmeson');
    writeFileSync(join(root, 'hw/misc/meson.build'), "system_ss.add(files('nothing.c')\n\nx = 1\n");
    const r = await run(root, '--refresh');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/hw\/misc\/meson\.build:3: expected ',' or '\)'/);
  });

  test('--machine without --validate', async () => {
    expect(await run(fakeTree('m'), '--machine', 'pc-q35-9.9')).toMatchObject({ code: 2, err: expect.stringContaining('--machine needs --validate BIN') });
  });

  test('-o into a folder that does not exist is refused before extracting', async () => {
    const r = await run(fakeTree('o'), '-o', join(dir, 'no/such/model.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/-o .*model\.json: the folder .* does not exist/);
  });

  test('--validate with no binary there names the set-up command', async () => {
    const r = await run(fakeTree('v'), '--validate', join(dir, 'no-qemu'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no-qemu.*npm run qemu:setup/);
  });

  test('an unknown option', async () => {
    expect(await run(fakeTree('u'), '--bogus')).toMatchObject({ code: 2, err: expect.stringContaining("unknown option '--bogus'") });
  });

  test('--help exits 0 and names the options', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const o of ['--output', '--validate', '--machine', '--refresh', '--json']) expect(r.out).toContain(o);
  });
});

describe('the cache key', () => {
  test('changes when a file the extraction reads changes size or time, not for files it never reads', () => {
    const root = fakeTree('key');
    const k0 = treeFingerprint(root);
    expect(treeFingerprint(root)).toBe(k0);
    writeFileSync(join(root, 'README.rst'), 'not read\n');
    mkdirSync(join(root, 'tests'));
    writeFileSync(join(root, 'tests/t.c'), 'int t;\n');
    expect(treeFingerprint(root)).toBe(k0);
    utimesSync(join(root, 'hw/misc/nothing.c'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const k1 = treeFingerprint(root);
    expect(k1).not.toBe(k0);
    writeFileSync(join(root, 'include/migration/vmstate.h'), '/* longer than before */\n');
    utimesSync(join(root, 'include/migration/vmstate.h'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(treeFingerprint(root)).not.toBe(k1);
  });
});
