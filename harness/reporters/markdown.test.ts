import { describe, expect, it } from 'vitest';
import { errorCase, summarizeCases, type Report, type ReportCase } from '../../src/check/report-schema.js';
import type { PlannedCase } from '../../src/check/matrix.js';
import { MAX_CHARS, renderMarkdown } from './markdown.js';

function report(cases: ReportCase[]): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'vmcompat', version: '0' },
    run: { startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', durationMs: 60_000, workers: 2, command: 'vmcompat check' },
    config: { mode: 'property', seed: 1, runs: 100, selection: { from: [], to: [], pairs: [], machine: [], device: [], scenarios: [], scenarioOnly: false } },
    plan: { total: cases.length, fingerprint: '0'.repeat(64), releases: ['a', 'b'], pairs: [['a', 'b']], devices: ['dev'], machines: ['m'] },
    shards: null,
    cases,
    summary: summarizeCases(cases),
  };
}

const planned = (i: number): PlannedCase => ({ index: i, id: `dev${i}/a->b/m`, device: `dev${i}`, from: 'a', to: 'b', machine: 'm', expect: { status: 'pass' }, scenario: null, reference: null, skip: null });

describe('summary.md', () => {
  it('stays under the comment size limits however many failures, and says how many it left out', () => {
    const longPath = Array.from({ length: 900 }, () => '1').join(':');
    const cases = Array.from({ length: 400 }, (_, i) => ({ ...errorCase(planned(i), 'boom', 1, 7), repro: `npx vmcompat repro 'dev${i}/a->b/m' --seed 7 --path ${longPath}` }));
    const md = renderMarkdown(report(cases));
    expect(md.length).toBeLessThan(MAX_CHARS);
    expect(md).toMatch(/… and \d+ more: see report\.html or report\.json\./);
    expect(md.split('\n')[0]).toBe('### ❌ vmcompat: 400 unexpected results in 400 cases');
  });
});
