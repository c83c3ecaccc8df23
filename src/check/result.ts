import { createHash } from 'node:crypto';
import type { CaseResult } from './run.js';
import type { Failure } from './failure.js';
import { explainByKind, type Explanation } from './explain.js';

/** Which case a verdict is about: the columns every report row carries. */
export type CaseLabel = Pick<CaseResult, 'id' | 'device' | 'from' | 'to' | 'machine'>;

/**
 * A case's verdict before anything was found: a pass, every finding null.
 * `fields` sets what the caller already knows (expectation, scenario, …);
 * the keys keep this order in the JSON output whatever `fields` holds.
 */
export function caseResult(label: CaseLabel, fields: Partial<CaseResult> = {}): CaseResult {
  return {
    id: label.id,
    device: label.device,
    from: label.from,
    to: label.to,
    machine: label.machine,
    status: 'pass',
    expected: null,
    expectedKind: null,
    kind: null,
    path: null,
    vmsd: null,
    offset: null,
    stage: null,
    message: null,
    cause: null,
    why: null,
    hint: null,
    states: 0,
    unexpected: false,
    scenario: null,
    reference: null,
    seed: null,
    replayPath: null,
    shrinks: null,
    counterexample: null,
    counterexampleDiff: null,
    repro: null,
    streamDigest: null,
    ...fields,
  };
}

/**
 * What a failure sets on a verdict (to `Object.assign` onto it): status,
 * where, why (from the failure alone unless `why` says more, see
 * explain.ts), the failure itself and its stream's digest.
 */
export function failureFields(f: Failure, why: Explanation = explainByKind(f)) {
  return {
    status: 'fail' as const,
    kind: f.kind,
    path: f.path,
    vmsd: f.vmsd,
    offset: f.offset,
    stage: f.stage,
    message: f.message,
    cause: why.cause,
    why: why.text,
    hint: why.hint,
    failure: f,
    streamDigest: f.bytes ? createHash('sha256').update(f.bytes).digest('hex') : null,
  };
}
