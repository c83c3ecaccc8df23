// Figures of what the tree models translate (npm run build first): needed() / field tests and hooks
// (pre_save, post_load, pre_load, post_save) of each tree's VMSDs, translated, in part or not, and the opaque
// predicates and unmodelled hooks left on the release's device classes.
// Usage: node bench/predicate-coverage.mjs [TREE ...] (default: the 7.2.22 and 10.0.2 trees under .cache/src)
import { resolve } from 'node:path';
import { treeSnapshot, treeRelease } from '../dist/harness/releases.js';

const trees = process.argv.slice(2).length ? process.argv.slice(2) : ['.cache/src/qemu-7.2.22', '.cache/src/qemu-10.0.2'];
for (const t of trees) {
  const root = resolve(t);
  const snap = await treeSnapshot(root);
  const preds = Object.values(snap.predicates);
  const hookKinds = ['pre_save', 'post_load', 'pre_load', 'post_save'];
  const hooks = {};
  const seen = new Set();
  for (const v of snap.model.vmsds) {
    for (const k of hookKinds) {
      const fn = v.hooks[k];
      if (!fn || fn === 'NULL' || seen.has(`${k}:${v.at.file}#${fn}`)) continue;
      seen.add(`${k}:${v.at.file}#${fn}`);
      const h = (hooks[k] ??= { named: 0, translated: 0, inPart: 0 });
      h.named++;
      const t = snap.hooks?.[`${v.at.file}#${fn}`];
      if (t?.ok && t.rest) h.inPart++;
      else if (t?.ok) h.translated++;
    }
  }
  const rel = await treeRelease(root);
  const opaque = new Set();
  const unmodelled = new Set();
  const partly = new Set();
  for (const d of rel.devices) {
    for (const i of d.extracted?.inputs ?? []) if (/ (needed|test) /.test(i.reason)) opaque.add(i.name);
    for (const h of d.extracted?.hooks ?? []) if (/ in part \(/.test(h)) partly.add(h);
    else if (/ = /.test(h)) unmodelled.add(h);
  }
  console.log(JSON.stringify({
    tree: snap.version,
    predicates: { functions: preds.length, translated: preds.filter((p) => p.ok).length },
    hooks,
    devices: rel.devices.length,
    opaquePredicatesOnClasses: opaque.size,
    unmodelledHooksOnClasses: unmodelled.size,
    hooksInPartOnClasses: partly.size,
  }));
}
