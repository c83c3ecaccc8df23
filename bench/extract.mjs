#!/usr/bin/env node
/**
 * Whole-tree extraction time (`vmcompat extract`'s work) per QEMU source
 * tree: cold (a fresh process and an empty cache folder) and cached (a
 * fresh process reading what the cold run wrote). Prints wall and CPU
 * seconds, the phases of the cold run, and the load average (the machine
 * may be shared). `npm run bench:extract [-- --tree DIR]...`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { tree: { type: 'string', multiple: true }, one: { type: 'string' }, cache: { type: 'string' } } });

if (values.one) {
  // the child: one extraction, its figures as JSON on stdout
  const { extractCached } = await import(new URL('../dist/harness/extract-cache.js', import.meta.url).href);
  const timings = {};
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await extractCached(values.one, { cacheDir: values.cache, timings });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ hit: r.hit, wall, cpu: (cpu.user + cpu.system) / 1000, timings, version: r.model.version, files: r.model.files, vmsds: r.model.vmsds.length }));
  process.exit(0);
}

const trees = (values.tree ?? ['.cache/src/qemu-7.2.22', '.cache/src/qemu-10.0.2']).map((t) => resolve(t));
const self = fileURLToPath(import.meta.url);
const s = (ms) => `${(ms / 1000).toFixed(1).padStart(5)} s`;
console.log(`whole-tree extraction · ${availableParallelism()} cores · node ${process.version} · load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const tree of trees) {
  const cache = mkdtempSync(join(tmpdir(), 'vmcompat-bench-extract-'));
  try {
    const run = () => {
      const t0 = performance.now();
      const out = JSON.parse(execFileSync('node', [self, '--one', tree, '--cache', cache], { maxBuffer: 1 << 28 }).toString());
      return { ...out, process: performance.now() - t0 };
    };
    const cold = run();
    const warm = run();
    if (cold.hit || !warm.hit) throw new Error(`${tree}: expected a cold run then a cache hit, got hit=${cold.hit}, ${warm.hit}`);
    const phases = Object.entries(cold.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ');
    console.log(`${cold.version} (${cold.files} files, ${cold.vmsds} VMSDs): cold ${s(cold.wall)} wall, ${s(cold.cpu)} CPU (${phases}) · cached ${s(warm.wall)} wall (${s(warm.process)} with node start-up)`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
