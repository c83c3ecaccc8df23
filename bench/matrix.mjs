#!/usr/bin/env node
/**
 * Wall time of the full built-in matrix (`vmcompat check` with no filters,
 * the default 100 states per case) with 1 and with 2 workers, each in a
 * fresh process as CI runs it. `npm run bench:matrix [-- --runs N --seed S --workers 1,2,4 --shard k/n]`
 * (--shard: one deterministic slice of the matrix, as `check --shard` takes it, for a quick figure).
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '100' }, seed: { type: 'string', default: '1837467' }, workers: { type: 'string', default: '1,2' }, shard: { type: 'string' } },
});
const bin = fileURLToPath(new URL('../bin/vmcompat.js', import.meta.url));
const counts = values.workers.split(',').map(Number);
console.log(`${values.shard ? `shard ${values.shard} of the` : 'full'} built-in matrix · ${values.runs} states/case · seed ${values.seed} · ${availableParallelism()} cores · node ${process.version}`);
const times = new Map();
for (const w of counts) {
  const t0 = performance.now();
  let out;
  try {
    out = execFileSync('node', [bin, 'check', '--all', '--runs', values.runs, '--seed', values.seed, '--workers', String(w), ...(values.shard ? ['--shard', values.shard] : []), '--json'], { maxBuffer: 1 << 30 });
  } catch (e) {
    if (e.status !== 1) throw e; // exit 1 (unexpected verdicts) still times the run
    out = e.stdout;
  }
  const s = (performance.now() - t0) / 1000;
  times.set(w, s);
  const report = JSON.parse(out.toString()).result;
  const { total, skipped, unexpected } = report.summary;
  const busy = report.cases.reduce((t, c) => t + c.durationMs, 0) / 1000;
  const slowest = [...report.cases].sort((a, b) => b.durationMs - a.durationMs)[0];
  console.log(
    `workers ${String(w).padStart(2)}: ${s.toFixed(1).padStart(6)} s wall · ${total} cases (${skipped} skipped, ${unexpected} unexpected) · ${busy.toFixed(1)} s in cases · slowest ${slowest.id} ${(slowest.durationMs / 1000).toFixed(2)} s` +
      (w !== counts[0] ? ` · speed-up ×${(times.get(counts[0]) / s).toFixed(2)}` : ''),
  );
}
