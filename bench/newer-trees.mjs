#!/usr/bin/env node
/**
 * The newer QEMU trees `npm run source:setup -- --newer` unpacks (not part of
 * `npm test` or CI: they are not installed there). For each: its extraction
 * (VMSDs, classes, Property arrays, machine types, unresolved entries, time),
 * then `vmcompat check` of the pair <base>:<newer> at each machine type
 * (--workers 1, --runs 5, a fixed seed), and the unexpected failures by group
 * (cause · VMSD, with the check's own why). A tree that is missing, or not
 * one tree found, is a failure (exit 1), never a silent pass.
 *
 *   node bench/newer-trees.mjs [--tree DIR]... [--base DIR] [--machine M]... [--runs N]
 * Default: every .cache/src/qemu-* newer than the base, base .cache/src/qemu-10.0.2,
 * machines pc-q35-<base X.Y> and pc-i440fx-<base X.Y>.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const cli = join(root, 'bin/vmcompat.js');
const { values } = parseArgs({ options: { tree: { type: 'string', multiple: true }, base: { type: 'string' }, machine: { type: 'string', multiple: true }, runs: { type: 'string' } } });
const die = (m) => {
  process.stderr.write(`newer-trees: ${m}\n`);
  process.exit(1);
};
const version = (dir) => readFileSync(join(dir, 'VERSION'), 'utf8').trim();
const num = (v) => v.split('.').map(Number).reduce((a, x) => a * 1000 + x, 0);

const base = resolve(values.base ?? join(root, '.cache/src/qemu-10.0.2'));
if (!existsSync(join(base, 'VERSION'))) die(`${base}: no QEMU tree (npm run source:setup)`);
const bv = version(base);
let trees = values.tree?.map((t) => resolve(t));
if (!trees) {
  const src = join(root, '.cache/src');
  trees = (existsSync(src) ? readdirSync(src) : []).filter((d) => /^qemu-\d/.test(d) && existsSync(join(src, d, 'VERSION'))).map((d) => join(src, d)).filter((d) => num(version(d)) > num(bv));
  if (!trees.length) die(`no tree newer than ${bv} under ${src}: run \`npm run source:setup -- --newer\` first`);
}
for (const t of trees) if (!existsSync(join(t, 'VERSION'))) die(`${t}: no QEMU tree`);
const xy = bv.split('.').slice(0, 2).join('.');
const machines = values.machine ?? [`pc-q35-${xy}`, `pc-i440fx-${xy}`];
const runs = values.runs ?? '5';

console.log(`newer trees against ${bv} · load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
let bad = 0;
for (const tree of trees) {
  const v = version(tree);
  const t0 = performance.now();
  const x = JSON.parse(execFileSync('node', [cli, 'extract', tree, '--json'], { maxBuffer: 1 << 28 }).toString());
  const s = x.result?.summary;
  if (!s) die(`${tree}: vmcompat extract --json gave no summary`);
  console.log(`${v}: ${s.vmsds} VMSDs, ${s.classes} classes, ${s.propertyArrays} Property arrays, ${s.compatArrays} compat arrays, ${s.machines} machine types from ${s.files} files; ${s.unresolved} unresolved (${s.cached ? 'cached' : 'extracted'}, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  for (const m of machines) {
    const dir = mkdtempSync(join(tmpdir(), 'vmcompat-newer-'));
    try {
      const args = [cli, 'check', '--releases', base, '--releases', tree, '--pair', `${bv}:${v}`, '--machine', m, '--workers', '1', '--runs', runs, '--seed', '1', '--quiet', '--reporter', 'json', '--report-dir', dir];
      const t1 = performance.now();
      const r = spawnSync('node', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
      const file = join(dir, 'report.json');
      if (!existsSync(file)) {
        bad++;
        console.log(`  ${m}: check wrote no report (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
        continue;
      }
      const rep = JSON.parse(readFileSync(file, 'utf8'));
      const n = rep.summary;
      if (n.total - n.skipped === 0) {
        bad++;
        console.log(`  ${m}: nothing ran (${n.total} cases, all skipped)`);
        continue;
      }
      console.log(`  ${m}: ${n.total} cases: ${n.passed} passed, ${n.unexpectedFailures} unexpected failures, ${n.incomplete} incomplete, ${n.skipped} skipped (${((performance.now() - t1) / 1000).toFixed(1)} s)`);
      const groups = new Map();
      for (const c of rep.cases.filter((c) => c.unexpected && (c.status === 'fail' || c.status === 'error'))) {
        const k = `${c.cause ?? c.kind} · ${c.vmsd ?? c.device}`;
        const g = groups.get(k) ?? { n: 0, why: c.why ?? c.message ?? '', devices: new Set() };
        g.n++;
        g.devices.add(`${c.device} ${c.from}→${c.to}`);
        groups.set(k, g);
      }
      for (const [k, g] of [...groups].sort((a, b) => b[1].n - a[1].n)) console.log(`    ✗ ${k}: ${g.n} case(s) (${[...g.devices].slice(0, 3).join(', ')}${g.devices.size > 3 ? ', …' : ''}): ${g.why}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
process.exit(bad ? 1 : 0);
