/**
 * --case-memory: each case runs on a worker thread with a capped heap, so a
 * case that never stops allocating (test/fixtures/heap-hog.mjs, whose
 * isa-serial pre_save grows an array for ever) is that case's error, with its
 * replay line, and the other cases of the run still pass.
 */
import { describe, expect, it } from 'vitest';
import { collectIo } from './io.js';
import { main } from './cli.js';
import { defaultCaseMemoryMb } from './pool.js';

const GB = 2 ** 30;

describe('--case-memory', () => {
  it('a case that exhausts the cap is an error naming the cap; the run goes on and exits 1', async () => {
    const io = collectIo();
    const code = await main(
      ['check', '--releases', 'test/fixtures/heap-hog.mjs', '--device', 'isa-serial', '--pair', '9.0.0-hog:8.2.0', '--pair', '9.0.0:8.2.0', '--machine', 'pc-q35-8.2', '--case-memory', '128', '--workers', '1', '--runs', '5', '--seed', '1', '--reporter', 'none', '--verbose'],
      io,
    );
    const out = io.lines.join('\n');
    expect(code, out + io.errors.join('\n')).toBe(1);
    const hogLines = io.lines.filter((l) => l.includes('9.0.0-hog') && l.includes('ERROR'));
    expect(hogLines, out).toHaveLength(2);
    for (const l of hogLines) expect(l).toMatch(/the worker died running this case: the case exhausted the worker's heap cap of 128 MB \(--case-memory raises it\)$/);
    expect(out).toMatch(/replay: {2}npx vmcompat repro 'isa-serial\/9\.0\.0-hog->8\.2\.0\/pc-q35-8\.2' --seed -?\d+ --gen \d+ --releases test\/fixtures\/heap-hog\.mjs/);
    expect(io.lines.at(-1)).toMatch(/^4 cases: 2 passed · 0 failed as expected · 0 skipped · 2 unexpected \(2 of them errors\)/);
  }, 120_000);

  it('refuses a cap a worker cannot load in, as a usage error', async () => {
    const io = collectIo();
    expect(await main(['check', '--case-memory', '10', '--list'], io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/--case-memory expects at least 64 \(MB\), got 10/);
  });

  it('defaults to half the memory over the workers, between 1 and 4 GB', () => {
    expect(defaultCaseMemoryMb(2, 24 * GB)).toBe(4096);
    expect(defaultCaseMemoryMb(2, 8 * GB)).toBe(2048);
    expect(defaultCaseMemoryMb(4, 2 * GB)).toBe(1024);
    expect(defaultCaseMemoryMb(0, 4 * GB)).toBe(2048);
  });
});
