import { failureWhere, type ReportCase, type ReportSummary } from '../src/check/report-schema.js';
import { foldMachines, groupTitle, type FailureGroup } from './reporters/groups.js';

export interface Style {
  color: boolean;
}

export const paint = (on: boolean, code: number, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export const where = failureWhere;

export interface Widths {
  device: number;
  pair: number;
  machine: number;
}

type LineCase = Pick<ReportCase, 'device' | 'from' | 'to' | 'machine' | 'status' | 'unexpected' | 'states' | 'expected' | 'expectedKind' | 'message' | 'kind' | 'vmsd' | 'path' | 'offset'> &
  Partial<Pick<ReportCase, 'cause'>>;

/** One line per case: mark, device, from → to, machine, verdict. */
export function caseLine(r: LineCase, widths: Widths, st: Style): string {
  const pair = `${r.from} → ${r.to}`;
  const head = `${r.device.padEnd(widths.device)}  ${pair.padEnd(widths.pair)}  ${r.machine.padEnd(widths.machine)}`;
  if (r.status === 'skip') return ` ${paint(st.color, 90, '-')} ${head}  skipped: ${r.message}`;
  if (r.status === 'incomplete') return ` ${paint(st.color, 31, '?')} ${head}  INCOMPLETE · ${(r.message ?? '').split('\n')[0]}`;
  if (r.status === 'error') return ` ${paint(st.color, 31, '!')} ${head}  ERROR · ${(r.message ?? '').split('\n')[0]}`;
  if (r.status === 'pass') {
    const text = `${r.states} state${r.states === 1 ? '' : 's'}, round trip exact`;
    return r.unexpected
      ? ` ${paint(st.color, 31, '✗')} ${head}  UNEXPECTED PASS (expected ${r.expectedKind ?? 'a failure'})`
      : ` ${paint(st.color, 32, '✓')} ${head}  ${text}`;
  }
  const label = r.unexpected
    ? r.expected === 'fail'
      ? `UNEXPECTED FAILURE KIND (expected ${r.expectedKind})`
      : 'UNEXPECTED FAILURE'
    : 'expected failure';
  return ` ${paint(st.color, r.unexpected ? 31 : 33, '✗')} ${head}  ${label} · ${where(r)}${r.cause ? ` · ${r.cause}` : ''}`;
}

export function columnWidths(cases: readonly Pick<ReportCase, 'device' | 'from' | 'to' | 'machine'>[]): Widths {
  return {
    device: Math.max(6, ...cases.map((r) => r.device.length)),
    pair: Math.max(8, ...cases.map((r) => `${r.from} → ${r.to}`.length)),
    machine: Math.max(7, ...cases.map((r) => r.machine.length)),
  };
}

/** The explanation block printed under an unexpected result. */
export function explain(r: ReportCase): string[] {
  const out: string[] = [];
  const f = r.detail;
  if (r.cause) out.push(`     why: ${r.cause}: ${r.why ?? ''}`, `     fix: ${r.hint ?? ''}`);
  if (f) {
    out.push(`     ${f.stage}: ${f.saver} saved, ${f.loader} loaded`, `     ${r.message}`);
    for (const line of f.qemu) out.push(`     qemu: ${line}`);
  } else if (r.status === 'error') {
    for (const l of (r.message ?? '').split('\n').slice(1)) out.push(`     ${l.trim()}`);
  }
  if (r.hexdump) {
    out.push('');
    for (const l of r.hexdump) out.push(`     ${l}`);
  }
  if (r.status === 'fail' && r.counterexampleDiff !== null) {
    const d = JSON.stringify(r.counterexampleDiff);
    out.push('', `     smallest state${r.shrinks !== null ? ` (shrunk in ${r.shrinks} steps)` : ''}: ${d === '{}' ? 'a freshly reset device' : `differs from a freshly reset device in ${d.length > 300 ? d.slice(0, 300) + '… (the whole state: report.json)' : d}`}`);
  }
  if (r.status === 'pass' && r.unexpected) {
    out.push(`     ${r.states} states passed; the scenario${r.scenario ? ` '${r.scenario}'` : ''} expects ${r.expectedKind}${r.reference ? ` (${r.reference})` : ''}: if it is fixed, update the scenario`);
  }
  if (r.repro) out.push(`     replay:  ${r.repro}`);
  return out;
}

/** Failures with one cause, once each: the cause, the fix, the cases per direction and one replay line per direction. */
export function groupLines(groups: readonly FailureGroup[], st: Style): string[] {
  if (groups.length === 0) return [];
  const cases = groups.reduce((n, g) => n + g.cases.length, 0);
  const out = [`failures by VMSD and cause: ${groups.length} group${groups.length === 1 ? '' : 's'}, ${cases} case${cases === 1 ? '' : 's'}`];
  for (const g of groups) {
    out.push(` ${paint(st.color, g.unexpected ? 31 : 33, '✗')} ${groupTitle(g)}`);
    if (g.why) out.push(`     why: ${g.why}`);
    if (g.hint) out.push(`     fix: ${g.hint}`);
    const w = Math.max(...g.rows.map((r) => `${r.device}  ${r.from} → ${r.to}`.length));
    for (const r of g.rows) {
      out.push(`     ${`${r.device}  ${r.from} → ${r.to}`.padEnd(w)}  ${foldMachines(r.machines)}`);
      if (r.repro) out.push(`       replay:  ${r.repro}`);
    }
  }
  return out;
}

export function summaryLine(s: ReportSummary, seconds: number): string {
  const errors = s.errors ? ` (${s.errors} of them errors)` : '';
  return `${s.total} case${s.total === 1 ? '' : 's'}: ${s.passed - s.unexpectedPasses} passed · ${s.expectedFailures} failed as expected · ${s.skipped} skipped · ${s.incomplete ? `${s.incomplete} incomplete · ` : ''}${s.unexpected} unexpected${errors}   (${seconds.toFixed(1)} s)`;
}

/** The terminal's progress bar: cases done of total, unexpected so far. */
export function progressBar(done: number, total: number, unexpected: number, seconds: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} cases · ${unexpected} unexpected · ${seconds.toFixed(0)} s`;
}

export { ENVELOPE_VERSION, jsonEnvelope } from './envelope.js';
