import type { Report } from '../../src/check/report-schema.js';

/** report.json: the whole report, schema in report.schema.json beside this file. */
export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}
