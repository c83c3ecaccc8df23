/**
 * `prove` with a build that cannot run (#14): as `vmcompat qemu`, the run exits
 * 2 when the only thing that kept the proof from being decided is a binary
 * that cannot run, and 1 as soon as a migration decides against the proof;
 * stderr names both. The fakes are src/qemu/broken.ts's, behind a shell head
 * that answers -version and -machine help as the 7.2 build does (so they are
 * taken for builds): they fail at once.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { locateQemu, once, type QemuBinary } from '../../src/qemu/binaries.js';
import { brokenQemu } from '../../src/qemu/broken.js';
import { leftovers } from '../../src/qemu/driver.js';
import { collectIo } from '../io.js';
import { main } from '../cli.js';
import { proveBinaries } from './prove-binaries.js';

let q72: QemuBinary;
let q10: QemuBinary;
let tmp: DirectoryResult;
const fake = { exitAtOnce: '', garbage: '', startsNotLoads: '', rtcHost: '' };

const setup = once(async () => {
  q72 = await locateQemu('7.2');
  q10 = await locateQemu('10.0');
  tmp = await tmpDir({ prefix: 'vmcompat-prove-broken-', unsafeCleanup: true });
  const head = `#!/bin/sh\ncase " $* " in\n  *" -version "*) echo "QEMU emulator version ${q72.version}"; exit 0;;\n  *" -machine help "*) exec ${q72.path} -machine help;;\nesac\n`;
  const as = (mode: Parameters<typeof brokenQemu>[0]) => `VMCOMPAT_BROKEN_MODE=${mode} exec ${brokenQemu(mode, tmp.path).path} "$@"\n`;
  const bodies: Record<keyof typeof fake, string> = {
    exitAtOnce: as('exit-at-once'),
    garbage: as('garbage-qmp'),
    // exits at once as a source, speaks QMP and dies of SIGSEGV as a destination told to load
    startsNotLoads: `case " $* " in *" -incoming "*) ${as('crash-on-load')};; esac\n${as('exit-at-once')}`,
    // a real build whose RTC state changes between a save and a re-save: it fails against any peer, a real migration failure
    rtcHost: `exec ${q72.path} "$@" -rtc clock=host\n`,
  };
  for (const k of Object.keys(fake) as (keyof typeof fake)[]) {
    fake[k] = join(tmp.path, k);
    writeFileSync(fake[k], (k === 'rtcHost' ? '#!/bin/sh\n' : head) + bodies[k]);
    chmodSync(fake[k], 0o755);
  }
});
afterAll(() => tmp?.cleanup());

const args = { machines: ['pc-q35-7.2'], devices: ['isa-serial'] };

describe('prove with a build that cannot run', () => {
  it('a fix that exits at once, beside a base that fails against the peer: exit 2, the rows unchecked (not regressed), the base failures named as deciding nothing', async () => {
    await setup();
    const io = collectIo();
    const code = await proveBinaries({ base: fake.rtcHost, fix: fake.exitAtOnce, peer: q10.path, ...args }, io);
    const out = io.lines.join('\n');
    const err = io.errors.join('\n');
    expect(code, out + err).toBe(2);
    expect(io.lines.find((l) => l.startsWith('pc-q35-7.2 ')), out).toMatch(/ COULD NOT RUN(;|$)/);
    expect(out).not.toMatch(/REGRESSED|NOT FIXED|ERROR/);
    expect(io.lines.at(-1)).toMatch(/^not proved: 1 device × machine type combination could not be run \(a build could not run a case\); 7\.2\.\d+ rtcHost ↔ 7\.2\.\d+ exitAtOnce: 2 cases could not be run {3}\(/);
    expect(err).toMatch(
      /^vmcompat prove: 4 cases could not run, the binary's fault \(start-failed: .*\): no migration that decides the proof failed \(2 failures of the base against the peer, which a proof looks for, decide nothing\), exit 2 \(a binary that cannot run\)$/,
    );
  });

  it('a base that prints garbage on QMP, --json through the CLI: exit 2, every case it takes part in a qmp-protocol failure', async () => {
    await setup();
    const io = collectIo();
    const code = await main(['prove', '--base', fake.garbage, '--fix', '7.2', '--peer', '10.0', '--machine', 'pc-q35-7.2', '--device', 'isa-serial', '--json'], io);
    const doc = JSON.parse(io.lines.join('\n')).result;
    expect(code, io.errors.join('\n')).toBe(2);
    expect(doc).toMatchObject({ proved: false, ok: false });
    expect(doc.rows.map((r: { verdict: string }) => r.verdict)).toEqual(['could-not-run']);
    const kinds = doc.cases.map((c: { status: string; kind: string | null }) => `${c.status}:${c.kind}`);
    // base → peer, peer → base, fix → peer, peer → fix, base → fix, fix → base
    expect(kinds).toEqual(['fail:qmp-protocol', 'fail:qmp-protocol', 'pass:null', 'pass:null', 'fail:qmp-protocol', 'fail:qmp-protocol']);
    expect(io.errors.join('\n')).toMatch(/^vmcompat prove: 4 cases could not run, the binary's fault \(qmp-protocol: .*\): no migration that decides the proof failed, exit 2 \(a binary that cannot run\)$/);
  });

  it('a fix that cannot start as a source and crashes loading as a destination: the crash is a migration failure, exit 1, stderr names both', async () => {
    await setup();
    const io = collectIo();
    const code = await proveBinaries({ base: q72.path, fix: fake.startsNotLoads, peer: q10.path, ...args }, io);
    const out = io.lines.join('\n');
    expect(code, out + io.errors.join('\n')).toBe(1);
    expect(out).toMatch(/start-failed/);
    expect(out).toMatch(/qemu-crashed/);
    expect(io.errors.join('\n')).toMatch(
      /^vmcompat prove: 2 cases could not run, the binary's fault \(start-failed: .*\): 2 other failures are migration failures of the fix or across it \(exit 1\)$/,
    );
  });

  it('a run where every build runs says nothing of binaries on stderr', async () => {
    await setup();
    const io = collectIo();
    expect(await proveBinaries({ base: fake.rtcHost, fix: q72.path, peer: q10.path, ...args }, io)).toBe(1);
    expect(io.errors).toEqual([]);
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
