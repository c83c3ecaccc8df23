/**
 * The realize facts the tree releases use (MSI-X vector counts, virtio
 * queues and vectors) say where QEMU sets them; each such source line is
 * found in both Debian trees, so a fact that stops holding for a tree
 * fails here. A missing tree is a failure, never a skip.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { msixRealize, xhciNumintrs, type SourceFact } from '../../scenarios/common/msix-realize.js';
import { virtioBlocked, virtioRealize } from '../../scenarios/common/virtio-realize.js';
import { codecs } from '../../scenarios/common/bindings.js';
import { SOURCE_SETUP_HINT } from '../../src/source/extract.js';

const TREES = ['.cache/src/qemu-7.2.22', '.cache/src/qemu-10.0.2'].map((t) => resolve(t));
const squash = (s: string) => s.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')');
const cache = new Map<string, string>();
function text(tree: string, file: string): string {
  const p = join(tree, file);
  let t = cache.get(p);
  if (t === undefined) {
    if (!existsSync(join(tree, 'VERSION'))) throw new Error(`${tree}: QEMU source tree missing; ${SOURCE_SETUP_HINT}`);
    t = existsSync(p) ? squash(readFileSync(p, 'utf8')) : '';
    cache.set(p, t);
  }
  return t;
}

const facts: [string, SourceFact][] = [
  ...Object.entries(msixRealize).flatMap(([k, r]) => r.source.map((s): [string, SourceFact] => [`msix ${k}`, s])),
  ...Object.entries(virtioRealize).flatMap(([k, r]) => (r.source ?? []).map((s): [string, SourceFact] => [`virtio ${k}`, s])),
  ...Object.entries(virtioBlocked).flatMap(([k, r]) => r.source.map((s): [string, SourceFact] => [`virtio blocked ${k}`, s])),
];

describe('realize facts hold in both trees', () => {
  test('there are facts to check', () => {
    expect(facts.length).toBeGreaterThan(20);
  });

  test.each(facts.map(([k, s]) => [k, [s.file].flat().join(' or '), s] as const))('%s: %s', (_k, _f, fact) => {
    const files = [fact.file].flat();
    let checked = 0;
    for (const t of TREES) {
      const file = files.find((f) => existsSync(join(t, f)));
      if (!file && fact.newer) continue;
      expect(file, `${t}: none of ${files.join(', ')}`).toBeDefined();
      expect(text(t, file!), `${t}/${file}`).toContain(squash(fact.text));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('the MSI-X binding', () => {
  const field = { name: 'msix', info: 'vmstate_info_msix' } as never;
  const ctx = (device: string) => ({ device, vmsd: () => undefined, props: {}, classProps: () => undefined });

  test('a class with no vector count is refused with a sentence naming the table, never bound with a guess', () => {
    const b = codecs.vmstate_info_msix!(field, ctx('no-such-nic'));
    expect(b).toMatch(/no MSI-X vector count for no-such-nic .*scenarios\/common\/msix-realize\.ts/);
  });

  test('the reset table has a masked entry per vector and the pending bits round up; msix=off leaves no table', () => {
    const b = codecs.vmstate_info_msix!(field, ctx('qemu-xhci'));
    if (!b || typeof b === 'string') throw new Error(`qemu-xhci unbound: ${b}`);
    const on = b.structReset!({ msix: 'auto' }) as { msix_table: Uint8Array; msix_pba: Uint8Array };
    expect(on.msix_table.length).toBe(16 * 16);
    expect(on.msix_table[12]).toBe(1);
    expect(on.msix_pba.length).toBe(2);
    expect(b.structReset!({ msix: 'off' })).toEqual({});
  });

  test('usb_xhci_realize clamps numintrs to 1..16, rounded up to a power of two', () => {
    expect([0, 1, 3, 5, 16, 40].map(xhciNumintrs)).toEqual([1, 1, 4, 8, 16, 16]);
  });
});
