/**
 * A field nothing generates, end to end: a device in a --releases module with
 * a hand-written codec and no generator is `incomplete` in every reporter and
 * the run exits 1 (it used to print "round trip exact" and exit 0).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { main } from './cli.js';
import { collectIo } from './io.js';
import { packageRoot } from './paths.js';
import type { Report } from '../src/check/report-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-incomplete-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dist = (p: string) => pathToFileURL(join(packageRoot(), 'dist', p)).href;
const MODULE = `
import { buildMachines, VMSTATE_UINT32, field } from '${dist('src/index.js')}';
// a request list saved by hand: a count and that many u32s
const reqlist = {
  name: 'reqlist',
  put(w, v) { w.u32(v.length); for (const x of v) w.u32(x); },
  get(r) { const n = r.u32('count'); return Array.from({ length: n }, () => r.u32('req')); },
};
const cls = {
  name: 'my-rng', type: 'my-rng', parents: ['device'], props: {}, idstr: 'my-rng', instanceId: 0,
  vmsd: { name: 'my-rng', version_id: 1, minimum_version_id: 1, fields: [VMSTATE_UINT32('ctrl'), field('reqs', { info: reqlist })] },
  reset: () => ({ ctrl: 0, reqs: [] }),
};
const release = (name) => ({ name, compatArrays: {}, devices: [cls],
  machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['1.0'] }], {}) });
export const releases = [release('1.0'), release('1.1')];
`;

it('a custom codec without a generator: incomplete in the terminal, JSON, JUnit, markdown and HTML; exit 1', async () => {
  const mod = join(dir, 'my-rng.mjs');
  writeFileSync(mod, MODULE);
  const out = join(dir, 'report');
  const io = collectIo();
  const args = ['check', '--releases', mod, '--pair', '1.0:1.1', '--runs', '5', '--seed', '1', '--workers', '1', '--report-dir', out];
  expect(await main([...args, '--reporter', 'json', '--reporter', 'junit', '--reporter', 'markdown', '--reporter', 'html'], io)).toBe(1);
  expect(io.lines.join('\n')).toMatch(/INCOMPLETE · .*my-rng:reqs/);
  expect(io.lines.join('\n')).not.toMatch(/round trip exact/);
  const report: Report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  const schema = JSON.parse(readFileSync(join(packageRoot(), 'harness', 'reporters', 'report.schema.json'), 'utf8'));
  const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(schema);
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  expect(report.cases.map((c) => [c.status, c.outcome, c.unexpected])).toEqual([
    ['incomplete', 'incomplete', true],
    ['incomplete', 'incomplete', true],
  ]);
  expect(report.summary).toMatchObject({ incomplete: 2, unexpected: 2, passed: 0 });
  expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<failure message="[^"]*my-rng:reqs[^"]*" type="incomplete">/);
  expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/incomplete/);
  expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/o-incomplete/);
});
