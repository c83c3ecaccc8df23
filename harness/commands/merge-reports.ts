import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { VmError } from '../../src/wire/errors.js';
import { mergeReports, parseReport } from '../../src/check/report-schema.js';
import { caseLine, columnWidths, explain, summaryLine } from '../format.js';
import type { Io } from '../io.js';
import { ALL_REPORTERS, defaultReportDir, parseReporters, writeReports } from '../reporters/index.js';

export const mergeHelp = `usage: vmcompat merge-reports DIR... [--reporter NAME]... [--report-dir DIR] [--json]

Joins the report folders of the shards of one run ('check --shard k/n',
each written with at least the json reporter) into the report the whole
run would have written, and writes every reporter again from it (default:
all of ${ALL_REPORTERS.join(', ')}, into reports/<timestamp>/). A DIR may also be a
report.json file. Every shard must be there exactly once, with the same
plan, seed and runs.
Exit 0 when every verdict of the merged run matched its expectation, 1 when
any did not, 2 when the reports cannot be merged.`;

export function mergeReportsCommand(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      reporter: { type: 'string', multiple: true },
      'report-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.out(mergeHelp);
    return 0;
  }
  if (positionals.length === 0) throw new VmError({ kind: 'bad-input', message: `no report folders given\n${mergeHelp}` });
  const reporters = parseReporters(values.reporter, values.json ? [] : ALL_REPORTERS);
  const parts = positionals.map((p) => {
    let file = p;
    try {
      if (statSync(p).isDirectory()) file = join(p, 'report.json');
    } catch {
      throw new VmError({ kind: 'bad-input', message: `'${p}' does not exist` });
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new VmError({ kind: 'bad-input', message: `${file} cannot be read (was the shard run with --reporter json?)` });
    }
    return { report: parseReport(text, file), file };
  });
  const report = mergeReports(parts);
  const dir = reporters.length ? (values['report-dir'] ?? defaultReportDir(new Date())) : null;
  const files = dir ? writeReports(report, dir, reporters) : [];
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else {
    io.out(`vmcompat — merged ${parts.length} report${parts.length === 1 ? '' : 's'} (${report.shards ? `shards ${report.shards.map((s) => `${s.index}/${s.count}`).join(' ')}` : 'the whole plan'}) · seed ${report.config.seed ?? '-'}`);
    const unexpected = report.cases.filter((c) => c.unexpected);
    const widths = columnWidths(unexpected);
    for (const c of unexpected) {
      io.out(caseLine(c, widths, { color: io.color }));
      for (const l of explain(c)) io.out(l);
    }
    io.out(summaryLine(report.summary, report.run.durationMs / 1000));
    if (dir) io.out(`${relative(process.cwd(), dir) || '.'}/ ${files.map((f) => relative(dir, f)).join(' ')}`);
  }
  return report.summary.unexpected === 0 ? 0 : 1;
}
