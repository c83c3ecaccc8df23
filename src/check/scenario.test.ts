import { describe, expect, it } from 'vitest';
import { expectedKindText, expectedKinds, failsAsExpected, parseScenario } from './scenario.js';
import { isUnexpected } from './run.js';
import { VmError } from '../wire/errors.js';

const doc = (expect: unknown) => JSON.stringify({ name: 's', cases: [{ device: 'd', from: 'a', to: 'b', machine: 'm', expect }] });
const parsed = (expect: unknown) => parseScenario(doc(expect), 's.json').cases[0]!.expect;
const refused = (expectation: unknown): string => {
  try {
    parseScenario(doc(expectation), 's.json');
  } catch (e) {
    expect(e).toBeInstanceOf(VmError);
    expect((e as VmError).kind).toBe('bad-input');
    return (e as VmError).message;
  }
  throw new Error('accepted');
};

describe('scenario expectations', () => {
  it('one failure kind, as before: no alternatives', () => {
    expect(parsed({ status: 'fail', kind: 'state-loss' })).toEqual({ status: 'fail', kind: 'state-loss' });
    expect(parsed('pass')).toEqual({ status: 'pass' });
  });

  it('a list of kinds: the first is the kind, the others are accepted too', () => {
    const e = parsed({ status: 'fail', kind: ['post-load-failed', 'state-loss'] });
    expect(e).toEqual({ status: 'fail', kind: 'post-load-failed', orKinds: ['state-loss'] });
    expect(expectedKinds(e)).toEqual(['post-load-failed', 'state-loss']);
    expect(expectedKindText(e)).toBe('post-load-failed or state-loss');
    expect([failsAsExpected(e, 'state-loss'), failsAsExpected(e, 'post-load-failed'), failsAsExpected(e, 'value-changed'), failsAsExpected(e, null)]).toEqual([true, true, false, false]);
  });

  it('a case fails as expected with any listed kind, and unexpectedly with another or by passing', () => {
    const e = parsed({ status: 'fail', kind: ['post-load-failed', 'state-loss'] });
    expect(isUnexpected('fail', 'state-loss', e)).toBe(false);
    expect(isUnexpected('fail', 'post-load-failed', e)).toBe(false);
    expect(isUnexpected('fail', 'value-changed', e)).toBe(true);
    expect(isUnexpected('pass', null, e)).toBe(true);
    const one = parsed({ status: 'fail', kind: 'state-loss' });
    expect(isUnexpected('fail', 'post-load-failed', one)).toBe(true);
  });

  it('refuses an empty list, an unknown kind in a list (naming its index) and a kind listed twice', () => {
    expect(refused({ status: 'fail', kind: [] })).toMatch(/^s\.json: cases\[0\]\.expect\.kind: an empty list/);
    expect(refused({ status: 'fail', kind: ['state-loss', 'melted'] })).toMatch(/^s\.json: cases\[0\]\.expect\.kind\[1\]: unknown failure kind "melted"/);
    expect(refused({ status: 'fail', kind: ['state-loss', 7] })).toMatch(/cases\[0\]\.expect\.kind\[1\]: unknown failure kind 7/);
    expect(refused({ status: 'fail', kind: ['state-loss', 'state-loss'] })).toMatch(/cases\[0\]\.expect\.kind\[1\]: failure kind 'state-loss' listed twice/);
    expect(refused({ status: 'fail', kind: 'melted' })).toMatch(/cases\[0\]\.expect\.kind: unknown failure kind "melted"/);
  });
});
