/**
 * Failures that share one cause, folded together: one group per VMSD and
 * cause (unexpected ones apart from expected ones), each with its cases
 * listed per device and direction, their machine types in the brace
 * notation `--machine` accepts (pc-q35-{8.1,8.2}), and the replay line of
 * the first case of each direction. The terminal and summary.md print them.
 */
import type { ReportCase } from '../../src/check/report-schema.js';

export interface GroupRow {
  device: string;
  from: string;
  to: string;
  machines: string[];
  /** The first case's replay command (each case's own is in report.json). */
  repro: string | null;
}

export interface FailureGroup {
  vmsd: string;
  cause: string;
  unexpected: boolean;
  /** The failure kinds its cases report, in order of first appearance. */
  kinds: string[];
  /** The first case's one-line cause and usual fix (the others say the same in their own names). */
  why: string | null;
  hint: string | null;
  cases: ReportCase[];
  rows: GroupRow[];
}

const isFailure = (c: ReportCase) => c.status === 'fail';

/** The failing cases, grouped; unexpected groups first, then by size. */
export function failureGroups(cases: readonly ReportCase[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const c of cases.filter(isFailure)) {
    const vmsd = c.vmsd ?? c.device;
    const cause = c.cause ?? 'unexplained';
    const key = `${c.unexpected}\u0000${vmsd}\u0000${cause}`;
    let g = groups.get(key);
    if (!g) {
      g = { vmsd, cause, unexpected: c.unexpected, kinds: [], why: c.why, hint: c.hint, cases: [], rows: [] };
      groups.set(key, g);
    }
    g.cases.push(c);
    if (c.kind && !g.kinds.includes(c.kind)) g.kinds.push(c.kind);
    let row = g.rows.find((r) => r.device === c.device && r.from === c.from && r.to === c.to);
    if (!row) {
      row = { device: c.device, from: c.from, to: c.to, machines: [], repro: c.repro };
      g.rows.push(row);
    }
    row.machines.push(c.machine);
  }
  return [...groups.values()].sort((a, b) => Number(b.unexpected) - Number(a.unexpected) || b.cases.length - a.cases.length);
}

/**
 * Machine type names folded by family: ['pc-q35-8.1', 'pc-q35-8.2', 'pc-i440fx-8.2']
 * → 'pc-q35-{8.1,8.2} pc-i440fx-8.2' (each word a glob `--machine` takes).
 */
export function foldMachines(names: readonly string[]): string {
  const families = new Map<string, string[]>();
  const whole: string[] = [];
  for (const n of names) {
    const m = /^(.*-)(\d+\.\d+)$/.exec(n);
    if (!m) {
      whole.push(n);
      continue;
    }
    const list = families.get(m[1]!) ?? [];
    list.push(m[2]!);
    families.set(m[1]!, list);
  }
  const byVersion = (a: string, b: string) => {
    const [x1, y1] = a.split('.').map(Number);
    const [x2, y2] = b.split('.').map(Number);
    return x1! - x2! || y1! - y2!;
  };
  const words = [...families].map(([prefix, vs]) => {
    const sorted = [...new Set(vs)].sort(byVersion);
    return sorted.length === 1 ? `${prefix}${sorted[0]}` : `${prefix}{${sorted.join(',')}}`;
  });
  return [...words, ...whole].join(' ');
}

/** How many cases, expected or not, with which kinds. */
export function groupCount(g: FailureGroup): string {
  const n = `${g.cases.length} case${g.cases.length === 1 ? '' : 's'}`;
  return `${n}${g.unexpected ? ', UNEXPECTED' : ', as expected'} (${g.kinds.join(', ') || 'no kind'})`;
}

/** The group's title: VMSD, cause, then the count. */
export function groupTitle(g: FailureGroup): string {
  return `${g.vmsd} · ${g.cause} · ${groupCount(g)}`;
}
