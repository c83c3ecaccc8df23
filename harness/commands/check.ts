import { parseArgs } from 'node:util';
import { releases } from '../../scenarios/releases/index.js';
import { dedupeCases, exampleStates, resolveCase, runCase, summarize, type CaseResult } from '../../src/check/run.js';
import { loadScenarios } from '../scenarios.js';
import { caseLine, columnWidths, explain, summaryLine } from '../format.js';
import type { Io } from '../io.js';

export const checkHelp = `usage: vmcompat check [--scenario FILE|DIR]... [--json]

Runs every case of the built-in scenarios (or the given ones) forward,
backward and round trip, and compares each verdict with its expectation.
Exit 0 when every case matched, 1 when any did not, 2 on a usage or
scenario error.`;

export function checkCommand(argv: string[], io: Io): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.out(checkHelp);
    return 0;
  }
  const started = performance.now();
  const scenarios = loadScenarios(values.scenario ?? []);
  const cases = dedupeCases(scenarios.flatMap((s) => s.cases));
  const specs = cases.map((c) => ({ c, spec: resolveCase(c, releases) }));
  const devices = new Set(cases.map((c) => c.device));
  if (!values.json) {
    io.out(`vmcompat — releases ${releases.map((r) => r.name).join(' ')} · ${devices.size} devices · ${cases.length} cases`);
  }
  const results: CaseResult[] = [];
  for (const { c, spec } of specs) {
    results.push(runCase(spec, c.expect, exampleStates, { scenario: c.scenario, reference: c.reference ?? null }));
  }
  const summary = summarize(results);
  if (values.json) {
    const cleaned = results.map(({ failure: _f, ...rest }) => rest);
    io.out(JSON.stringify({ cases: cleaned, summary }, null, 2));
  } else {
    const widths = columnWidths(results);
    for (const r of results) {
      io.out(caseLine(r, widths, { color: io.color }));
      if (r.unexpected) for (const l of explain(r)) io.out(l);
    }
    io.out(summaryLine(summary, (performance.now() - started) / 1000));
  }
  return summary.unexpected === 0 ? 0 : 1;
}
