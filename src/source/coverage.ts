import type { Dump } from '../static/dump.js';
import type { ExtractedModel } from './model.js';
import { validateAgainstDump, type Mismatch } from './validate.js';

/**
 * The coverage figure of an extracted model against a binary: per machine
 * type, how many of the device classes in its `-dump-vmstate` the model
 * rebuilds field by field, and every one it does not, with the reason.
 */
export interface MachineCoverage {
  machine: string;
  total: number;
  matched: number;
  /** matched / total, in percent (0 when the dump lists nothing). */
  percent: number;
  mismatches: Mismatch[];
}

export interface Coverage {
  version: string;
  machines: MachineCoverage[];
  /** The lowest percentage over the machine types (0 when none was compared). */
  lowest: number;
}

/** The threshold below which the extraction is not trusted. */
export const COVERAGE_TARGET = 95;

export function coverage(model: ExtractedModel, dumps: readonly Dump[]): Coverage {
  const machines = dumps.map((d): MachineCoverage => {
    const v = validateAgainstDump(model, d);
    return { machine: v.machine, total: v.total, matched: v.matched.length, percent: v.total ? (100 * v.matched.length) / v.total : 0, mismatches: v.mismatches };
  });
  return { version: model.version, machines, lowest: machines.length ? Math.min(...machines.map((m) => m.percent)) : 0 };
}

/** Whether the coverage is good enough: something was compared at every machine type and each reaches the target. */
export function coverageHolds(c: Coverage, target = COVERAGE_TARGET): boolean {
  return c.machines.length > 0 && c.machines.every((m) => m.total > 0 && m.percent >= target);
}

/** `pc-q35-10.0` → [10, 0]; null for a name without a version. */
function versionOf(name: string): [number, number] | null {
  const m = /-(\d+)\.(\d+)$/.exec(name);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * The machine types to validate at by default: of each of the pc-q35 and
 * pc-i440fx families, the newest and the oldest versioned machine type that
 * both the tree and the binary know (an old one exercises the compat chain).
 */
export function defaultValidationMachines(treeMachines: readonly string[], binaryMachines: readonly string[]): string[] {
  const known = new Set(binaryMachines);
  const out: string[] = [];
  for (const family of ['pc-q35-', 'pc-i440fx-']) {
    const list = treeMachines
      .filter((n) => n.startsWith(family) && known.has(n) && versionOf(n))
      .sort((a, b) => {
        const [x, y] = [versionOf(a)!, versionOf(b)!];
        return y[0] - x[0] || y[1] - x[1];
      });
    if (list.length) out.push(list[0]!);
    if (list.length > 1) out.push(list[list.length - 1]!);
  }
  return out;
}
