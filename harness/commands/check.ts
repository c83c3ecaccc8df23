import { parseArgs } from 'node:util';
import { releases } from '../../scenarios/releases/index.js';
import { dedupeCases, resolveCase, runCase, summarize, type CaseResult } from '../../src/check/run.js';
import { loadScenarios } from '../scenarios.js';
import { caseLine, columnWidths, explain, summaryLine } from '../format.js';
import type { Io } from '../io.js';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { randomSeed } from '../../src/check/seed.js';
import type { StateMode } from '../../src/check/run.js';
import { int32, positiveInt } from '../args.js';

export const checkHelp = `usage: vmcompat check [--scenario FILE|DIR]... [--runs N] [--seed S] [--examples] [--json]

Runs every case of the built-in scenarios (or the given ones): for N
generated states valid under the sending release (default 100), the
receiver loads the stream and the sender loads it back; each verdict is
compared with its expectation. --seed makes the run repeatable (a case's
seed is derived from it and the case id); --examples checks the device
models' hand-written states instead of generated ones.
Exit 0 when every case matched, 1 when any did not, 2 on a usage or
scenario error.`;

export function checkCommand(argv: string[], io: Io): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      runs: { type: 'string', default: '100' },
      seed: { type: 'string' },
      examples: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.out(checkHelp);
    return 0;
  }
  const runs = positiveInt(values.runs!, '--runs');
  const seed = values.seed === undefined ? randomSeed() : int32(values.seed, '--seed');
  const mode: StateMode = values.examples ? { kind: 'examples' } : { kind: 'property', runs, seed, arbitrary: deviceStateArbitrary };
  const started = performance.now();
  const scenarios = loadScenarios(values.scenario ?? []);
  const cases = dedupeCases(scenarios.flatMap((s) => s.cases));
  const specs = cases.map((c) => ({ c, spec: resolveCase(c, releases) }));
  const devices = new Set(cases.map((c) => c.device));
  if (!values.json) {
    const states = values.examples ? 'hand-written states' : `${runs} states/case · seed ${seed}`;
    io.out(`vmcompat — releases ${releases.map((r) => r.name).join(' ')} · ${devices.size} devices · ${cases.length} cases · ${states}`);
  }
  const results: CaseResult[] = [];
  for (const { c, spec } of specs) {
    results.push(runCase(spec, c.expect, mode, { scenario: c.scenario, reference: c.reference ?? null }));
  }
  const summary = summarize(results);
  if (values.json) {
    const cleaned = results.map(({ failure: _f, ...rest }) => rest);
    io.out(JSON.stringify({ seed: values.examples ? null : seed, runs: values.examples ? null : runs, cases: cleaned, summary }, null, 2));
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
