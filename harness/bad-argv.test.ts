/**
 * The bad command lines of issue #14: each is refused before any work with exit 2 and
 * one line naming the option and what is wrong with it; no stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { collectIo } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-argv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'a-file');
writeFileSync(file, 'not a stream');

const CASES: [string, string[], RegExp][] = [
  ['decode --reencode into a missing folder', ['decode', file, '--reencode', join(dir, 'missing', 'out.bin')], /--reencode .*: the folder .*missing does not exist/],
  ['repro --path x:y', ['repro', 'virtio-gpu/9.0.0->8.2.0/pc-q35-8.2', '--seed', '1', '--path', 'x:y'], /--path 'x:y': a replay path is numbers separated by colons/],
  ['--report-dir under a file', ['check', '--runs', '1', '--report-dir', join(file, 'sub')], /--report-dir .*: .*a-file is a file, not a folder/],
  ['--runs -1', ['check', '--runs', '-1'], /--runs expects a positive integer, got '-1'/],
  ['qemu --runs -1', ['qemu', '--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-7.2', '--runs', '-1'], /--runs expects a positive integer, got '-1'/],
  ['--seed abc', ['check', '--seed', 'abc'], /--seed expects a 32-bit integer, got 'abc'/],
  ['decode of a folder', ['decode', dir], /FILE .*: is a folder, not a file/],
  ['decode of garbage', ['decode', file], /^vmcompat decode: .*magic/],
];

describe('bad command lines', () => {
  it.each(CASES)('%s: exit 2, one line', async (_, argv, re) => {
    const io = collectIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.errors).toHaveLength(1);
    expect(io.errors[0]).toMatch(re);
    expect(io.errors[0]).not.toMatch(/\n\s+at |internal error/);
  });

  it('--seed -5 is a seed', async () => {
    const io = collectIo();
    expect(await main(['check', '--device', 'isa-ipmi-kcs', '--pair', '8.2.0:9.0.0', '--runs', '2', '--seed', '-5', '--reporter', 'none'], io)).toBe(0);
  });
});
