/** Writes the chosen reporters' files into one folder. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VmError } from '../../src/wire/errors.js';
import type { Report } from '../../src/check/report-schema.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';

export const REPORTERS = {
  junit: { file: 'junit.xml', render: renderJunit },
  json: { file: 'report.json', render: renderJson },
  markdown: { file: 'summary.md', render: renderMarkdown },
  html: { file: 'report.html', render: renderHtml },
} as const;

export type ReporterName = keyof typeof REPORTERS;
export const ALL_REPORTERS = Object.keys(REPORTERS) as ReporterName[];

/** `--reporter` values: names, repeatable or comma-separated; `none` writes nothing. Absent: `fallback`. */
export function parseReporters(values: readonly string[] | undefined, fallback: readonly ReporterName[]): ReporterName[] {
  if (!values || values.length === 0) return [...fallback];
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (names.includes('none')) {
    if (names.length > 1) throw new VmError({ kind: 'bad-input', message: `--reporter none cannot be combined with ${names.filter((n) => n !== 'none').join(', ')}` });
    return [];
  }
  for (const n of names) {
    if (!(n in REPORTERS)) throw new VmError({ kind: 'bad-input', message: `unknown reporter '${n}' (known: ${ALL_REPORTERS.join(', ')}, none)` });
  }
  return [...new Set(names as ReporterName[])];
}

/** reports/<UTC timestamp>/ under the working directory, made unique if two runs start in the same second. */
export function defaultReportDir(now: Date, cwd = process.cwd()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/:/g, '-');
  let dir = join(cwd, 'reports', stamp);
  for (let i = 2; existsSync(dir); i++) dir = join(cwd, 'reports', `${stamp}-${i}`);
  return dir;
}

/** What the reporters may leave out or keep. */
export interface ReporterOptions {
  /** Keep the cases that cannot apply in junit.xml as <skipped> (default: left out, counted in a property). */
  junitSkips?: boolean;
}

export function writeReports(report: Report, dir: string, names: readonly ReporterName[], opts: ReporterOptions = {}): string[] {
  if (names.length === 0) return [];
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
  } catch (e) {
    throw new VmError({ kind: 'bad-input', message: `--report-dir ${dir}: ${(e as Error).message}` });
  }
  return names.map((n) => {
    const file = join(abs, REPORTERS[n].file);
    writeFileSync(file, REPORTERS[n].render(report, opts));
    return file;
  });
}
