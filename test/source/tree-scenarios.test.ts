import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { main } from '../../harness/cli.js';
import { collectIo } from '../../harness/io.js';
import { parseScenario } from '../../src/check/scenario.js';

/**
 * The breaks between Debian's 7.2.22 and 10.0.2 trees that the pair check
 * finds and the real binaries confirm (scenarios/trees): each case fails on
 * the extracted models with the kind its scenario names, each case the
 * scenarios expect to pass passes, nothing else happens. A missing tree fails with the set-up command.
 */
vi.setConfig({ testTimeout: 600_000 });

const trees = ['.cache/src/qemu-7.2.22', '.cache/src/qemu-10.0.2'].map((p) => {
  const r = resolve(p);
  if (!existsSync(join(r, 'VERSION'))) throw new Error(`${r}: QEMU source tree missing; run \`npm run setup\``);
  return r;
});

describe('scenarios/trees', () => {
  const dir = resolve('scenarios/trees');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

  test('every file parses and names a reference for each case', () => {
    expect(files).toEqual(expect.arrayContaining(['esp-7.2-10.0.json', 'i8259-ltim-7.2-10.0.json', 'sb16-7.2-10.0.json']));
    for (const f of files) {
      const s = parseScenario(readFileSync(join(dir, f), 'utf8'), f);
      for (const c of s.cases) expect(c.reference, `${f}: ${c.device} ${c.from}->${c.to}`).toMatch(/\S{10,}/);
    }
  });

  test('each case fails (or passes) on the extracted models the way its scenario says, and nothing else happens', async () => {
    const io = collectIo();
    const code = await main(['check', '--releases', trees[0]!, '--releases', trees[1]!, '--scenario', dir, '--runs', '5', '--workers', '1', '--seed', '1', '--reporter', 'none'], io);
    const summary = io.lines.find((l) => /^\d+ cases: /.test(l));
    const m = /^(\d+) cases: (\d+) passed · (\d+) failed as expected · 0 skipped · 0 unexpected/.exec(summary ?? '');
    expect(m, io.lines.join('\n')).not.toBeNull();
    expect(Number(m![2]) + Number(m![3])).toBe(Number(m![1]));
    expect(Number(m![3])).toBeGreaterThanOrEqual(16);
    expect(code).toBe(0);
  });
});
