import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { writableDir } from '../files.js';
import { toolVersion } from '../paths.js';
import { VmError } from '../../src/wire/errors.js';
import { mergeReports, parseReport } from '../../src/check/report-schema.js';
import { caseLine, columnWidths, explain, jsonEnvelope, summaryLine } from '../format.js';
import type { Io } from '../io.js';
import { ALL_REPORTERS, defaultReportDir, parseReporters, writeReports } from '../reporters/index.js';

function mergeArgs(): Command {
  return defineCommand('merge-reports', {
    usage: 'DIR... [--reporter NAME]... [--report-dir DIR] [--json]',
    description: `Joins the report folders of the shards of one run ('check --shard k/n',
each written with at least the json reporter) into the report the whole
run would have written, and writes every reporter again from it (default:
all of ${ALL_REPORTERS.join(', ')}, into reports/<timestamp>/). A DIR may also be a
report.json file. Every shard must be there exactly once, with the same
plan, seed and runs.`,
    after: `Exit 0 when every verdict of the merged run matched its expectation, 1 when
any did not, 2 when the reports cannot be merged.`,
  })
    .argument('[DIR...]', 'report folders (or report.json files) of the shards')
    .option('--reporter <NAME>', `${ALL_REPORTERS.join(' | ')} | none (repeatable or comma-separated; default all)`, repeatable)
    .option('--report-dir <DIR>', 'where to write them (default reports/<UTC timestamp>/)')
    .option('--junit-skips', 'keep the cases that cannot apply in junit.xml (as <skipped>)')
    .option('--json', 'print the merged report on stdout (in the vmcompat envelope)');
}

interface MergeOptions {
  reporter?: string[];
  reportDir?: string;
  junitSkips?: boolean;
  json?: boolean;
}

export function mergeReportsCommand(argv: string[], io: Io): number {
  const parsed = parseCommand<MergeOptions>(mergeArgs(), argv, io);
  if (!parsed) return 0;
  const values = parsed.opts;
  const positionals = parsed.args;
  if (positionals.length === 0) throw usageError(`no report folders given\n(run 'vmcompat merge-reports --help' for the options)`);
  const reporters = parseReporters(values.reporter, values.json ? [] : ALL_REPORTERS);
  if (reporters.length) writableDir(values.reportDir ?? 'reports', '--report-dir');
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
  const dir = reporters.length ? (values.reportDir ?? defaultReportDir(new Date())) : null;
  const files = dir ? writeReports(report, dir, reporters, { junitSkips: values.junitSkips === true }) : [];
  if (values.json) io.out(jsonEnvelope('merge-reports', report, toolVersion()));
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
