/**
 * junit.xml: one <testcase> per case (one direction of one device, release
 * pair and machine type), one <testsuite> per device. What GitLab CI and
 * Jenkins read: an unexpected result is a <failure> whose text carries the
 * kind, VMSD, field path, offset, seed and the replay command; a case that
 * fails as its scenario expects passes (the verdict matched), with the
 * expected failure in <system-out>; a case that threw is an <error>. A case
 * that cannot apply (a machine type or device one release lacks) is left
 * out and counted in the `vmcompat.not-applicable` property, unless
 * `junitSkips` keeps it as <skipped>. Valid against junit.xsd beside this file.
 */
import { hex } from '../../src/wire/errors.js';
import { failureWhere, type Report, type ReportCase } from '../../src/check/report-schema.js';

// XML 1.0 allows tab, newline, carriage return and everything from 0x20 on (minus surrogates and U+FFFE/F).
const INVALID = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const clean = (s: string) => s.replace(INVALID, '\uFFFD');
export const xmlText = (s: string) => clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
export const xmlAttr = (s: string) => xmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

const secs = (ms: number) => (ms / 1000).toFixed(3);
/** Jenkins' schema wants a timestamp without a zone: UTC, to the second. */
export const junitTimestamp = (iso: string) => new Date(iso).toISOString().slice(0, 19);

function arrow(c: ReportCase) {
  return `${c.device} ${c.from} → ${c.to} @ ${c.machine}`;
}

/** The failure text: everything needed to act on it without opening another file. */
export function failureText(c: ReportCase): string {
  const lines: string[] = [];
  const verdict = c.outcome === 'unexpected-pass' ? 'UNEXPECTED PASS' : c.outcome === 'error' ? 'ERROR' : c.outcome === 'expected-failure' ? 'expected failure' : 'UNEXPECTED FAILURE';
  lines.push(`${arrow(c)} · ${verdict}`);
  if (c.cause) lines.push(`cause: ${c.cause}: ${c.why ?? ''}`, `hint: ${c.hint ?? ''}`);
  lines.push(`expected: ${c.expected === 'pass' ? 'pass' : `fail with ${c.expectedKind}`}${c.scenario ? ` (scenario ${c.scenario})` : ' (no scenario names this case)'}`);
  if (c.reference) lines.push(`reference: ${c.reference}`);
  if (c.status === 'pass') lines.push(`verdict: ${c.states} states passed both ways, round trip exact`);
  if (c.kind) {
    lines.push(`kind: ${c.kind}${c.detail?.qemuKind && c.detail.qemuKind !== c.kind ? ` (QEMU: ${c.detail.qemuKind})` : ''}`);
    if (c.vmsd) lines.push(`vmsd: ${c.vmsd}`);
    if (c.path) lines.push(`path: ${c.path}`);
    if (c.offset !== null) lines.push(`offset: ${hex(c.offset)} (${c.offset})`);
    if (c.detail) lines.push(`stage: ${c.detail.stage}: ${c.detail.saver} saved, ${c.detail.loader} loaded`);
  }
  if (c.message) lines.push(`message: ${c.message}`);
  for (const q of c.detail?.qemu ?? []) lines.push(`qemu: ${q}`);
  if (c.seed !== null) lines.push(`seed: ${c.seed}${c.replayPath ? `  path: ${c.replayPath}` : ''}${c.shrinks !== null ? `  (shrunk in ${c.shrinks} steps)` : ''}`);
  if (c.repro) lines.push(`replay: ${c.repro}`);
  if (c.hexdump) lines.push('', ...c.hexdump);
  if (c.counterexampleDiff !== null && c.status === 'fail') {
    const d = JSON.stringify(c.counterexampleDiff);
    lines.push('', d === '{}' ? 'smallest state: a freshly reset device' : `smallest state, where it differs from a freshly reset device: ${d}`);
  }
  return lines.join('\n');
}

function testcase(c: ReportCase): string {
  const open = `    <testcase name="${xmlAttr(c.id)}" classname="${xmlAttr(`vmcompat.${c.device}`)}" time="${secs(c.durationMs)}"`;
  const body: string[] = [];
  if (c.outcome === 'skip') body.push(`      <skipped message="${xmlAttr(c.message ?? 'not applicable')}"/>`);
  else if (c.outcome === 'error') {
    body.push(`      <error message="${xmlAttr((c.message ?? '').split('\n')[0]!)}" type="error">${xmlText(failureText(c))}</error>`);
  } else if (c.outcome === 'incomplete') {
    body.push(`      <failure message="${xmlAttr((c.message ?? '').split('\n')[0]!)}" type="incomplete">${xmlText(failureText(c))}</failure>`);
  } else if (c.outcome === 'unexpected-pass') {
    const msg = `expected a ${c.expectedKind} failure, but ${c.states} states passed: if it is fixed, update the scenario`;
    body.push(`      <failure message="${xmlAttr(msg)}" type="unexpected-pass">${xmlText(failureText(c))}</failure>`);
  } else if (c.outcome === 'unexpected-failure') {
    const msg = `${failureWhere(c)}${c.expected === 'fail' ? ` (expected ${c.expectedKind})` : ''}${c.cause ? ` · ${c.cause}` : ''}${c.repro ? ` · replay: ${c.repro}` : ''}`;
    body.push(`      <failure message="${xmlAttr(msg)}" type="${xmlAttr(c.kind ?? 'failure')}">${xmlText(failureText(c))}</failure>`);
  }
  if (c.outcome === 'expected-failure' || c.unexpected) body.push(`      <system-out>${xmlText(failureText(c))}</system-out>`);
  return body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`;
}

export function renderJunit(report: Report, opts: { junitSkips?: boolean } = {}): string {
  const inapplicable = report.cases.filter((c) => c.outcome === 'skip').length;
  const cases = opts.junitSkips ? report.cases : report.cases.filter((c) => c.outcome !== 'skip');
  const stamp = junitTimestamp(report.run.startedAt);
  const count = (cs: readonly ReportCase[]) => ({
    tests: cs.length,
    failures: cs.filter((c) => c.outcome === 'unexpected-failure' || c.outcome === 'unexpected-pass' || c.outcome === 'incomplete').length,
    errors: cs.filter((c) => c.outcome === 'error').length,
    skipped: cs.filter((c) => c.outcome === 'skip').length,
    time: secs(cs.reduce((t, c) => t + c.durationMs, 0)),
  });
  const attrs = (n: ReturnType<typeof count>) => `tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="${n.skipped}" time="${n.time}"`;
  const devices = [...new Set(cases.map((c) => c.device))];
  const props: [string, string][] = [
    ['vmcompat.version', report.tool.version],
    ['mode', report.config.mode],
    ['seed', String(report.config.seed ?? '')],
    ['runs', String(report.config.runs ?? '')],
    ['plan', report.plan.fingerprint],
    ['shards', report.shards ? report.shards.map((s) => `${s.index}/${s.count}`).join(' ') : 'whole plan'],
    // how many cases cannot apply (listed as <skipped> only with --junit-skips)
    ['vmcompat.not-applicable', String(inapplicable)],
  ];
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="vmcompat" ${attrs(count(cases))}>`];
  devices.forEach((d, id) => {
    const cs = cases.filter((c) => c.device === d);
    out.push(`  <testsuite name="${xmlAttr(d)}" id="${id}" ${attrs(count(cs))} timestamp="${stamp}">`);
    out.push('    <properties>');
    for (const [k, v] of props) out.push(`      <property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`);
    out.push('    </properties>');
    for (const c of cs) out.push(testcase(c));
    out.push('  </testsuite>');
  });
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
