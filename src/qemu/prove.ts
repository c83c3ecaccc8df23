import type { QemuBinary } from './binaries.js';
import { DETERMINISTIC_RTC, runDirection, type RealCaseResult, type RealCaseSpec } from './case.js';
import { saveToFile } from './driver.js';
import { QemuError } from './errors.js';
import { sharedMachines } from './machines.js';
import { mapLimit } from './matrix.js';

/**
 * Proving a fix with real builds: at every machine type the base, the fix and the
 * peer all know, the base fails against the peer and the fix passes against it, both
 * ways. The same before/after table as `prove` with release models.
 */

export interface BinaryProveSpec {
  base: QemuBinary;
  fix: QemuBinary;
  peer: QemuBinary;
  /** Globs or `all` (default): versioned machine types all three know. */
  machines?: string[];
  /** `-device` values for the guest. */
  devices: string[];
  memMb?: number;
  timeoutMs?: number;
  /** Machine types in flight at once (default 1). */
  concurrency?: number;
  onRow?: (row: BinaryProveRow) => void;
}

export type BinaryRowVerdict = 'fixed' | 'unaffected' | 'not-fixed' | 'regressed' | 'skipped';

export interface BinaryProveRow {
  machine: string;
  /** forward: the build sends to the peer; backward: the peer sends to it. */
  base: { forward: RealCaseResult; backward: RealCaseResult };
  fix: { forward: RealCaseResult; backward: RealCaseResult };
  verdict: BinaryRowVerdict;
}

export interface BinaryProveOutcome {
  machines: string[];
  rows: BinaryProveRow[];
  proved: boolean;
  reason: string;
}

const passes = (r: RealCaseResult) => r.status === 'pass';

export function rowVerdict(base: [RealCaseResult, RealCaseResult], fix: [RealCaseResult, RealCaseResult]): BinaryRowVerdict {
  if ([...base, ...fix].some((r) => r.status === 'skip')) return 'skipped';
  const baseOk = base.every(passes);
  const fixOk = fix.every(passes);
  return fixOk ? (baseOk ? 'unaffected' : 'fixed') : baseOk ? 'regressed' : 'not-fixed';
}

export function judge(rows: readonly BinaryProveRow[], names: { base: string; fix: string; peer: string }): { proved: boolean; reason: string } {
  const n = (v: BinaryRowVerdict) => rows.filter((r) => r.verdict === v).length;
  const at = (k: number) => `${k} machine type${k === 1 ? '' : 's'}`;
  const skipped = n('skipped') ? `; ${at(n('skipped'))} skipped (a build cannot run the guest)` : '';
  if (n('not-fixed') || n('regressed')) {
    const parts = [];
    if (n('not-fixed')) parts.push(`the fix ${names.fix} still fails where the base fails at ${at(n('not-fixed'))}`);
    if (n('regressed')) parts.push(`the fix ${names.fix} fails where the base passes at ${at(n('regressed'))}`);
    return { proved: false, reason: `not proved: ${parts.join('; ')}${skipped}` };
  }
  if (n('fixed') === 0) {
    return {
      proved: false,
      reason: n('unaffected')
        ? `nothing to prove: the base ${names.base} already passes against the peer ${names.peer} at every machine type checked${skipped}`
        : `not proved: no machine type could be checked${skipped}`,
    };
  }
  return {
    proved: true,
    reason: `proved: the fix passes both ways at ${at(n('fixed'))} where the base fails, and breaks nothing${n('unaffected') ? ` (${at(n('unaffected'))} pass with both)` : ''}${skipped}`,
  };
}

/** Each build's save, once per machine type, shared by the cases that start from it. */
async function saveOnce(bin: QemuBinary, spec: RealCaseSpec): Promise<Uint8Array | undefined> {
  try {
    return await saveToFile({ binary: bin, vm: { machine: spec.machine, devices: spec.devices, memMb: spec.memMb, args: DETERMINISTIC_RTC }, timeoutMs: spec.timeoutMs });
  } catch (e) {
    if (e instanceof QemuError) return undefined; // runDirection saves again and reports the skip
    throw e;
  }
}

export async function proveWithBinaries(spec: BinaryProveSpec): Promise<BinaryProveOutcome> {
  const machines = await sharedMachines([spec.base, spec.fix, spec.peer], spec.machines ?? ['all']);
  const rows = await mapLimit(machines, spec.concurrency ?? 1, async (machine) => {
    const one = (a: QemuBinary, b: QemuBinary): RealCaseSpec => ({ a, b, machine, devices: spec.devices, memMb: spec.memMb, timeoutMs: spec.timeoutMs });
    const peerStream = await saveOnce(spec.peer, one(spec.peer, spec.peer));
    const bf = await runDirection(one(spec.base, spec.peer), spec.base, spec.peer);
    const bb = await runDirection(one(spec.peer, spec.base), spec.peer, spec.base, peerStream);
    const ff = await runDirection(one(spec.fix, spec.peer), spec.fix, spec.peer);
    const fb = await runDirection(one(spec.peer, spec.fix), spec.peer, spec.fix, peerStream);
    const row: BinaryProveRow = { machine, base: { forward: bf, backward: bb }, fix: { forward: ff, backward: fb }, verdict: rowVerdict([bf, bb], [ff, fb]) };
    spec.onRow?.(row);
    return row;
  });
  return { machines, rows, ...judge(rows, { base: spec.base.name, fix: spec.fix.name, peer: spec.peer.name }) };
}
