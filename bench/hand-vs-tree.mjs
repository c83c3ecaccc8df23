#!/usr/bin/env node
/**
 * The hand-modelled classes checked twice at the same machine type: once
 * between two hand release models, once between two QEMU source trees
 * (--releases TREE), and the verdicts held side by side per class and
 * direction. A hand class's tree counterpart is the tree device named by
 * --map, else its QOM type, else its own name, else its idstr (a class-less
 * section the tree registers with vmstate_register is named by its class
 * or its VMSD's name, which is the idstr).
 *
 *   node bench/hand-vs-tree.mjs [--hand 7.2.1:10.0.0] [--trees .cache/src/qemu-7.2.22,.cache/src/qemu-10.0.2]
 *                               [--machine pc-q35-7.2] [--runs 100] [--seed 1] [--out DIR] [--reuse]
 *
 * Prints one line per class (agree / differ, with both sides' verdicts)
 * and the count that agree. --reuse reads DIR/hand and DIR/tree reports
 * of an earlier run instead of running check again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    hand: { type: 'string', default: '7.2.1:10.0.0' },
    trees: { type: 'string', default: '.cache/src/qemu-7.2.22,.cache/src/qemu-10.0.2' },
    machine: { type: 'string', default: 'pc-q35-7.2' },
    runs: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'reports/hand-vs-tree' },
    reuse: { type: 'boolean', default: false },
    // the hand PCIHost stands for both boards' host bridges (QOM type pci-host-bridge, abstract); at a q35 machine type QEMU's class is q35-pcihost
    map: { type: 'string', default: 'PCIHost=q35-pcihost' },
  },
});
const bin = fileURLToPath(new URL('../bin/vmcompat.js', import.meta.url));
const { releases } = await import(new URL('../dist/scenarios/releases/index.js', import.meta.url).href);
const [h1, h2] = values.hand.split(':');
const trees = values.trees.split(',');
const hand = [h1, h2].map((n) => releases.find((r) => r.name === n));
if (hand.some((r) => !r)) throw new Error(`--hand ${values.hand}: no such built-in release`);
const classes = [...new Map(hand.flatMap((r) => r.devices).map((d) => [d.name, d])).values()];

function check(args, dir) {
  const file = join(dir, 'report.json');
  if (values.reuse && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  try {
    execFileSync('node', [bin, 'check', ...args, '--machine', values.machine, '--runs', values.runs, '--seed', values.seed, '--reporter', 'json', '--report-dir', dir, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  } catch (e) {
    if (e.status !== 1) throw e; // 1: unexpected verdicts, still a report
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

const handReport = check(['--pair', values.hand, '--device', `{${classes.map((c) => c.name).join(',')}}`], join(values.out, 'hand'));
const mapped = new Map(values.map.split(',').filter(Boolean).map((kv) => kv.split('=')));
const treeNames = [...new Set(classes.flatMap((c) => [c.type, c.name, c.idstr, ...(mapped.has(c.name) ? [mapped.get(c.name)] : [])]))].filter((n) => !/[/:]/.test(n));
const treeReport = check([...trees.flatMap((t) => ['--releases', t]), '--pair', `${treeVersion(trees[0])}:${treeVersion(trees[1])}`, '--device', `{${treeNames.join(',')}}`], join(values.out, 'tree'));

function treeVersion(t) {
  return readFileSync(join(t, 'VERSION'), 'utf8').trim();
}

const [t1, t2] = trees.map(treeVersion);
const verdict = (report, device, from, to) => {
  const c = report.cases.find((x) => x.device === device && x.from === from && x.to === to && x.machine === values.machine);
  if (!c || c.status === 'skip') return 'none';
  if (c.status === 'fail') return `fail ${c.kind}`;
  return c.status;
};
const treeDevices = new Set(treeReport.cases.map((c) => c.device));
let agree = 0;
const rows = [];
for (const c of classes) {
  const tname = [mapped.get(c.name), c.type, c.name, c.idstr].find((n) => n !== undefined && treeDevices.has(n)) ?? null;
  const hv = [verdict(handReport, c.name, h1, h2), verdict(handReport, c.name, h2, h1)];
  const tv = tname ? [verdict(treeReport, tname, t1, t2), verdict(treeReport, tname, t2, t1)] : ['none', 'none'];
  const same = hv[0] === tv[0] && hv[1] === tv[1];
  if (same) agree++;
  rows.push(`${same ? 'agree ' : 'DIFFER'} ${c.name.padEnd(16)} ${(tname ?? '-').padEnd(22)} hand → ${hv[0].padEnd(26)} ← ${hv[1].padEnd(26)} tree → ${tv[0].padEnd(26)} ← ${tv[1]}`);
}
console.log(`hand ${h1} ⇄ ${h2} vs trees ${t1} ⇄ ${t2} at ${values.machine}, ${values.runs} states/case, seed ${values.seed}`);
for (const r of rows) console.log(r);
console.log(`${agree} of ${classes.length} classes agree`);
