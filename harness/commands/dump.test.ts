import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDump } from '../../src/static/dump.js';
import { main } from '../cli.js';
import { collectIo } from '../io.js';

let tmp: DirectoryResult;
beforeAll(async () => (tmp = await tmpDir({ prefix: 'vmcompat-dump-test-', unsafeCleanup: true })));
afterAll(() => tmp?.cleanup());

const run = async (args: string[]) => {
  const io = collectIo();
  const code = await main(['dump', ...args], io);
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
};

/** A stand-in binary: answers -version like QEMU, then does `body` for -dump-vmstate. */
function fake(name: string, body: string): string {
  const p = join(tmp.path, name);
  writeFileSync(p, `#!/bin/sh\ncase "$*" in *-version*) echo "QEMU emulator version 7.2.99"; exit 0;; esac\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

// Needs the provisioned binaries: a missing one fails with `npm run qemu:setup` in the message.
describe('vmcompat dump', () => {
  it.each([
    ['10.0', 'pc-q35-10.0'],
    ['7.2', 'pc-q35-7.2'],
  ])("writes %s's -dump-vmstate at %s, which static reads", async (bin, machine) => {
    const out = join(tmp.path, `${bin}.json`);
    const r = await run([bin, '-M', machine, '-o', out]);
    expect(r, r.err).toMatchObject({ code: 0, err: '' });
    const text = readFileSync(out, 'utf8');
    const doc = JSON.parse(text);
    expect(doc.vmschkmachine).toEqual({ Name: machine });
    const classes = Object.keys(doc).length - 1;
    expect(r.out).toBe(`wrote ${out}: ${classes} device classes, ${Buffer.byteLength(text)} bytes (QEMU ${bin}.${/QEMU (\d+\.\d+\.(\d+))/.exec(r.out)![2]} -M ${machine})`);
    // the unpacked 10.0 build loads its own modules: virtio-gpu comes from one
    expect(Object.keys(doc)).toContain('virtio-gpu-device');
    expect(() => parseDump(text, out)).not.toThrow();
  });

  it("an unknown machine type: exit 2 with QEMU's own words, nothing written", async () => {
    const out = join(tmp.path, 'bogus.json');
    const r = await run(['7.2', '-M', 'pc-q35-99.9', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^vmcompat dump: 7\.2 \(7\.2\.\d+\) has no machine type 'pc-q35-99\.9': qemu-system-x86_64: unsupported machine type/);
    expect(existsSync(out)).toBe(false);
  });

  it('a binary that hangs is killed at --timeout; one that fails or crashes says so', async () => {
    const out = join(tmp.path, 'x.json');
    const hang = await run([fake('hangs', 'exec sleep 30'), '-M', 'pc', '-o', out, '--timeout', '1']);
    expect(hang).toMatchObject({ code: 2, err: expect.stringMatching(/hangs -M pc -dump-vmstate did not finish within 1 s and was killed$/) });
    const fails = await run([fake('fails', 'echo "qemu: cannot open display" >&2; exit 1'), '-M', 'pc', '-o', out]);
    expect(fails).toMatchObject({ code: 2, err: expect.stringMatching(/fails -M pc -dump-vmstate failed \(exit 1, no file written\): qemu: cannot open display$/) });
    const crash = await run([fake('crashes', 'kill -SEGV $$'), '-M', 'pc', '-o', out]);
    expect(crash).toMatchObject({ code: 2, err: expect.stringMatching(/crashes -M pc -dump-vmstate was killed by SIGSEGV$/) });
    const junk = await run([fake('junk', 'for a; do f=$a; done; echo "not json" > "$f"'), '-M', 'pc', '-o', out]);
    expect(junk).toMatchObject({ code: 2, err: expect.stringMatching(/wrote something that is not a -dump-vmstate document/) });
    expect(existsSync(out)).toBe(false);
  }, 20_000);

  it('usage errors before anything runs', async () => {
    expect(await run(['7.2', '-o', join(tmp.path, 'a.json')])).toMatchObject({ code: 2, err: expect.stringMatching(/-M MACHINE is required/) });
    expect(await run(['7.2', '-M', 'pc'])).toMatchObject({ code: 2, err: expect.stringMatching(/-o FILE is required/) });
    expect(await run(['7.2', '-M', 'pc', '-o', join(tmp.path, 'no/such/dir/a.json')])).toMatchObject({ code: 2, err: expect.stringMatching(/does not exist/) });
    expect(await run([join(tmp.path, 'nothing-here'), '-M', 'pc', '-o', join(tmp.path, 'a.json')])).toMatchObject({ code: 2, err: expect.stringMatching(/no executable at .*nothing-here; run `npm run qemu:setup`/) });
  });
});
