/**
 * judgeProve's row verdicts: a row a case of which threw (or was skipped) is an
 * ERROR, the tool's or the model's fault; a row a build could not run is COULD NOT
 * RUN, the binary's; both leave the proof undecided, and the reason counts each.
 */
import { describe, expect, it } from 'vitest';
import { judgeProve, proveCases, type ProvePlan } from './prove.js';
import type { ReportCase } from './report-schema.js';

const plan = (devices: string[]): ProvePlan => ({
  base: '8.2.0',
  fix: '9.0.1',
  peer: '9.0.0',
  machines: ['pc-q35-8.2'],
  devices,
  cases: proveCases({ base: '8.2.0', fix: '9.0.1', peer: '9.0.0' }, devices, ['pc-q35-8.2']),
  peerLacks: [],
});

type Status = 'pass' | 'fail' | 'error' | 'skip';
const results = (p: ProvePlan, status: (device: string, k: number) => Status): ReportCase[] =>
  p.cases.map((c, i) => {
    const s = status(c.device, i % 6);
    return { ...c, status: s, outcome: s === 'pass' ? 'pass' : s === 'fail' ? 'unexpected-failure' : 'error', unexpected: s !== 'pass', kind: s === 'fail' ? 'start-failed' : null } as unknown as ReportCase;
  });

describe('prove row verdicts', () => {
  it('a case that threw makes its row ERROR, a case a build could not run COULD NOT RUN, and the reason names both counts', () => {
    const p = plan(['a', 'b', 'c', 'd']);
    // a: the fix's forward case threw; b: the fix could not start; c: fixed; d: skipped
    const rs = results(p, (d, k) => (d === 'a' && k === 2 ? 'error' : d === 'b' && k === 2 ? 'fail' : d === 'c' && k < 2 ? 'fail' : d === 'd' && k === 0 ? 'skip' : 'pass'));
    const cannot = new Set(rs.filter((c) => c.device === 'b' && c.status === 'fail').map((c) => c.index));
    const v = judgeProve(p, rs, { cannotRun: (c) => cannot.has(c.index) });
    expect(v.rows.map((r) => `${r.device}:${r.verdict}`)).toEqual(['a:error', 'b:could-not-run', 'c:fixed', 'd:error']);
    expect(v.proved).toBe(false);
    expect(v.reason).toBe(
      'not proved: 2 device × machine type combinations could not be checked (a case threw or was skipped); 1 device × machine type combination could not be run (a build could not run a case)',
    );
  });

  it('a row with both a case that threw and one a build could not run is an ERROR: the tool fault is the one to look at first', () => {
    const p = plan(['a']);
    const rs = results(p, (_d, k) => (k === 0 ? 'error' : k === 2 ? 'fail' : 'pass'));
    const v = judgeProve(p, rs, { cannotRun: (c) => c.index === 2 });
    expect(v.rows.map((r) => r.verdict)).toEqual(['error']);
  });

  it('without cannotRun, a failing fix is NOT FIXED or REGRESSED, never could-not-run', () => {
    const p = plan(['a', 'b']);
    const rs = results(p, (d, k) => (k === 2 || (d === 'a' && k === 0) ? 'fail' : 'pass'));
    expect(judgeProve(p, rs).rows.map((r) => r.verdict)).toEqual(['not-fixed', 'regressed']);
  });
});
