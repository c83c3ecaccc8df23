import { VmError } from '../wire/errors.js';
import type { Release } from '../machine/types.js';
import { compareDevice } from './diff.js';
import { severityOf, type Side } from './walk.js';
import { schemaFromDump, type Dump } from './dump.js';
import { schemaFromRelease } from './release.js';
import type { DeviceReport, DeviceSchema, Effect, Finding, Schema, StaticReport } from './types.js';

export { parseDump, schemaFromDump, type Dump } from './dump.js';
export { schemaFromRelease, vmsdNode } from './release.js';
export type * from './types.js';

/** Where a schema comes from: a release model (any of its machine types) or one `-dump-vmstate` file (one machine type). */
export type Source = { kind: 'release'; release: Release } | { kind: 'dump'; dump: Dump; label?: string };

export interface StaticOptions {
  /** Machine types to judge; default: every one both sides know. */
  machines?: readonly string[];
}

const sourceInfo = (s: Source) => (s.kind === 'release' ? { kind: s.kind, label: s.release.name } : { kind: s.kind, label: labelOf(s), file: s.dump.file });
const labelOf = (s: Source) => (s.kind === 'release' ? s.release.name : (s.label ?? s.dump.file));
const machinesOf = (s: Source) => (s.kind === 'release' ? s.release.machines.map((m) => m.name) : [s.dump.machine]);

function bad(message: string): VmError {
  return new VmError({ kind: 'bad-input', message });
}

/** The machine types to compare at, and notes for the report. */
export function planMachines(a: Source, b: Source, requested: readonly string[] = []): { pairs: [string, string][]; notes: string[] } {
  const notes: string[] = [];
  if (a.kind === 'dump' && b.kind === 'dump') {
    for (const m of requested) {
      for (const s of [a, b]) if (s.dump.machine !== m) throw bad(`${s.dump.file} was dumped for machine type ${s.dump.machine}, not ${m}`);
    }
    if (a.dump.machine !== b.dump.machine) {
      notes.push(`the dumps were written for different machine types, ${a.dump.machine} and ${b.dump.machine}; a dump does not depend on the machine type's compat properties, so they are compared as they are`);
    }
    return { pairs: [[a.dump.machine, b.dump.machine]], notes };
  }
  const known = (s: Source, m: string) => machinesOf(s).includes(m);
  const unknown = (s: Source, m: string) =>
    s.kind === 'dump'
      ? bad(`${s.dump.file} was dumped for machine type ${s.dump.machine}, not ${m}`)
      : bad(`release ${s.release.name} has no machine type ${m} (it has: ${machinesOf(s).join(', ')})`);
  let machines: string[];
  if (requested.length > 0) {
    for (const m of requested) for (const s of [a, b]) if (!known(s, m)) throw unknown(s, m);
    machines = [...new Set(requested)];
  } else {
    const dump = a.kind === 'dump' ? a : b.kind === 'dump' ? b : null;
    machines = dump ? [dump.dump.machine] : machinesOf(a).filter((m) => known(b, m));
    for (const m of machines) for (const s of [a, b]) if (!known(s, m)) throw unknown(s, m);
    if (machines.length === 0) throw bad(`${labelOf(a)} and ${labelOf(b)} have no machine type in common`);
  }
  return { pairs: machines.map((m) => [m, m]), notes };
}

function schemaAt(s: Source, machine: string): Schema {
  return s.kind === 'release' ? schemaFromRelease(s.release, machine) : schemaFromDump(s.dump, labelOf(s));
}

function worst(es: Effect[]): Effect {
  return es.includes('breaks') ? 'breaks' : es.includes('may-break') ? 'may-break' : 'ok';
}

/** A device only one side has: a VM with it cannot migrate towards the side that lacks it. */
function missing(device: DeviceSchema, has: Side, lacks: Side, hasIsFrom: boolean): Omit<Finding, 'machines'> {
  const e: Effect = 'breaks';
  return {
    device: device.key,
    path: device.vmsd.name,
    vmsd: device.vmsd.name,
    field: null,
    change: 'section-missing',
    severity: severityOf(hasIsFrom ? e : 'ok', hasIsFrom ? 'ok' : e, 'compatible'),
    forward: hasIsFrom ? e : 'ok',
    backward: hasIsFrom ? 'ok' : e,
    reason: `${device.name} exists in ${has.label} only: a VM with it cannot migrate to ${lacks.label}, which does not know the section (Unknown savevm section); the other way round it is never sent.`,
    checkerMisses: false,
  };
}

/** Compares two schemas at one machine type (per pair of machine names: the same one except for two dumps). */
export function compareSchemas(sa: Schema, sb: Schema): { findings: Omit<Finding, 'machines'>[]; devices: { key: string; name: string }[]; notes: string[] } {
  const findings: Omit<Finding, 'machines'>[] = [];
  const notes: string[] = [];
  const devices: { key: string; name: string }[] = [];
  const mixed = sa.kind !== sb.kind;
  const onlyA: string[] = [];
  const onlyB: string[] = [];
  for (const da of sa.devices) {
    const db = sb.devices.find((d) => d.key === da.key);
    if (!db) {
      if (mixed) onlyA.push(da.key);
      else {
        devices.push({ key: da.key, name: da.name });
        findings.push(missing(da, { label: sa.label, props: da.props }, { label: sb.label, props: null }, true));
      }
      continue;
    }
    devices.push({ key: da.key, name: da.name });
    findings.push(...compareDevice({ label: sa.label, props: da.props }, { label: sb.label, props: db.props }, da, db));
  }
  for (const db of sb.devices) {
    if (sa.devices.some((d) => d.key === db.key)) continue;
    if (mixed) onlyB.push(db.key);
    else {
      devices.push({ key: db.key, name: db.name });
      findings.push(missing(db, { label: sb.label, props: db.props }, { label: sa.label, props: null }, false));
    }
  }
  for (const [only, s, other] of [[onlyA, sa, sb], [onlyB, sb, sa]] as const) {
    if (only.length === 0) continue;
    const why = other.kind === 'release' ? `not modelled in release ${other.label}` : `not in the dump ${other.label} (sections registered without a class VMSD never are)`;
    notes.push(`${only.length} device${only.length === 1 ? '' : 's'} of ${s.label} ${only.length === 1 ? 'is' : 'are'} ${why}, so not compared: ${only.slice(0, 8).join(', ')}${only.length > 8 ? ', …' : ''}`);
  }
  return { findings, devices, notes };
}

/**
 * The static diff: every device present in both sources, at every machine
 * type requested (default: all both know), with identical findings merged
 * across machine types.
 */
export function staticDiff(a: Source, b: Source, opts: StaticOptions = {}): StaticReport {
  const { pairs, notes } = planMachines(a, b, opts.machines);
  const merged = new Map<string, Finding>();
  const devices = new Map<string, { name: string; machines: string[] }>();
  for (const [ma, mb] of pairs) {
    const machine = ma === mb ? ma : `${ma} / ${mb}`;
    const r = compareSchemas(schemaAt(a, ma), schemaAt(b, mb));
    for (const n of r.notes) if (!notes.includes(n)) notes.push(n);
    for (const d of r.devices) {
      const entry = devices.get(d.key) ?? { name: d.name, machines: [] };
      entry.machines.push(machine);
      devices.set(d.key, entry);
    }
    for (const f of r.findings) {
      const key = JSON.stringify([f.device, f.path, f.change, f.severity, f.reason]);
      const prev = merged.get(key);
      if (prev) prev.machines.push(machine);
      else merged.set(key, { ...f, machines: [machine] });
    }
  }
  const all = [...merged.values()];
  const reports: DeviceReport[] = [...devices].map(([key, d]) => {
    const findings = all.filter((f) => f.device === key);
    return {
      device: key,
      name: d.name,
      machines: d.machines,
      findings,
      forward: worst(findings.map((f) => f.forward)),
      backward: worst(findings.map((f) => f.backward)),
    };
  });
  const breaking = all.filter((f) => f.severity.startsWith('breaking')).length;
  return {
    from: sourceInfo(a),
    to: sourceInfo(b),
    machines: pairs.map(([ma, mb]) => (ma === mb ? ma : `${ma} / ${mb}`)),
    devices: reports,
    notes,
    summary: {
      devices: reports.length,
      changed: reports.filter((d) => d.findings.length > 0).length,
      findings: all.length,
      breaking,
      compatible: all.filter((f) => f.severity === 'compatible').length,
      info: all.filter((f) => f.severity === 'info').length,
      breaks: breaking > 0,
    },
  };
}
