import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cacheKey } from './extract-cache.js';
import { extractorClosure, extractorEntry, extractorHash } from './extractor-hash.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-extractor-hash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the running extractor's modules (same layout), to edit without touching the real ones. */
function copyExtractor(name: string): { entry: string; files: string[] } {
  const real = extractorClosure();
  const top = join(dirname(extractorEntry()), '..', '..');
  const out = join(dir, name);
  for (const f of real.files) {
    const to = join(out, relative(top, f));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(f, to);
  }
  return { entry: join(out, relative(top, extractorEntry())), files: real.files.map((f) => join(out, relative(top, f))) };
}

/** A folder shaped like a QEMU tree, for the key's tree part. */
function fakeTree(): string {
  const root = join(dir, 'tree');
  mkdirSync(join(root, 'include/migration'), { recursive: true });
  writeFileSync(join(root, 'VERSION'), '9.9.9\n');
  writeFileSync(join(root, 'include/migration/vmstate.h'), '\n');
  return root;
}

describe("the extract cache key holds the extractor's own code", () => {
  test('the closure is what builds the model: the preprocessor, the Property reader, the machine reader, the grammar', () => {
    const { files, packages } = extractorClosure();
    const names = files.map((f) => relative(join(dirname(extractorEntry()), '..', '..'), f).replace(/\.ts$/, '.js'));
    for (const m of ['src/source/release.js', 'src/source/extract.js', 'src/source/cpp.js', 'src/source/eval.js', 'src/source/props/extract.js', 'src/source/machines/extract.js']) expect(names).toContain(m);
    expect(packages).toContain('web-tree-sitter');
    expect(packages).toContain('tree-sitter-c');
  });

  test('editing any one extractor file changes the hash, and with it the cache key', () => {
    const { entry, files } = copyExtractor('a');
    const h0 = extractorHash(entry);
    expect(extractorHash(entry)).toBe(h0);
    expect(h0).toBe(extractorHash(extractorEntry()));
    const root = fakeTree();
    const k0 = cacheKey(root, 'x86_64-softmmu', h0);
    const seen = new Set([h0]);
    // the entry, a module deep in the graph, and the last one
    for (const f of [entry, files.find((x) => /props[/\\]evaluate|[/\\]eval\.[jt]s$/.test(x))!, files[files.length - 1]!]) {
      appendFileSync(f, '\n// changed\n');
      const h = extractorHash(entry);
      expect(seen.has(h), `${f} changed, hash still ${h}`).toBe(false);
      seen.add(h);
      expect(cacheKey(root, 'x86_64-softmmu', h)).not.toBe(k0);
    }
  });
});

describe('one cache entry for the CLI and the tests', () => {
  test('the compiled extractor-hash (dist/, as the CLI and set-up run it) hashes the same sources as the TypeScript one (vitest)', async () => {
    const compiled = (await import(new URL('../dist/harness/extractor-hash.js', import.meta.url).href)) as typeof import('./extractor-hash.js');
    expect(compiled.extractorEntry()).toBe(extractorEntry());
    expect(extractorEntry()).toMatch(/src\/source\/release\.ts$/);
    expect(compiled.extractorHash()).toBe(extractorHash());
  });
});
