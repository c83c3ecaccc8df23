import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { main } from './cli.js';
import { collectIo, type Io } from './io.js';
import { packageRoot } from './paths.js';
import type { Report } from '../src/check/report-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (...p: string[]) => join(dir, ...p);
const readReport = (d: string): Report => JSON.parse(readFileSync(join(d, 'report.json'), 'utf8'));

const schema = JSON.parse(readFileSync(join(packageRoot(), 'harness', 'reporters', 'report.schema.json'), 'utf8'));
const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(schema);
/** report.json against its documented schema (report.schema.json). */
function expectSchemaValid(r: unknown) {
  const ok = validate(r);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  const run = (r as Report).run;
  for (const t of [run.startedAt, run.finishedAt]) expect(new Date(t).toISOString()).toBe(t);
}

/** What must not differ between runs of one seed: everything but timings. */
function stable(r: Report) {
  return { plan: r.plan, config: r.config, summary: r.summary, cases: r.cases.map(({ durationMs: _d, ...rest }) => rest) };
}

async function run(args: string[], io: Io = collectIo()): Promise<number> {
  return main(args, io);
}

const SEED = '4242';
const RUNS = '2';

// The built-in matrix of the two built-in scenario devices at the 8.x and 9.x machine types (all of it while the
// release list is 8.2.0 9.0.0 9.0.1), kept to a slice the test can afford as the release list grows.
const BUILTIN = ['--device', 'virtio-gpu', '--device', 'isa-ipmi-kcs', '--machine', 'pc-*-[89].*'];

describe('the built-in matrix, one seed, any worker count or sharding', () => {
  const out: Record<string, ReturnType<typeof collectIo>> = {};
  beforeAll(async () => {
    for (const [name, extra] of [
      ['w1', ['--workers', '1', '--reporter', 'json']],
      ['w2', ['--workers', '2', '--reporter', 'junit', '--reporter', 'json', '--reporter', 'html']],
      ['s1', ['--workers', '2', '--shard', '1/2', '--reporter', 'json']],
      ['s2', ['--workers', '1', '--shard', '2/2', '--reporter', 'json']],
    ] as const) {
      out[name] = collectIo();
      const code = await run(['check', ...BUILTIN, '--runs', RUNS, '--seed', SEED, ...extra, '--report-dir', at(name)], out[name]);
      expect(code, out[name].errors.join('\n')).toBe(0);
    }
  }, 240_000);

  it('writes junit, json and html when asked, and only those', () => {
    for (const f of ['junit.xml', 'report.json', 'report.html']) expect(existsSync(at('w2', f))).toBe(true);
    expect(existsSync(at('w2', 'summary.md'))).toBe(false);
    expect(out.w2!.lines.at(-1)).toMatch(/ junit\.xml report\.json report\.html$/);
  });

  it('--workers 1 and --workers 2 give identical results', () => {
    const a = readReport(at('w1'));
    const b = readReport(at('w2'));
    expect(b.run.workers).toBe(2);
    expect(stable(b)).toEqual(stable(a));
    // the printed case lines are in plan order whatever the workers
    const lines = (io: ReturnType<typeof collectIo>) => io.lines.slice(1, -2);
    expect(lines(out.w2!)).toEqual(lines(out.w1!));
  });

  it('--shard 1/2 and --shard 2/2, merged, give the unsharded results', async () => {
    const s1 = readReport(at('s1'));
    const s2 = readReport(at('s2'));
    expect(s1.cases.length + s2.cases.length).toBe(s1.plan.total);
    expect(Math.abs(s1.cases.length - s2.cases.length)).toBeLessThanOrEqual(1);
    const io = collectIo();
    expect(await run(['merge-reports', at('s1'), at('s2'), '--report-dir', at('merged')], io)).toBe(0);
    const merged = readReport(at('merged'));
    expect(merged.shards).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    expect(stable(merged)).toEqual(stable(readReport(at('w1'))));
    for (const r of [merged, s1, s2, readReport(at('w1')), readReport(at('w2'))]) expectSchemaValid(r);
    // merge-reports writes every reporter again
    for (const f of ['junit.xml', 'report.json', 'summary.md', 'report.html']) expect(existsSync(at('merged', f))).toBe(true);
    expect(io.lines.at(-2)).toMatch(/0 unexpected/);
  });

  it('the JUnit file validates against the JUnit XML schema GitLab parses, and counts right', async () => {
    const xml = readFileSync(at('w2', 'junit.xml'), 'utf8');
    const xsd = readFileSync(join(packageRoot(), 'harness', 'reporters', 'junit.xsd'), 'utf8');
    const v = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: xsd }] });
    expect(v.errors).toEqual([]);
    expect(v.valid).toBe(true);
    const report = readReport(at('w2'));
    // the cases that cannot apply are left out (counted in a property): --junit-skips keeps them
    const applicable = report.cases.filter((c) => c.status !== 'skip').length;
    expect(report.summary.skipped).toBeGreaterThan(0);
    expect(xml.match(/<testcase /g)).toHaveLength(applicable);
    expect(xml).toMatch(new RegExp(`<testsuites name="vmcompat" tests="${applicable}" failures="0" errors="0" skipped="0"`));
    expect(xml).toContain(`<property name="vmcompat.not-applicable" value="${report.summary.skipped}"/>`);
    expect(xml).not.toContain('<skipped');
    // expected failures are not JUnit failures, but say what they are
    expect(xml).not.toContain('<failure');
    expect(xml).toMatch(/<testcase name="virtio-gpu\/8\.2\.0-&gt;9\.0\.0\/pc-q35-8\.2" classname="vmcompat\.virtio-gpu" time="[\d.]+">\n\s*<system-out>virtio-gpu 8\.2\.0 → 9\.0\.0 @ pc-q35-8\.2 · expected failure/);
  });
});

describe('unexpected results in every reporter', () => {
  let report: Report;
  let io: ReturnType<typeof collectIo>;
  beforeAll(async () => {
    const f = at('unexpected.json');
    writeFileSync(
      f,
      JSON.stringify({
        name: 'wrong-on-purpose',
        cases: [
          { device: 'virtio-gpu', from: '9.0.0', to: '8.2.0', machine: 'pc-q35-8.2', expect: 'pass' },
          { device: 'virtio-gpu', from: '8.2.0', to: '9.0.1', machine: 'pc-q35-8.2', expect: { status: 'fail', kind: 'short-read' } },
          { device: 'virtio-gpu', from: '8.2.0', to: '9.0.0', machine: 'pc-q35-9.0', expect: 'pass' },
        ],
      }),
    );
    io = collectIo();
    expect(await run(['check', '--scenario', f, '--runs', '5', '--seed', '9', '--workers', '1', '--report-dir', at('unexpected')], io)).toBe(1);
    report = readReport(at('unexpected'));
  });

  it('JUnit: failures carry kind, path, offset, seed and the repro command, and still validate', async () => {
    const xml = readFileSync(at('unexpected', 'junit.xml'), 'utf8');
    const xsd = readFileSync(join(packageRoot(), 'harness', 'reporters', 'junit.xsd'), 'utf8');
    const v = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: xsd }] });
    expect(v.errors).toEqual([]);
    const fail = report.cases.find((c) => c.outcome === 'unexpected-failure')!;
    expect(xml).toContain(`<testsuites name="vmcompat" tests="2" failures="2" errors="0" skipped="0"`);
    expect(xml).toMatch(/<failure message="footer-missing in virtio-gpu-one-scanout parent_obj\.scanout\[0\]\.fb\.format @0x[0-9a-f]+ · nested-version · replay: npx vmcompat repro 'virtio-gpu\/9\.0\.0-&gt;8\.2\.0\/pc-q35-8\.2' --seed \d+ --path [\d:]+ --gen \d+" type="footer-missing">/);
    expect(xml).toContain(`cause: nested-version: ${fail.why}\nhint: ${fail.hint}`);
    for (const s of ['kind: footer-missing', 'path: parent_obj.scanout[0].fb.format', `offset: 0x${fail.offset!.toString(16)}`, `seed: ${fail.seed}`, `replay: ${fail.repro!.replace(/>/g, '&gt;')}`]) {
      expect(xml).toContain(s);
    }
    expect(xml).toMatch(/<failure message="expected a short-read failure, but \d+ states passed: if it is fixed, update the scenario" type="unexpected-pass">/);
  });

  it('terminal: the unexpected pass and failure are explained, each with its replay line', () => {
    const text = io.lines.join('\n');
    expect(text).toMatch(/✗ virtio-gpu\s+9\.0\.0 → 8\.2\.0\s+pc-q35-8\.2\s+UNEXPECTED FAILURE · footer-missing .* · nested-version\n\s+why: nested-version: virtio-gpu-one-scanout is version 2 in 9\.0\.0 and 1 in 8\.2\.0.*\n\s+fix: gate the new fields/);
    expect(text).toMatch(/UNEXPECTED PASS \(expected short-read\)\n\s+\d+ states passed; the scenario 'wrong-on-purpose' expects short-read/);
    expect(text).toMatch(/replay: {2}npx vmcompat repro 'virtio-gpu\/9\.0\.0->8\.2\.0\/pc-q35-8\.2' --seed \d+ --path/);
    // where in the bytes, and the smallest state, as in a report
    expect(text).toMatch(/^\s+[0-9a-f]{6} \[[0-9a-f ]+\].*\|.{16}\| {2}9\.0\.0: .*fb\.format.* · 8\.2\.0 expected the section footer \(7e\) here/m);
    expect(text).toMatch(/smallest state \(shrunk in \d+ steps\): a freshly reset device/);
    expect(io.lines.at(-2)).toMatch(/^3 cases: 0 passed · 0 failed as expected · 1 skipped · 2 unexpected/);
  });

  it('markdown: the verdict first, then the unexpected results with their replay commands', () => {
    const md = readFileSync(at('unexpected', 'summary.md'), 'utf8');
    expect(md.split('\n')[0]).toBe('### ❌ vmcompat: 2 unexpected results in 3 cases');
    expect(md).toMatch(/\| `virtio-gpu\/9\.0\.0->8\.2\.0\/pc-q35-8\.2` \| ❌ unexpected failure \| footer-missing in virtio-gpu-one-scanout parent_obj\.scanout\[0\]\.fb\.format @0x[0-9a-f]+ \| \*\*nested-version\*\*: virtio-gpu-one-scanout is version 2 in 9\.0\.0 .* — fix: gate the new fields .* \| pass \| `npx vmcompat repro/);
    expect(md).toMatch(/\| `virtio-gpu\/8\.2\.0->9\.0\.1\/pc-q35-8\.2` \| ❌ unexpected pass \| \d+ states passed \|  \| fail: short-read \|/);
  });

  it('json: the documented shape, with the failure detail and hex dump', () => {
    expect(report.schemaVersion).toBe(1);
    expectSchemaValid(report);
    const fail = report.cases.find((c) => c.outcome === 'unexpected-failure')!;
    expect(fail.detail).toMatchObject({ stage: 'forward', saver: '9.0.0', loader: '8.2.0', qemuKind: 'footer-missing' });
    expect(fail.detail!.qemu[0]).toBe('Missing section footer for 0000:00:02.0/virtio-gpu');
    expect(fail.hexdump!.some((l) => l.includes('['))).toBe(true);
    expect(fail).toMatchObject({ cause: 'nested-version', why: expect.stringMatching(/a nested struct's version is not on the wire/), hint: expect.stringMatching(/compat property/) });
    expect(report.summary).toMatchObject({ total: 3, unexpected: 2, unexpectedPasses: 1, unexpectedFailures: 1, skipped: 1 });
  });
});

describe('release models a user adds (--releases)', () => {
  it('join the matrix on the worker threads too, and their replay lines carry them', async () => {
    const mod = at('local-releases.mjs');
    const dist = pathToFileURL(join(packageRoot(), 'dist', 'scenarios', 'releases', 'index.js')).href;
    writeFileSync(mod, `import { releases as builtin } from '${dist}';\nexport const releases = [{ ...builtin.find((r) => r.name === '9.0.1'), name: '9.0.1-local' }];\n`);
    const io = collectIo();
    const args = ['check', '--releases', mod, '--pair', '9.0.0:9.0.1-local', '--device', 'virtio-gpu', '--machine', 'pc-q35-8.2', '--runs', '3', '--seed', '5', '--workers', '2'];
    expect(await run([...args, '--reporter', 'json', '--report-dir', at('local')], io)).toBe(1); // no scenario expects 9.0.0's failure against it
    const report = readReport(at('local'));
    expect(report.plan.releases.at(-1)).toBe('9.0.1-local');
    expect(report.cases.map((c) => [c.id, c.kind])).toEqual([
      ['virtio-gpu/9.0.0->9.0.1-local/pc-q35-8.2', 'footer-missing'],
      ['virtio-gpu/9.0.1-local->9.0.0/pc-q35-8.2', 'short-read'],
    ]);
    const repro = report.cases[0]!.repro!;
    expect(repro).toMatch(new RegExp(`--releases ${mod.replace(/[.*+?^\${}()|[\]\\/]/g, '\\$&')}$`));
    const again = collectIo();
    const argv = repro.replace(/^npx vmcompat /, '').split(' ').map((a) => a.replace(/^'|'$/g, ''));
    expect(await run([...argv, '--json'], again)).toBe(1);
    expect(JSON.parse(again.lines.join('\n')).result).toMatchObject({ kind: 'footer-missing', streamDigest: report.cases[0]!.streamDigest });
  });

  it('a module that cannot be read, or that redefines a release, exits 2', async () => {
    const dup = at('dup-releases.mjs');
    const dist = pathToFileURL(join(packageRoot(), 'dist', 'scenarios', 'releases', 'index.js')).href;
    writeFileSync(dup, `export { releases } from '${dist}';\n`);
    for (const [file, reason] of [
      [at('missing.mjs'), /--releases .*missing\.mjs: does not exist/],
      [dup, /release '.*' is already defined/],
    ] as const) {
      const io = collectIo();
      expect(await run(['check', '--releases', file, '--list'], io)).toBe(2);
      expect(io.errors[0]).toMatch(reason);
    }
  });
});

describe('check --list', () => {
  it('prints the plan with expectations and skip reasons, and runs nothing', async () => {
    const io = collectIo();
    expect(await run(['check', '--list', '--device', 'virtio-gpu', '--pair', '8.2.0:9.0.0', '--machine', 'pc-q35-8.2', '--machine', 'pc-q35-9.0'], io)).toBe(0);
    expect(io.lines).toEqual([
      expect.stringMatching(/^ - virtio-gpu\s+8\.2\.0 → 9\.0\.0\s+pc-q35-9\.0\s+skipped: 8\.2\.0 has no machine type pc-q35-9\.0/),
      expect.stringMatching(/^ · virtio-gpu\s+8\.2\.0 → 9\.0\.0\s+pc-q35-8\.2\s+expect short-read  \(virtio-gpu-scanout\)$/),
      expect.stringMatching(/^ - virtio-gpu\s+9\.0\.0 → 8\.2\.0\s+pc-q35-9\.0\s+skipped: 8\.2\.0 has no machine type pc-q35-9\.0/),
      expect.stringMatching(/^ · virtio-gpu\s+9\.0\.0 → 8\.2\.0\s+pc-q35-8\.2\s+expect footer-missing/),
      '4 cases planned: 2 to run, 2 skipped',
    ]);
  });
});

describe('the terminal', () => {
  it('on a TTY, a progress bar with cases done/total and unexpected so far; none otherwise', async () => {
    const bars: (string | null)[] = [];
    const io = { ...collectIo(), status: (l: string | null) => void bars.push(l) };
    expect(await run(['check', '--device', 'isa-ipmi-kcs', '--pair', '8.2.0:9.0.0', '--machine', 'pc-q35-8.2', '--runs', '2', '--workers', '1', '--reporter', 'none'], io)).toBe(0);
    expect(bars[0]).toMatch(/^\[\.{20}\] 0\/2 cases · 0 unexpected/);
    expect(bars).toContainEqual(expect.stringMatching(/^\[#{20}\] 2\/2 cases · 0 unexpected/));
    expect(bars.at(-1)).toBeNull();
    expect(io.lines.some((l) => l.includes('['))).toBe(false);
  });
});

describe('exit codes and one-line reasons', () => {
  it.each([
    [['--workers', '0'], /--workers expects a positive integer, got '0'/],
    [['--shard', '3/2'], /--shard expects k\/n with 1 ≤ k ≤ n, got '3\/2'/],
    [['--reporter', 'pdf'], /unknown reporter 'pdf' \(known: junit, json, markdown, html, none\)/],
    [['--pair', '8.2.0:7.0.0'], /--pair 8\.2\.0:7\.0\.0: unknown release '7\.0\.0'/],
    [['--device', 'nope*'], /--device 'nope\*' matches no device/],
  ])('check %j exits 2', async (args, reason) => {
    const io = collectIo();
    const quiet = args.includes('--reporter') ? [] : ['--reporter', 'none'];
    expect(await run(['check', ...args, ...quiet], io)).toBe(2);
    expect(io.errors[0]).toMatch(reason);
  });

  it('merge-reports refuses what is not one run', async () => {
    for (const [name, shard, seed] of [
      ['m1', '1/3', '7'],
      ['m2', '2/3', '7'],
      ['m2b', '2/3', '8'],
    ]) {
      const args = ['check', '--device', 'isa-ipmi-kcs', '--pair', '8.2.0:9.0.0', '--runs', '1', '--workers', '1', '--seed', seed!, '--shard', shard!];
      expect(await run([...args, '--reporter', 'json', '--report-dir', at(name!)])).toBe(0);
    }
    const cases: [string[], RegExp][] = [
      [[at('m1'), at('m2')], /shard 3\/3 missing: cannot make the whole report/],
      [[at('m1'), at('m1')], /shard 1\/3 is given twice/],
      [[at('m1'), at('m2b')], /differ in seed \(8 vs 7\)/],
      [[at('nope')], /'.*nope' does not exist/],
      [[], /no report folders given/],
    ];
    for (const [args, reason] of cases) {
      const io = collectIo();
      expect(await run(['merge-reports', ...args, '--reporter', 'none'], io)).toBe(2);
      expect(io.errors[0]).toMatch(reason);
    }
  });
});
