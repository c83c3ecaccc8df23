import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { once, resolveQemu } from '../../src/qemu/binaries.js';
import { extractMachines, type MachineExtraction } from '../../src/source/machines/extract.js';
import { validateMachines, type QueryMachine } from '../../src/source/machines/validate.js';
import type { CompatEntry } from '../../src/machine/types.js';
import { findRelease } from '../../scenarios/releases/index.js';
import { checkTree, extractMachinesCommand, queryMachines, SOURCE_HINT } from './extract-machines.js';

/**
 * The extracted machine types against the binaries built from the same
 * trees. A missing tree or binary fails every test here with the set-up
 * command to run; nothing is skipped.
 */
const TREE_10 = resolve('.cache/src/qemu-10.0.2');
const TREE_72 = resolve('.cache/src/qemu-7.2.22');

function tree(path: string): string {
  if (!existsSync(join(path, 'VERSION'))) throw new Error(`${path}: QEMU source tree missing; ${SOURCE_HINT}`);
  return path;
}

const extracted10 = once(() => extractMachines(tree(TREE_10)));
const extracted72 = once(() => extractMachines(tree(TREE_72)));
const query10 = once(async () => queryMachines(await resolveQemu('10.0')));
const query72 = once(async () => queryMachines(await resolveQemu('7.2')));

const key = (e: CompatEntry) => `${e.driver}.${e.property}=${e.value}`;

describe('10.0.2: extracted machine types equal query-machines of the 10.0.2 binary', () => {
  test('every machine type, its flags and every compat entry in order', async () => {
    const x = await extracted10();
    const q = await query10();
    expect(x.version).toBe('10.0.2');
    expect(x.unresolved).toEqual([]);
    const v = validateMachines(x, q);
    expect(v.mismatches).toEqual([]);
    expect(v.comparedCompat).toBe(true);
    expect(v.equal).toBe(q.length);
    // the boards the done-criterion names are all there, with their long histories
    const names = q.map((m) => m.name);
    const q35 = names.filter((n) => n.startsWith('pc-q35-'));
    const i440fx = names.filter((n) => n.startsWith('pc-i440fx-'));
    expect(q35.length).toBeGreaterThanOrEqual(30);
    expect(i440fx.length).toBeGreaterThanOrEqual(30);
    expect(v.comparedEntries).toBeGreaterThan(6000);
  });

  test('each machine type carries every older array from the newest down, after the board defaults', async () => {
    const x = await extracted10();
    const m = x.machines.find((n) => n.name === 'pc-q35-8.2')!;
    expect(m.sources.map((s) => s.array)).toEqual(['pc_q35_compat_defaults', 'hw_compat_9_2', 'pc_compat_9_2', 'hw_compat_9_1', 'pc_compat_9_1', 'hw_compat_9_0', 'pc_compat_9_0', 'hw_compat_8_2', 'pc_compat_8_2']);
    const gpu = m.compat.find((e) => e.property === 'x-scanout-vmstate-version')!;
    expect(gpu).toMatchObject({ driver: 'virtio-gpu-device', value: '1', file: 'hw/core/machine.c' });
    expect(x.machines.find((n) => n.name === 'pc-q35-10.0')).toMatchObject({ alias: 'q35', isDefault: false });
    expect(x.machines.find((n) => n.name === 'pc-i440fx-10.0')).toMatchObject({ alias: 'pc', isDefault: true, compat: [] });
  });

  test('a changed entry is a mismatch naming the machine type, the entry and its source line', async () => {
    const x = await extracted10();
    const q: QueryMachine[] = structuredClone(await query10());
    const m = q.find((n) => n.name === 'pc-i440fx-8.2')!;
    const last = m['compat-props']!.length - 1;
    m['compat-props']![last]!.value = 'tampered';
    const v = validateMachines(x, q);
    expect(v.mismatches).toHaveLength(1);
    expect(v.mismatches[0]!.message).toMatch(/^pc-i440fx-8\.2: compat entry \d+: source .+ \(hw\/(core\/machine|i386\/pc)\.c:\d+\), binary .+=tampered$/);
  });
});

describe('7.2.22: what a binary without compat-props can check', () => {
  test('the machine list, aliases, defaults and deprecation equal the 7.2.22 binary; the compat lists are reported unchecked', async () => {
    const x = await extracted72();
    const q = await query72();
    expect(x.version).toBe('7.2.22');
    expect(x.unresolved).toEqual([]);
    expect(q.some((m) => m['compat-props'] !== undefined)).toBe(false);
    const v = validateMachines(x, q);
    expect(v.mismatches).toEqual([]);
    expect(v.equal).toBe(q.length);
    expect(v.unchecked).toEqual([expect.stringMatching(/compat lists of all \d+ machine types/)]);
  });

  test('the hand model (7.2.0) and the 7.2.22 source agree on pc-q35-7.2; older types differ only by the stable virtio-rng-pci fix', async () => {
    const x = await extracted72();
    const hand = findRelease('7.2.0')!;
    for (const hm of hand.machines) {
      const em = x.machines.find((m) => m.name === hm.name)!;
      const fromSource = em.compat.filter((e) => !hm.compat.some((h) => key(h) === key(e)));
      // everything the hand model has is in the source, in the same order
      expect(em.compat.map(key).filter((k) => hm.compat.map(key).includes(k))).toEqual(hm.compat.map(key));
      if (hm.name.endsWith('-7.2')) expect(fromSource).toEqual([]);
      // "virtio-rng-pci: fix migration compat for vectors" (7.2.1): hw_compat_7_1 in 7.2.22 has it, 7.2.0 had not
      else expect(fromSource.map(key)).toEqual(['virtio-rng-pci.vectors=0', 'virtio-rng-pci-transitional.vectors=0', 'virtio-rng-pci-non-transitional.vectors=0']);
    }
  });
});

test('the hand model 10.0.0 equals the 10.0.2 source on every machine type it offers', async () => {
  const x: MachineExtraction = await extracted10();
  const hand = findRelease('10.0.0')!;
  expect(hand.machines.length).toBeGreaterThan(0);
  for (const hm of hand.machines) expect([hm.name, x.machines.find((m) => m.name === hm.name)?.compat.map(key)]).toEqual([hm.name, hm.compat.map(key)]);
});

describe('vmcompat extract-machines', () => {
  test('prints the figure per tree and exits 0 when both trees equal their binaries', async () => {
    tree(TREE_10);
    tree(TREE_72);
    const out: string[] = [];
    const code = await extractMachinesCommand([], { out: (l) => out.push(l), err: (l) => out.push(l), color: false });
    expect(out.join('\n')).toMatch(/^10\.0\.2: (\d+)\/\1 machine types equal query-machines \(\d+ compat entries compared\)$/m);
    expect(out.join('\n')).toMatch(/^7\.2\.22: (\d+)\/\1 machine types equal query-machines \(machine list and flags only\)$/m);
    expect(code).toBe(0);
  });

  test('a tree built into another binary fails with the version mismatch named', async () => {
    const v = await checkTree(tree(TREE_72), await resolveQemu('10.0'));
    expect(v.mismatches[0]!.message).toMatch(/tree .* is QEMU 7\.2\.22, the binary .* reports 10\.0\.2/);
  });

  test('a folder that is no QEMU tree is a bad-input error with the set-up hint', async () => {
    await expect(checkTree('/nonexistent-tree', await resolveQemu('10.0'))).rejects.toThrow(/not a QEMU source tree.*npm run source:setup/);
  });
});
