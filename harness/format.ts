import { hex } from '../src/wire/errors.js';
import type { CaseResult, Summary } from '../src/check/run.js';

export interface Style {
  color: boolean;
}

const paint = (on: boolean, code: number, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export function where(r: Pick<CaseResult, 'kind' | 'vmsd' | 'path' | 'offset'>): string {
  const parts = [r.kind ?? ''];
  if (r.vmsd || r.path) parts.push(`in ${[r.vmsd, r.path].filter(Boolean).join(' ')}`);
  if (r.offset !== null && r.offset !== undefined) parts.push(`@${hex(r.offset)}`);
  return parts.join(' ');
}

/** One line per case: mark, device, from → to, machine, verdict. */
export function caseLine(r: CaseResult, widths: { device: number; pair: number; machine: number }, st: Style): string {
  const pair = `${r.from} → ${r.to}`;
  const head = `${r.device.padEnd(widths.device)}  ${pair.padEnd(widths.pair)}  ${r.machine.padEnd(widths.machine)}`;
  if (r.status === 'skip') return ` ${paint(st.color, 90, '-')} ${head}  skipped: ${r.message}`;
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
  return ` ${paint(st.color, r.unexpected ? 31 : 33, '✗')} ${head}  ${label} · ${where(r)}`;
}

export function columnWidths(results: readonly CaseResult[]) {
  return {
    device: Math.max(6, ...results.map((r) => r.device.length)),
    pair: Math.max(8, ...results.map((r) => `${r.from} → ${r.to}`.length)),
    machine: Math.max(7, ...results.map((r) => r.machine.length)),
  };
}

/** The explanation block printed under an unexpected failure. */
export function explain(r: CaseResult): string[] {
  const f = r.failure;
  if (!f) return [];
  const out = [`     ${f.stage}: ${f.saver} saved, ${f.loader} loaded`, `     ${f.message}`];
  for (const line of f.qemu) out.push(`     qemu: ${line}`);
  if (r.repro) out.push(`     replay:  ${r.repro}`);
  return out;
}

export function summaryLine(s: Summary, seconds: number): string {
  return `${s.total} cases: ${s.passed} passed · ${s.expectedFailures} failed as expected · ${s.skipped} skipped · ${s.unexpected} unexpected   (${seconds.toFixed(1)} s)`;
}
