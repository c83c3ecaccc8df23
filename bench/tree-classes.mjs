// Figures of a check run over two QEMU source trees, by device class and machine type:
// classes run / passed / failed / incomplete (by reason). Reads a report.json that
// `vmcompat check --releases T1 --releases T2 --pair A:B --reporter json --report-dir DIR` wrote.
//   node bench/tree-classes.mjs DIR/report.json
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/tree-classes.mjs REPORT.json\n');
  process.exit(2);
}
const { cases } = JSON.parse(readFileSync(file, 'utf8'));
const byMachine = new Map();
for (const c of cases) {
  const m = byMachine.get(c.machine) ?? new Map();
  byMachine.set(c.machine, m);
  const l = m.get(c.device) ?? [];
  l.push(c);
  m.set(c.device, l);
}
const verdict = (cs) => {
  const st = cs.map((c) => c.status);
  if (st.every((s) => s === 'skip')) return 'skip';
  if (st.some((s) => s === 'fail' || s === 'error')) return 'fail';
  if (st.some((s) => s === 'incomplete')) return 'incomplete';
  return 'pass';
};
const reasonOf = (cs) => {
  const msg = cs.filter((c) => c.status === 'incomplete').map((c) => c.message ?? '').join(' ');
  const m = /codec (\S+?)[: ]/.exec(msg) ?? /member '([^']+)' is set at realize/.exec(msg) ?? /(size unresolved|not found in the tree|has no VMStateInfo|nothing generates)/.exec(msg);
  return m ? m[1] : msg.slice(0, 50);
};
for (const [machine, devices] of [...byMachine].sort()) {
  const n = { pass: 0, fail: 0, incomplete: 0, skip: 0 };
  const reasons = new Map();
  for (const cs of devices.values()) {
    const v = verdict(cs);
    n[v]++;
    if (v === 'incomplete') reasons.set(reasonOf(cs), (reasons.get(reasonOf(cs)) ?? 0) + 1);
  }
  const run = n.pass + n.fail + n.incomplete;
  console.log(`${machine}: ${run} classes run (both directions), ${n.pass} passed, ${n.fail} failed, ${n.incomplete} incomplete; ${n.skip} only in one tree`);
  console.log(`  incomplete by reason: ${[...reasons].sort((a, b) => b[1] - a[1]).map(([r, k]) => `${r} ${k}`).join(', ')}`);
}
