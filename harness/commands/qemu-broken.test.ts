/**
 * Broken binaries and typos end a real run with a reason and a non-zero exit
 * (#13 items 5 and 6), never as a run of skips that exits 0. The "QEMU"s
 * here answer -version and -machine help (so they are taken for builds) and
 * then hang, die at once, or print garbage on the QMP socket: a binary that
 * cannot run exits 2, apart from a migration that failed (1), so that CI can
 * tell the two by the exit code (#14). One that dies while it loads the
 * stream is a migration failure: 1.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { locateQemu, once } from '../../src/qemu/binaries.js';
import { leftovers } from '../../src/qemu/driver.js';
import { brokenQemu } from '../../src/qemu/broken.js';
import { collectIo } from '../io.js';
import { qemuCommand } from './qemu.js';

let tmp: DirectoryResult;
const fakes: Record<'hang' | 'dies' | 'garbage' | 'crashOnLoad', string> = { hang: '', dies: '', garbage: '', crashOnLoad: '' };

const setup = once(async () => {
  const q72 = await locateQemu('7.2');
  tmp = await tmpDir({ prefix: 'vmcompat-broken-', unsafeCleanup: true });
  const head = `#!/bin/sh\ncase " $* " in\n  *" -version "*) echo "QEMU emulator version ${q72.version}"; exit 0;;\n  *" -machine help "*) exec ${q72.path} -machine help;;\nesac\n`;
  const garbage =
    `sock=$(printf '%s\\n' "$@" | sed -n 's/^unix:\\([^,]*\\),server.*/\\1/p')\n` +
    `exec node -e 'const s = require("net").createServer((c) => c.write("this is not QMP\\r\\n{garbage\\r\\n")); s.listen(process.argv[1]); setTimeout(() => {}, 1e9)' "$sock"\n`;
  // speaks QMP and dies of SIGSEGV when told to load (src/qemu/broken.ts)
  const crashOnLoad = `VMCOMPAT_BROKEN_MODE=crash-on-load exec ${brokenQemu('crash-on-load', tmp.path).path} "$@"\n`;
  const bodies = { hang: 'exec sleep 1000\n', dies: 'echo "fake: dies at once" >&2\nexit 1\n', garbage, crashOnLoad };
  for (const k of Object.keys(fakes) as (keyof typeof fakes)[]) {
    fakes[k] = join(tmp.path, k);
    writeFileSync(fakes[k], head + bodies[k]);
    chmodSync(fakes[k], 0o755);
  }
});
afterAll(() => tmp?.cleanup());

const run = async (...args: string[]) => {
  const io = collectIo();
  const code = await qemuCommand([...args, '--machine', 'pc-q35-7.2', '--timeout', '3'], io);
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
};

describe('a binary that cannot run a case', () => {
  // the binary's fault is each case's error (start-failed, timeout, qmp-protocol: src/qemu/errors.ts), never a skip or a pass
  it.each([
    ['exits at once', 'dies', 'start-failed', /exited with code 1 before its QMP socket answered, without an error line of its own: fake: dies at once/],
    ['hangs', 'hang', 'timeout', /time|killed/],
    ['prints garbage on QMP', 'garbage', 'qmp-protocol', /this is not QMP/],
  ] as const)('one that %s: exit 2, each case an error of its kind with the reason, nothing left behind', async (_label, kind, errorKind, reason) => {
    await setup();
    const r = await run('--src', fakes[kind], '--dst', '7.2', '--device', 'isa-serial');
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.out).toMatch(/0 passed · 2 failed · 0 skipped/);
    expect(r.out.match(new RegExp(`FAILED · ${errorKind}`, 'g'))?.length, r.out).toBe(2);
    expect(r.out + r.err).toMatch(reason);
    expect(r.err).toMatch(new RegExp(`2 cases could not run, the binary's fault \\(${errorKind}: .*no migration failed, exit 2`));
  });

  it('one that dies while it loads the stream: a migration failure, exit 1', async () => {
    await setup();
    const r = await run('--src', '7.2', '--dst', fakes.crashOnLoad, '--device', 'isa-serial', '--one-way');
    expect(r.out).toMatch(/FAILED · qemu-crashed/);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.err).not.toMatch(/could not run/);
  });

  it('a binary that cannot run beside a migration that failed: the migration failure decides, exit 1', async () => {
    await setup();
    // one binary, two faults: as the source it dies at once (its own fault), as the destination it crashes while loading (the migration's)
    const mixed = join(tmp.path, 'mixed');
    writeFileSync(mixed, `#!/bin/sh
case " $* " in
  *" -incoming "*) exec ${fakes.crashOnLoad} "$@";;
  *" -version "*|*" -machine help "*) exec ${fakes.crashOnLoad} "$@";;
esac
exec ${fakes.dies} "$@"
`);
    chmodSync(mixed, 0o755);
    const r = await run('--src', mixed, '--dst', '7.2', '--device', 'isa-serial');
    expect(r.out).toMatch(/FAILED · start-failed/);
    expect(r.out).toMatch(/FAILED · qemu-crashed/);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.err).toMatch(/1 case could not run, the binary's fault \(start-failed: .*1 other failure is a migration failure \(exit 1\)/);
  });
});

describe('typos in a real run', () => {
  it('--device naming a device neither build has: exit 2, naming it', async () => {
    const r = await run('--src', '7.2', '--dst', '10.0', '--device', 'no-such-device');
    expect(r.code, r.out).toBe(2);
    expect(r.err).toMatch(/every case was skipped .*'no-such-device' is not a valid device model name.*nothing was checked/);
  });
});

afterAll(() => expect(leftovers()).toEqual([]));
