/**
 * The extract cache keeps the KEEP_PER_TREE most recently used models of each
 * tree version and target, with their predicate files; every other model of
 * that tree goes, with its predicate files, as do predicate files whose model
 * is gone and half-written files an hour old. Other files are left alone.
 */
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import { KEEP_PER_TREE, pruneCache } from './extract-cache.js';

const model = (version: string, n: number) => `qemu-${version}-x86_64-softmmu-x8-${n.toString(16).padStart(16, 'a')}-b6eeec2a3d8b2c4b`;

describe('pruneCache', () => {
  it('keeps the 4 most recently used models per tree version, their predicate files, and nothing stale', async () => {
    const tmp = await tmpDir({ prefix: 'vmcompat-prune-', unsafeCleanup: true });
    try {
      const d = join(tmp.path, 'extracted');
      mkdirSync(d);
      const put = (name: string, ageS: number) => {
        writeFileSync(join(d, name), '{}');
        const t = new Date(Date.now() - ageS * 1000);
        utimesSync(join(d, name), t, t);
      };
      // 6 models of 7.2.22, used 1..6 minutes ago (model 5 most recently), each with a predicate file
      const order = [5, 0, 3, 1, 4, 2];
      order.forEach((n, i) => {
        put(`${model('7.2.22', n)}.json`, 60 * (i + 1));
        put(`${model('7.2.22', n)}.predicates-6hpk-7be1e66e99d6e98f.json`, 60 * (i + 1));
      });
      // 2 models of 10.0.2, old but alone in their tree: kept
      put(`${model('10.0.2', 0)}.json`, 86_400);
      put(`${model('10.0.2', 1)}.json`, 90_000);
      // a predicate file without its model, a stale and a fresh half-written file, a stranger
      put(`${model('10.0.2', 9)}.predicates-6hpk-7be1e66e99d6e98f.json`, 10);
      put(`${model('10.0.2', 0)}.json.123.tmp`, 7200);
      put(`${model('10.0.2', 1)}.json.456.tmp`, 5);
      put('notes.txt', 99_999);

      const removed = pruneCache(d);
      expect(KEEP_PER_TREE).toBe(4);
      expect(removed).toEqual(
        [
          `${model('7.2.22', 4)}.json`,
          `${model('7.2.22', 4)}.predicates-6hpk-7be1e66e99d6e98f.json`,
          `${model('7.2.22', 2)}.json`,
          `${model('7.2.22', 2)}.predicates-6hpk-7be1e66e99d6e98f.json`,
          `${model('10.0.2', 9)}.predicates-6hpk-7be1e66e99d6e98f.json`,
          `${model('10.0.2', 0)}.json.123.tmp`,
        ].sort(),
      );
      const left = readdirSync(d);
      for (const n of [5, 0, 3, 1]) {
        expect(left).toContain(`${model('7.2.22', n)}.json`);
        expect(left).toContain(`${model('7.2.22', n)}.predicates-6hpk-7be1e66e99d6e98f.json`);
      }
      expect(left).toContain(`${model('10.0.2', 1)}.json.456.tmp`);
      expect(left).toContain('notes.txt');
      expect(left).toHaveLength(4 * 2 + 2 + 2);
      // a second pass has nothing to do
      expect(pruneCache(d)).toEqual([]);
    } finally {
      await tmp.cleanup();
    }
  });

  it('a missing cache folder is nothing to prune', () => {
    expect(pruneCache('/nonexistent/vmcompat-cache')).toEqual([]);
    expect(existsSync('/nonexistent/vmcompat-cache')).toBe(false);
  });
});
