/**
 * The bounded fuzz suite (`npm run fuzz -- --n 100000` is the long one): streams the
 * engine saves and streams real QEMU 7.2 and 10.0 write, cut at every structural
 * boundary and mutated (bytes, framing, the JSON description: bad types, negative,
 * fractional and huge sizes and counts, size 0 with a huge count, deep nesting). Every
 * parser of an untrusted stream must succeed or fail with a typed VmError whose message
 * is complete; no crash, no input slower than a second, memory bounded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli.js';
import { collectIo } from '../../harness/io.js';
import { ROM_FREE_DEVICES, engineSeeds, qemuSeeds } from './corpus.js';
import { anatomy, mutate } from './mutate.js';
import { Rng } from './rng.js';
import { fuzz, type FuzzReport } from './run.js';
import { incompleteMessage } from './target.js';

const SEED = 20261203;

function summary(rep: FuzzReport): string {
  return JSON.stringify({ ...rep, findings: rep.findings.slice(0, 10) }, null, 1);
}

function expectClean(rep: FuzzReport, peakRss: number): void {
  expect(rep.outcomes.crash ?? 0, summary(rep)).toBe(0);
  expect(rep.outcomes['incomplete-message'] ?? 0, summary(rep)).toBe(0);
  expect(rep.outcomes['reencode-mismatch'] ?? 0, summary(rep)).toBe(0);
  // wall time on a shared machine also counts waiting for a core: the bound is on CPU time
  expect(rep.slowCpu, summary(rep)).toBe(0);
  expect(peakRss).toBeLessThan(500 << 20);
}

describe('fuzz', () => {
  it('engine-saved streams: every boundary cut, 2500 mutations', () => {
    const seeds = engineSeeds({ releases: ['7.2.0', '9.0.0', '10.0.0'] });
    let peak = 0;
    const rep = fuzz({ seeds, n: 2500, seed: SEED, onInput: (i) => void (i % 64 === 0 && (peak = Math.max(peak, process.memoryUsage().rss))) });
    expectClean(rep, peak);
    // the mutations reached the description checks and the decoder's own, not only the framing
    expect(rep.inputs).toBeGreaterThan(4000);
    for (const k of ['bad-vmdesc', 'short-read', 'vmdesc-missing', 'footer-missing', 'unknown-section-type', 'truncated']) expect(rep.kinds[k] ?? 0, k).toBeGreaterThan(0);
    expect(rep.outcomes.ok ?? 0).toBeGreaterThan(0);
  });

  it('real QEMU 7.2 and 10.0 streams: 100 boundary cuts each, 200 mutations', async () => {
    const seeds = await qemuSeeds({ devices: ROM_FREE_DEVICES, machines: /q35/, memMb: 8 });
    let peak = 0;
    const rep = fuzz({ seeds, n: 200, seed: SEED, maxCuts: 100, onInput: (i) => void (i % 16 === 0 && (peak = Math.max(peak, process.memoryUsage().rss))) });
    expectClean(rep, peak);
    expect(rep.kinds['bad-vmdesc'] ?? 0).toBeGreaterThan(0);
    expect(rep.outcomes.ok ?? 0).toBeGreaterThan(0);
  }, 120_000);
});

describe('vmcompat decode on mutated files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmcompat-fuzz-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 or 2; on 2, one complete line naming the command, no stack', async () => {
    const seeds = engineSeeds({ releases: ['10.0.0'] }).filter((_, i) => i % 7 === 0);
    const rng = new Rng(SEED);
    const anat = seeds.map((s) => anatomy(s.bytes));
    const codes: Record<number, number> = {};
    for (let i = 0; i < 300; i++) {
      const m = mutate(anat[rng.int(anat.length)]!, rng);
      const file = join(dir, 'in.bin');
      writeFileSync(file, m.bytes);
      const io = collectIo();
      const code = await main(['decode', file], io);
      codes[code] = (codes[code] ?? 0) + 1;
      expect([0, 2], `${m.mutator}: ${io.errors.join(' | ')}`).toContain(code);
      if (code !== 2) continue;
      expect(io.errors, m.mutator).toHaveLength(1);
      const line = io.errors[0]!;
      expect(line.startsWith('vmcompat decode: '), line).toBe(true);
      expect(line.includes('\n'), line).toBe(false);
      expect(incompleteMessage(line), line).toBeNull();
      expect(line).not.toMatch(/internal error|\bat .*\.js:\d+/);
    }
    expect(codes[2] ?? 0).toBeGreaterThan(100);
  });
});
