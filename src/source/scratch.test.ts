import { test } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { extractTree } from './extract.js';
import { validateAgainstDump } from './validate.js';
import { parseDump } from '../static/dump.js';
const V = process.env.V ?? '10.0.2';
const D = process.env.D ?? '/tmp/sv/d10-q35.json';
test('x', async () => {
  const t0 = Date.now();
  const m = await extractTree('.cache/src/qemu-' + V);
  console.log('ms', Date.now() - t0, 'vmsds', m.vmsds.length, 'classes', m.classes.length, 'regs', m.registers.length, 'unres', m.unresolved.length);
  writeFileSync('/tmp/sv/m.json', JSON.stringify(m, null, 1));
  const r = validateAgainstDump(m, parseDump(readFileSync(D, 'utf8'), D));
  console.log(r.matched.length, '/', r.total);
  for (const x of r.mismatches) console.log(x.device, '|', x.path, '|', x.reason, '|', x.at?.file + ':' + x.at?.line);
}, 600000);
