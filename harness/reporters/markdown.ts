/**
 * summary.md: a merge request comment. The verdict first, then what needs
 * a person (unexpected results, each with its replay command), then a
 * device × release pair overview; expected failures folded away.
 */
import { failureWhere, type Report, type ReportCase } from '../../src/check/report-schema.js';
import { failureGroups, foldMachines, groupCount, type FailureGroup } from './groups.js';

const MAX_ROWS = 50;
/** GitHub rejects comments over 65,536 characters; GitLab's limit is higher. Stay under both. */
export const MAX_CHARS = 60_000;
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

const VERDICT: Record<ReportCase['outcome'], string> = {
  pass: '✅ pass',
  'expected-failure': '🟧 failed as expected',
  skip: '⏭️ skipped',
  incomplete: '❓ incomplete: a field was never generated',
  'unexpected-pass': '❌ unexpected pass',
  'unexpected-failure': '❌ unexpected failure',
  error: '💥 error',
};

function rows(cases: readonly ReportCase[], withExpected: boolean, withReplay: boolean, budget: number): string[] {
  const out = [
    `| case | verdict | where | why |${withExpected ? ' expected |' : ''}${withReplay ? ' replay |' : ''}`,
    `|---|---|---|---|${withExpected ? '---|' : ''}${withReplay ? '---|' : ''}`,
  ];
  let used = out.join('\n').length;
  let shown = 0;
  for (const c of cases.slice(0, MAX_ROWS)) {
    const where = c.status === 'pass' ? `${c.states} states passed` : c.status === 'error' ? cell((c.message ?? '').split('\n')[0]!) : cell(failureWhere(c));
    const expected = c.expected === 'pass' ? 'pass' : `fail: ${c.expectedKind}`;
    const why = c.cause ? `**${c.cause}**: ${cell(c.why ?? '')}${c.hint ? ` — fix: ${cell(c.hint)}` : ''}` : '';
    const line = `| ${code(c.id)} | ${VERDICT[c.outcome]} | ${where} | ${why} |${withExpected ? ` ${expected} |` : ''}${withReplay ? ` ${c.repro ? code(c.repro) : ''} |` : ''}`;
    if (used + line.length + 1 > budget) break;
    out.push(line);
    used += line.length + 1;
    shown++;
  }
  if (shown < cases.length) out.push('', `… and ${cases.length - shown} more: see report.html or report.json.`);
  return out;
}

/** One bullet per VMSD and cause: the cause, the fix, the cases per direction with one replay line each. */
function groupSection(groups: readonly FailureGroup[], budget: number): string[] {
  const out = ['#### Failures by VMSD and cause', ''];
  let used = out.join('\n').length;
  let shown = 0;
  for (const g of groups) {
    const lines = [`- ${g.unexpected ? '❌' : '🟧'} **${g.vmsd}** · \`${g.cause}\` · ${groupCount(g)}`];
    if (g.why) lines.push(`  ${cell(g.why)}${g.hint ? ` — fix: ${cell(g.hint)}` : ''}`);
    for (const r of g.rows) lines.push(`  - ${code(`${r.device} ${r.from} → ${r.to}`)} at ${code(foldMachines(r.machines))}${r.repro ? ` — replay: ${code(r.repro)}` : ''}`);
    const text = lines.join('\n');
    if (used + text.length + 1 > budget) break;
    out.push(...lines);
    used += text.length + 1;
    shown++;
  }
  if (shown < groups.length) out.push('', `… and ${groups.length - shown} more groups: see report.html or report.json.`);
  out.push('');
  return out;
}

/** Per device and release pair: the symbols of every direction and machine type, folded into counts. */
function overview(report: Report): string[] {
  const pairs = report.plan.pairs.filter(([a, b]) => report.cases.some((c) => (c.from === a && c.to === b) || (c.from === b && c.to === a)));
  const out = [`| device | ${pairs.map(([a, b]) => `${a} ↔ ${b}`).join(' | ')} |`, `|---|${pairs.map(() => '---|').join('')}`];
  const devices = [...new Set(report.cases.map((c) => c.device))];
  for (const d of devices) {
    const cells = pairs.map(([a, b]) => {
      const cs = report.cases.filter((c) => c.device === d && ((c.from === a && c.to === b) || (c.from === b && c.to === a)));
      if (cs.length === 0) return '';
      const n = (f: (c: ReportCase) => boolean) => cs.filter(f).length;
      const parts = [
        [n((c) => c.unexpected), '❌'],
        [n((c) => c.outcome === 'expected-failure'), '🟧'],
        [n((c) => c.outcome === 'pass'), '✅'],
        [n((c) => c.outcome === 'skip'), '⏭️'],
      ] as const;
      return parts.filter(([k]) => k > 0).map(([k, s]) => `${s} ${k}`).join(' ');
    });
    out.push(`| ${code(d)} | ${cells.join(' | ')} |`);
  }
  return out;
}

export function renderMarkdown(report: Report): string {
  const s = report.summary;
  const c = report.config;
  const unexpected = report.cases.filter((x) => x.unexpected);
  const expectedFailures = report.cases.filter((x) => x.outcome === 'expected-failure');
  const head =
    s.unexpected === 0
      ? `### ✅ vmcompat: all ${s.total} cases as expected`
      : `### ❌ vmcompat: ${s.unexpected} unexpected result${s.unexpected === 1 ? '' : 's'} in ${s.total} cases`;
  const states = c.mode === 'examples' ? 'hand-written states' : `${c.runs} states/case · seed ${c.seed}`;
  const shards = report.shards ? ` · shards ${report.shards.map((x) => `${x.index}/${x.count}`).join(', ')}` : '';
  const lines = [
    head,
    '',
    `releases ${report.plan.releases.join(' ')} · ${report.plan.devices.length} devices · ${report.plan.machines.length} machine types · ${states}${shards} · ${(report.run.durationMs / 1000).toFixed(1)} s`,
    '',
    `| ✅ passed | 🟧 failed as expected | ⏭️ skipped | ❌ unexpected |`,
    `|---|---|---|---|`,
    `| ${s.passed - s.unexpectedPasses} | ${s.expectedFailures} | ${s.skipped} | ${s.unexpected}${s.errors ? ` (${s.errors} errors)` : ''} |`,
    '',
  ];
  const overviewLines = ['#### By device and release pair (both directions, every machine type)', '', ...overview(report), ''];
  const tail = 200;
  const left = () => MAX_CHARS - lines.join('\n').length - tail;
  if (unexpected.length) lines.push('#### Unexpected results', '', ...rows(unexpected, true, true, Math.max(0, left() - overviewLines.join('\n').length)), '');
  const groups = failureGroups(report.cases);
  if (groups.length && left() > 500) lines.push(...groupSection(groups, Math.max(0, left() - overviewLines.join('\n').length)));
  lines.push(...overviewLines);
  if (expectedFailures.length && left() > 500) {
    const title = `<details><summary>${expectedFailures.length} expected failure${expectedFailures.length === 1 ? '' : 's'}</summary>`;
    lines.push(title, '', ...rows(expectedFailures, false, true, left() - title.length - 20), '', '</details>', '');
  }
  lines.push(`Replay any failure with the command beside it; \`report.html\` shows each one with its annotated hex dump.`);
  return lines.join('\n') + '\n';
}
