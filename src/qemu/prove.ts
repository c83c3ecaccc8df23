import { CASES_PER_ROW, proveCases, proveDirections, type ProvePlan } from '../check/prove.js';
import type { QemuBinary } from './binaries.js';
import { DETERMINISTIC_RTC, binaryFault, deviceColumn, runDirection, type RealCaseResult, type RealCaseSpec } from './case.js';
import { saveToFile } from './driver.js';
import { QemuError } from './errors.js';
import { isVersioned, listMachines, selectMachines, sharedMachines } from './machines.js';
import { mapLimit } from './matrix.js';
import type { ModelFor } from './model.js';

/**
 * Proving a fix with real builds: the cases of a model proof (src/check/prove.ts
 * lays them out and judges them), each one a real migration. Per machine type
 * every build saves once; the six directions load those streams.
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
  /** Release models by version: a rejected stream is explained field by field. */
  models?: ModelFor;
}

export interface BinaryProveRun {
  plan: ProvePlan;
  /** One per planned case, in plan order. */
  results: RealCaseResult[];
}

/** Each build's save, once per machine type, shared by the cases that start from it. */
async function saveOnce(bin: QemuBinary, spec: RealCaseSpec): Promise<Uint8Array | undefined> {
  try {
    return await saveToFile({ binary: bin, vm: { machine: spec.machine, devices: spec.devices, memMb: spec.memMb, args: DETERMINISTIC_RTC }, timeoutMs: spec.timeoutMs });
  } catch (e) {
    if (e instanceof QemuError) return undefined; // runDirection saves again and reports why it cannot
    throw e;
  }
}

/** Versioned machine types base and fix both offer and the peer does not: where a fix may apply unprovably. */
async function peerLacks(spec: BinaryProveSpec): Promise<string[]> {
  const [b, f, p] = await Promise.all([spec.base, spec.fix, spec.peer].map(listMachines));
  const fixNames = new Set(f!.map((m) => m.name));
  const peerNames = new Set(p!.map((m) => m.name));
  const both = b!.filter((m) => fixNames.has(m.name) && !peerNames.has(m.name));
  return selectMachines(both.map((m) => m.name), ['all'], new Set(both.filter(isVersioned).map((m) => m.name)));
}

export async function proveWithBinaries(spec: BinaryProveSpec): Promise<BinaryProveRun> {
  const { base, fix, peer } = spec;
  const machines = await sharedMachines([base, fix, peer], spec.machines ?? ['all']);
  const device = deviceColumn(spec.devices);
  const cases = proveCases({ base: base.name, fix: fix.name, peer: peer.name }, [device], machines);
  const plan: ProvePlan = { base: base.name, fix: fix.name, peer: peer.name, machines, devices: [device], cases, peerLacks: await peerLacks(spec) };
  const rows = await mapLimit(machines, spec.concurrency ?? 1, async (machine) => {
    const one = (a: QemuBinary, b: QemuBinary): RealCaseSpec => ({ a, b, machine, devices: spec.devices, memMb: spec.memMb, timeoutMs: spec.timeoutMs, models: spec.models });
    const streams = new Map<QemuBinary, Uint8Array | undefined>();
    for (const bin of [base, fix, peer]) if (!streams.has(bin)) streams.set(bin, await saveOnce(bin, one(bin, bin)));
    const out: RealCaseResult[] = [];
    // the order proveCases lays out
    for (const [from, to] of proveDirections(base, fix, peer)) {
      out.push(await runDirection(one(from, to), from, to, streams.get(from)));
    }
    return out;
  });
  return { plan, results: rows.flat() };
}

/**
 * A proof's failures sorted as the exit code reads them (#14): the cases a build
 * could not run at all (binaryFault), the migration failures that decide
 * against the proof (the fix against the peer, and a move across the fix no
 * scenario expects to fail), and the base's failures against the peer, which
 * are what a proof looks for and decide nothing by themselves. Results are in
 * plan order (proveCases: CASES_PER_ROW per row).
 */
export function sortProveFailures(results: readonly RealCaseResult[]): { cannotRun: RealCaseResult[]; decisive: RealCaseResult[]; baseFailures: RealCaseResult[] } {
  const out = { cannotRun: [] as RealCaseResult[], decisive: [] as RealCaseResult[], baseFailures: [] as RealCaseResult[] };
  results.forEach((r, i) => {
    if (r.status !== 'fail') return;
    if (binaryFault(r.failure)) out.cannotRun.push(r);
    else if (i % CASES_PER_ROW < 2) out.baseFailures.push(r);
    else if (i % CASES_PER_ROW < 4 || r.unexpected) out.decisive.push(r);
  });
  return out;
}

/**
 * The exit status of a proof with real builds: 0 proved (and base ↔ fix as
 * expected), 2 when it is not and the only reason is a build that cannot run
 * (no decisive migration failure), 1 as soon as a migration decides against it.
 */
export function proveExitCode(ok: boolean, sorted: ReturnType<typeof sortProveFailures>): 0 | 1 | 2 {
  if (ok) return 0;
  return sorted.cannotRun.length && !sorted.decisive.length ? 2 : 1;
}
