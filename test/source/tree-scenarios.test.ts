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
    expect(files).toEqual(expect.arrayContaining(['esp-7.2-10.0.json', 'i8259-ltim-7.2-10.0.json', 'sb16-7.2-10.0.json', 'sd-card-enable-7.2-10.0.json']));
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
    expect(Number(m![3])).toBeGreaterThanOrEqual(12);
    expect(code).toBe(0);
  });

  test('a board-only class no pc board creates cannot apply at pc machine types: skipped with the reason, never a pass', async () => {
    const io = collectIo();
    const args = ['check', '--releases', trees[0]!, '--releases', trees[1]!, '--pair', '7.2.22:10.0.2', '--device', 'acpi-ged', '--device', 'sysbus-esp', '--device', 'isa-i8259'];
    const code = await main([...args, '--machine', 'pc-q35-7.2', '--machine', 'pc-i440fx-7.2', '--list'], io);
    const lines = io.lines.join('\n');
    for (const d of ['acpi-ged', 'sysbus-esp']) {
      const mine = io.lines.filter((l) => new RegExp(`\\b${d}\\b.*pc-(q35|i440fx)-7\\.2`).test(l));
      expect(mine, lines).toHaveLength(4);
      for (const l of mine) expect(l, lines).toMatch(new RegExp(`${d} cannot be in pc-(q35|i440fx)-7\\.2 \\([\\d.]+\\): not user-creatable \\(sysbus_device_class_init`));
    }
    // the in-kernel and emulated PICs are board-only too, but the pc boards create them: they run
    expect(io.lines.filter((l) => /isa-i8259/.test(l) && /cannot be in/.test(l)), lines).toEqual([]);
    expect(io.lines.filter((l) => /isa-i8259/.test(l)).length, lines).toBeGreaterThanOrEqual(4);
    expect(code).toBe(0);
  });
});
