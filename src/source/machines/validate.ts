import type { ExtractedMachine, MachineExtraction } from './extract.js';

/**
 * Holds extracted machine types against a binary's `query-machines`:
 * the set of machine types, their alias, default and deprecation flags,
 * and (QEMU ≥ 9.1 reports them) every compat property in order. The
 * binary is the truth; each mismatch names the machine type, the entry
 * and the source line it came from.
 */
export interface QueryMachine {
  name: string;
  alias?: string;
  'is-default'?: boolean;
  deprecated?: boolean;
  'compat-props'?: { 'qom-type': string; property: string; value: string }[];
}

export type MismatchKind = 'only-in-binary' | 'only-in-source' | 'compat-entry' | 'compat-length' | 'alias' | 'is-default' | 'deprecated';

export interface MachineMismatch {
  machine: string;
  kind: MismatchKind;
  message: string;
}

export interface MachineValidation {
  /** The tree's version. */
  version: string;
  /** Machine types the binary lists. */
  binaryMachines: number;
  /** Machine types found equal on everything compared. */
  equal: number;
  /** Whether the binary reported compat-props (so the compat lists were compared). */
  comparedCompat: boolean;
  /** Compat entries compared, over all machine types. */
  comparedEntries: number;
  mismatches: MachineMismatch[];
  /** What this binary could not check. */
  unchecked: string[];
}

export function validateMachines(extracted: MachineExtraction, query: readonly QueryMachine[]): MachineValidation {
  const byName = new Map(extracted.machines.map((m) => [m.name, m]));
  const comparedCompat = query.some((q) => q['compat-props'] !== undefined);
  const out: MachineValidation = { version: extracted.version, binaryMachines: query.length, equal: 0, comparedCompat, comparedEntries: 0, mismatches: [], unchecked: [] };
  if (query.length === 0) {
    out.mismatches.push({ machine: '*', kind: 'only-in-source', message: 'the binary listed no machine types: nothing was compared' });
    return out;
  }
  for (const q of [...query].sort((a, b) => a.name.localeCompare(b.name))) {
    const m = byName.get(q.name);
    if (!m) {
      out.mismatches.push({ machine: q.name, kind: 'only-in-binary', message: `${q.name}: the binary has it, the source extraction does not` });
      continue;
    }
    const before = out.mismatches.length;
    compareFlags(m, q, out.mismatches);
    if (q['compat-props']) out.comparedEntries += compareCompat(m, q['compat-props'], out.mismatches);
    if (out.mismatches.length === before) out.equal++;
  }
  const listed = new Set(query.map((q) => q.name));
  for (const m of extracted.machines) {
    if (!listed.has(m.name)) out.mismatches.push({ machine: m.name, kind: 'only-in-source', message: `${m.name}: extracted from ${m.file}:${m.line}, the binary does not list it` });
  }
  if (!comparedCompat) out.unchecked.push(`compat lists of all ${extracted.machines.length} machine types (the binary's query-machines has no compat-props: QEMU < 9.1)`);
  return out;
}

function compareFlags(m: ExtractedMachine, q: QueryMachine, out: MachineMismatch[]) {
  const where = `${m.file}:${m.line}`;
  if ((q.alias ?? null) !== m.alias) out.push({ machine: m.name, kind: 'alias', message: `${m.name}: alias ${JSON.stringify(m.alias)} in the source (${where}), ${JSON.stringify(q.alias ?? null)} in the binary` });
  if ((q['is-default'] ?? false) !== m.isDefault) out.push({ machine: m.name, kind: 'is-default', message: `${m.name}: is-default ${m.isDefault} in the source (${where}), ${q['is-default'] ?? false} in the binary` });
  if (q.deprecated !== undefined && q.deprecated !== m.deprecated) out.push({ machine: m.name, kind: 'deprecated', message: `${m.name}: deprecated ${m.deprecated} in the source (${where}), ${q.deprecated} in the binary` });
}

function compareCompat(m: ExtractedMachine, props: NonNullable<QueryMachine['compat-props']>, out: MachineMismatch[]): number {
  const n = Math.min(props.length, m.compat.length);
  for (let i = 0; i < n; i++) {
    const e = m.compat[i]!;
    const p = props[i]!;
    if (e.driver !== p['qom-type'] || e.property !== p.property || e.value !== p.value) {
      out.push({
        machine: m.name,
        kind: 'compat-entry',
        message: `${m.name}: compat entry ${i}: source ${e.driver}.${e.property}=${e.value} (${e.file}:${e.line}), binary ${p['qom-type']}.${p.property}=${p.value}`,
      });
      // one divergence shifts every later entry: report the first only
      return i + 1;
    }
  }
  if (props.length !== m.compat.length) {
    const extra = props.length > m.compat.length ? props[n] : undefined;
    const mine = m.compat[n];
    const detail = extra ? `first binary-only entry ${extra['qom-type']}.${extra.property}=${extra.value}` : mine ? `first source-only entry ${mine.driver}.${mine.property}=${mine.value} (${mine.file}:${mine.line})` : '';
    out.push({ machine: m.name, kind: 'compat-length', message: `${m.name}: ${m.compat.length} compat entries in the source, ${props.length} in the binary; ${detail}` });
  }
  return n;
}
