import { VmError } from '../wire/errors.js';
import type { Release } from '../machine/types.js';
import { compareDevice } from './diff.js';
import { severityOf, type Side } from './walk.js';
import { schemaFromDump, type Dump } from './dump.js';
import { schemaFromRelease } from './release.js';
import { guessCounts } from './guess.js';
import type { CountGuess, DeviceReport, DeviceSchema, Effect, Finding, Schema, StaticReport } from './types.js';

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

/** What the report says about counts it took from the other side. */
function guessNote(gs: CountGuess[]): string {
  const first = gs.slice(0, 4).map((g) => `${g.path}[${g.count}]`);
  const labels = [...new Set(gs.map((g) => g.in))].join(', ');
  return `${labels} has no element counts (QEMU before 8.1 writes no \`num\` in -dump-vmstate): ${gs.length} count${gs.length === 1 ? ' was' : 's were'} guessed from the other side where the fields pair up or fill a VMSTATE_UNUSED placeholder (${first.join(', ')}${gs.length > 4 ? ', …' : ''}; every one: --verbose or --json); a count changed at such a place cannot be seen`;
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
    device: device.type,
    section: device.key,
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

/**
 * Which device of B each device of A is compared with. Two release models
 * pair by section (idstr and instance): what QEMU matches a section by; of
 * what is left, one device each side of one QOM type pair too (a renamed
 * idstr is then one finding, not two missing sections). Two dumps pair by
 * QOM type (a dump has one entry per class and no idstr). A release model
 * and a dump pair by QOM type: the dump's class describes every device of
 * that type, so two sections of one type both pair with it.
 */
export function pairDevices(sa: Schema, sb: Schema): { pairs: [DeviceSchema, DeviceSchema][]; onlyA: DeviceSchema[]; onlyB: DeviceSchema[] } {
  const pairs: [DeviceSchema, DeviceSchema][] = [];
  if (sa.kind !== sb.kind) {
    const dumpIsB = sb.kind === 'dump';
    const models = dumpIsB ? sa : sb;
    const dump = dumpIsB ? sb : sa;
    const used = new Set<DeviceSchema>();
    for (const m of models.devices) {
      const d = dump.devices.find((x) => x.type === m.type);
      if (!d) continue;
      used.add(m).add(d);
      pairs.push(dumpIsB ? [m, d] : [d, m]);
    }
    return { pairs, onlyA: sa.devices.filter((d) => !used.has(d)), onlyB: sb.devices.filter((d) => !used.has(d)) };
  }
  const restA: DeviceSchema[] = [];
  const takenB = new Set<DeviceSchema>();
  for (const da of sa.devices) {
    const db = sb.devices.find((d) => d.key === da.key && !takenB.has(d));
    if (db) {
      takenB.add(db);
      pairs.push([da, db]);
    } else restA.push(da);
  }
  const onlyA: DeviceSchema[] = [];
  for (const da of restA) {
    const sameType = (s: Schema, t: string) => s.devices.filter((d) => d.type === t);
    const candidates = sameType(sb, da.type).filter((d) => !takenB.has(d));
    // only a one-to-one match by type: two left over of one type are not guessed at
    if (candidates.length === 1 && restA.filter((x) => x.type === da.type).length === 1) {
      takenB.add(candidates[0]!);
      pairs.push([da, candidates[0]!]);
    } else onlyA.push(da);
  }
  return { pairs, onlyA, onlyB: sb.devices.filter((d) => !takenB.has(d)) };
}

/** Where one schema has no counts (a dump of QEMU before 8.1), the other's, as guesses. */
function withCounts(sa: Schema, sb: Schema, da: DeviceSchema, db: DeviceSchema, guesses: CountGuess[]): [DeviceSchema, DeviceSchema] {
  if (sa.counts === sb.counts) return [da, db];
  const [old, known, label] = sa.counts ? [db, da, sb.label] : [da, db, sa.label];
  const g = guessCounts(da.type, old.vmsd, known.vmsd, label);
  guesses.push(...g.guesses);
  const filled = { ...old, vmsd: g.vmsd };
  return sa.counts ? [da, filled] : [filled, db];
}

/** Compares two schemas at one machine type (per pair of machine names: the same one except for two dumps). */
export function compareSchemas(sa: Schema, sb: Schema): {
  findings: Omit<Finding, 'machines'>[];
  devices: { key: string; type: string; name: string }[];
  notes: string[];
  guesses: CountGuess[];
} {
  const findings: Omit<Finding, 'machines'>[] = [];
  const notes: string[] = [];
  const guesses: CountGuess[] = [];
  const devices: { key: string; type: string; name: string }[] = [];
  const mixed = sa.kind !== sb.kind;
  const { pairs, onlyA, onlyB } = pairDevices(sa, sb);
  for (const [da0, db0] of pairs) {
    const [da, db] = withCounts(sa, sb, da0, db0, guesses);
    // a dump's class stands for every section of its type: the report is the release model's device
    const d = sa.kind === 'dump' ? db0 : da0;
    devices.push({ key: d.key, type: d.type, name: d.name });
    for (const f of compareDevice({ label: sa.label, props: da.props }, { label: sb.label, props: db.props }, da, db)) findings.push({ ...f, device: d.type, section: d.key });
  }
  for (const [only, has, lacks, isFrom] of [[onlyA, sa, sb, true], [onlyB, sb, sa, false]] as const) {
    if (only.length === 0) continue;
    if (mixed) {
      const why = lacks.kind === 'release' ? `not modelled in release ${lacks.label}` : `not in the dump ${lacks.label} (sections registered without a class VMSD never are)`;
      const keys = only.map((d) => d.type);
      notes.push(`${keys.length} device${keys.length === 1 ? '' : 's'} of ${has.label} ${keys.length === 1 ? 'is' : 'are'} ${why}, so not compared: ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''}`);
      continue;
    }
    for (const d of only) {
      devices.push({ key: d.key, type: d.type, name: d.name });
      findings.push(missing(d, { label: has.label, props: d.props }, { label: lacks.label, props: null }, isFrom));
    }
  }
  return { findings, devices, notes, guesses };
}

/**
 * The static diff: every device present in both sources, at every machine
 * type requested (default: all both know), with identical findings merged
 * across machine types.
 */
export function staticDiff(a: Source, b: Source, opts: StaticOptions = {}): StaticReport {
  const { pairs, notes } = planMachines(a, b, opts.machines);
  const merged = new Map<string, Finding>();
  const devices = new Map<string, { type: string; name: string; machines: string[] }>();
  const guesses = new Map<string, CountGuess>();
  for (const [ma, mb] of pairs) {
    const machine = ma === mb ? ma : `${ma} / ${mb}`;
    const r = compareSchemas(schemaAt(a, ma), schemaAt(b, mb));
    for (const n of r.notes) if (!notes.includes(n)) notes.push(n);
    for (const g of r.guesses) guesses.set(JSON.stringify([g.device, g.path, g.in]), g);
    for (const d of r.devices) {
      const entry = devices.get(d.key) ?? { type: d.type, name: d.name, machines: [] };
      entry.machines.push(machine);
      devices.set(d.key, entry);
    }
    for (const f of r.findings) {
      const key = JSON.stringify([f.section, f.path, f.change, f.severity, f.reason]);
      const prev = merged.get(key);
      if (prev) prev.machines.push(machine);
      else merged.set(key, { ...f, machines: [machine] });
    }
  }
  if (guesses.size > 0) notes.push(guessNote([...guesses.values()]));
  const all = [...merged.values()];
  const reports: DeviceReport[] = [...devices].map(([key, d]) => {
    const findings = all.filter((f) => f.section === key);
    return {
      device: d.type,
      section: key,
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
    guesses: [...guesses.values()],
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
