import { runRealCase, type RealCaseResult, type RealCaseSpec } from './case.js';
import { sharedMachines } from './machines.js';

/**
 * The real-binary matrix: every machine type both binaries know (or those matching
 * `machines`), each run both ways. Cases run `concurrency` at a time (each is up to
 * two QEMU processes at once); results come back in machine order.
 */
export interface RealMatrixSpec extends Omit<RealCaseSpec, 'machine'> {
  /** Globs or `all` (the default): versioned machine types shared by both binaries. */
  machines?: string[];
  concurrency?: number;
  /** Called as each machine type finishes (progress output). */
  onResult?: (results: RealCaseResult[]) => void;
}

export async function runRealMatrix(spec: RealMatrixSpec): Promise<{ machines: string[]; results: RealCaseResult[] }> {
  const machines = await sharedMachines([spec.a, spec.b], spec.machines ?? ['all']);
  const results = await mapLimit(machines, spec.concurrency ?? 1, async (machine) => {
    const r = await runRealCase({ ...spec, machine });
    spec.onResult?.(r);
    return r;
  });
  return { machines, results: results.flat() };
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
