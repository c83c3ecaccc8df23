/**
 * Matrix planning: which cases a run checks, in a fixed order, each with its
 * expectation or the reason it cannot apply. Pure: releases and scenario
 * cases in, a plan out. The order is the contract that makes shards, worker
 * counts and merged reports agree.
 */
import { createHash } from 'node:crypto';
import { VmError } from '../wire/errors.js';
import type { CompatEntry, Release } from '../machine/types.js';
import { globalTargets, resolveProps } from '../machine/props.js';
import { caseId, refusedReason, skipReason } from './case.js';
import { dedupeCases } from './run.js';
import { matchesAny, globToRegExp, isGlob } from './glob.js';
import type { Expectation, ScenarioCase } from './scenario.js';

export interface MatrixFilters {
  /** Senders and receivers to keep (release names). */
  from?: string[];
  to?: string[];
  /** `A:B` release pairs, each in both directions. */
  pairs?: string[];
  /** Globs over machine type and device names. */
  machine?: string[];
  device?: string[];
}

/** The configuration each side of every case runs with: `-global`s (`--global` on both, `--src-global` / `--dst-global` on one). */
export interface SideGlobals {
  src: CompatEntry[];
  dst: CompatEntry[];
}

export interface PlanOptions {
  /** Cases over several devices at once, one VM per list (`--device a,b`): each list is one case per pair and machine type. */
  deviceSets?: string[][];
  /** One case per pair and machine type over the machine type's own device list (`--vm`). */
  vm?: boolean;
  /** Per-side configuration every case runs with. */
  globals?: SideGlobals;
  /** Scenario cases: their expectations, and cases of their own. */
  scenarioCases: readonly ScenarioCase[];
  /** Run only the scenario cases (`--scenario FILE`), not the release matrix. */
  scenarioOnly?: boolean;
  filters?: MatrixFilters;
  /** Return a plan whose every case is skipped instead of refusing it (repro reports the one case's skip). */
  allowAllSkipped?: boolean;
}

/** One case of the plan. Everything here is plain data, so it can cross to a worker thread. */
export interface PlannedCase {
  /** Position in the whole plan (before sharding): the order of every report. */
  index: number;
  id: string;
  device: string;
  from: string;
  to: string;
  machine: string;
  /** What the scenarios say; a case no scenario names is expected to pass. */
  expect: Expectation;
  scenario: string | null;
  reference: string | null;
  /** Why the case cannot apply (a release lacks the machine type or the device), or null. */
  skip: string | null;
  /**
   * A case over several devices in one stream: their names, in registration
   * order (`device` is then their names joined by `+`); `[]` for the machine
   * type's own device list (`device` is `vm`). Absent: one device.
   */
  devices?: string[];
  /** Per-side `-global`s; absent when both sides run the release's defaults. */
  globals?: SideGlobals;
}

export interface Plan {
  cases: PlannedCase[];
  /** Release names in the order of the release list. */
  releases: string[];
  /** The release pairs the plan covers, older first, in plan order. */
  pairs: [string, string][];
  /** Every device and machine type some case names, in plan order (the HTML grid's rows and columns). */
  devices: string[];
  machines: string[];
  /** Every device model some case puts in a stream, in plan order: a device list's names and, for `--vm`, the machine types' own devices (what "N devices" counts). */
  models: string[];
  /** sha256 over the case ids and expectations: shards of one plan share it. */
  fingerprint: string;
}

export interface Shard {
  index: number;
  count: number;
}

const bad = (message: string) => new VmError({ kind: 'bad-input', message });

/** `A:B` → [A, B]. Release names carry dots, never colons. */
export function parsePair(s: string): [string, string] {
  const parts = s.split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw bad(`--pair expects A:B (two release names), got '${s}'`);
  // A:A is one release on both sides, which differ in their configuration (--src-global / --dst-global)
  return [parts[0], parts[1]];
}

/** `k/n` with 1 ≤ k ≤ n. */
export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw bad(`--shard expects k/n with 1 ≤ k ≤ n, got '${s}'`);
  return { index, count };
}

/** Adjacent releases of the release list, each pair in both directions. */
export function adjacentPairs(releases: readonly Release[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < releases.length; i++) {
    out.push([releases[i]!.name, releases[i + 1]!.name], [releases[i + 1]!.name, releases[i]!.name]);
  }
  return out;
}

function union<T>(lists: readonly (readonly T[])[]): T[] {
  const seen = new Set<T>();
  for (const l of lists) for (const x of l) seen.add(x);
  return [...seen];
}

/**
 * A scenario case whose machine is a glob (`*`, `pc-q35-8.?`) stands for every
 * machine type both of its releases know that the glob matches; a glob that
 * matches none of them is a mistake in the scenario.
 */
export function expandMachineGlobs(cases: readonly ScenarioCase[], release: (name: string) => Release): ScenarioCase[] {
  const out: ScenarioCase[] = [];
  for (const c of cases) {
    if (!isGlob(c.machine)) {
      out.push(c);
      continue;
    }
    const re = globToRegExp(c.machine);
    const to = new Set(release(c.to).machines.map((m) => m.name));
    const shared = release(c.from).machines.map((m) => m.name).filter((m) => to.has(m) && re.test(m));
    if (shared.length === 0) {
      throw bad(`scenario '${c.scenario}': machine '${c.machine}' matches no machine type both ${c.from} and ${c.to} know (case ${c.device} ${c.from} -> ${c.to})`);
    }
    for (const machine of shared) out.push({ ...c, machine });
  }
  return out;
}

/**
 * The scenarios' cases as the releases read them: each names releases and a
 * device some release has (else the scenario has a typo, and its cases would
 * only ever be skipped), machine globs expanded, one case per id (two
 * scenarios that disagree about a case are an error). What check and prove
 * expect of a case comes from here.
 */
export function scenarioExpectations(releases: readonly Release[], cases: readonly ScenarioCase[]): ScenarioCase[] {
  const byName = new Map(releases.map((r) => [r.name, r]));
  const known = releases.map((r) => r.name).join(', ');
  for (const c of cases) {
    for (const n of [c.from, c.to]) if (!byName.has(n)) throw bad(`scenario '${c.scenario}': unknown release '${n}' (known: ${known})`);
  }
  const modelled = new Set(releases.flatMap((r) => r.devices.map((d) => d.name)));
  for (const c of cases) {
    if (!modelled.has(c.device)) {
      throw bad(`scenario '${c.scenario}': unknown device '${c.device}' (no release has it; known: ${[...modelled].join(', ')})`);
    }
  }
  return dedupeCases(expandMachineGlobs(cases, (n) => byName.get(n)!));
}

export function planMatrix(releases: readonly Release[], opts: PlanOptions): Plan {
  const f = opts.filters ?? {};
  const byName = new Map(releases.map((r, i) => [r.name, { r, i }]));
  const known = releases.map((r) => r.name).join(', ');
  const release = (name: string, where: string) => {
    const hit = byName.get(name);
    if (!hit) throw bad(`${where}: unknown release '${name}' (known: ${known})`);
    return hit;
  };
  for (const n of f.from ?? []) release(n, '--from');
  for (const n of f.to ?? []) release(n, '--to');
  const pairFilter = (f.pairs ?? []).map(parsePair);
  for (const [a, b] of pairFilter) (release(a, `--pair ${a}:${b}`), release(b, `--pair ${a}:${b}`));
  const scenarioCases = scenarioExpectations(releases, opts.scenarioCases);

  const pairKey = (a: string, b: string) => [a, b].sort().join('\0');
  const pairSet = new Set(pairFilter.map(([a, b]) => pairKey(a, b)));
  const keepPair = (from: string, to: string) =>
    (pairSet.size === 0 || pairSet.has(pairKey(from, to))) &&
    (!f.from?.length || f.from.includes(from)) &&
    (!f.to?.length || f.to.includes(to));

  // The release matrix: ordered pairs, then every device either release has × every machine type either knows.
  let ordered: [string, string][] = [];
  if (!opts.scenarioOnly) {
    if (pairFilter.length) ordered = pairFilter.flatMap(([a, b]) => (a === b ? [[a, a]] : [[a, b], [b, a]]) as [string, string][]);
    else if (f.from?.length || f.to?.length) {
      for (const a of releases) for (const b of releases) if (a !== b) ordered.push([a.name, b.name]);
    } else ordered = adjacentPairs(releases);
    ordered = ordered.filter(([a, b]) => keepPair(a, b));
  }

  // Globs that match nothing are mistakes, not empty runs.
  const sets = opts.deviceSets ?? [];
  const modelled = new Set(releases.flatMap((r) => r.devices.map((d) => d.name)));
  for (const set of sets) for (const d of set) if (!modelled.has(d)) throw bad(`--device ${set.join(',')}: unknown device '${d}' (known: ${[...modelled].join(', ')})`);
  const setLabels = [...sets.map((set) => set.join('+')), ...(opts.vm ? ['vm'] : [])];
  const allDevices = union([...releases.map((r) => r.devices.map((d) => d.name)), scenarioCases.map((c) => c.device), setLabels]);
  const allMachines = union([...[...releases].reverse().map((r) => r.machines.map((m) => m.name)), scenarioCases.map((c) => c.machine)]);
  for (const g of f.device ?? []) {
    if (!allDevices.some((d) => globToRegExp(g).test(d))) throw bad(`--device '${g}' matches no device (known: ${allDevices.join(', ')})`);
  }
  for (const g of f.machine ?? []) {
    if (!allMachines.some((m) => globToRegExp(g).test(m))) throw bad(`--machine '${g}' matches no machine type (known: ${allMachines.join(', ')})`);
  }

  type Draft = Omit<PlannedCase, 'index' | 'skip'>;
  const drafts = new Map<string, Draft>();
  for (const [a, b] of ordered) {
    const ra = byName.get(a)!.r;
    const rb = byName.get(b)!.r;
    const devices = union([ra.devices.map((d) => d.name), rb.devices.map((d) => d.name)]);
    // the newer release's machine types first, as `-M help` lists them
    const [older, newer] = byName.get(a)!.i < byName.get(b)!.i ? [ra, rb] : [rb, ra];
    const machines = union([newer.machines.map((m) => m.name), older.machines.map((m) => m.name)]);
    const single = sets.length || opts.vm ? [] : devices;
    for (const device of single) {
      if (!matchesAny(device, f.device)) continue;
      for (const machine of machines) {
        if (!matchesAny(machine, f.machine)) continue;
        const id = caseId(device, a, b, machine);
        drafts.set(id, { id, device, from: a, to: b, machine, expect: { status: 'pass' }, scenario: null, reference: null });
      }
    }
    const multi: [string, string[]][] = [...sets.map((set) => [set.join('+'), set] as [string, string[]]), ...(opts.vm ? [['vm', []] as [string, string[]]] : [])];
    for (const [device, list] of multi) {
      for (const machine of machines) {
        if (!matchesAny(machine, f.machine)) continue;
        const id = caseId(device, a, b, machine);
        drafts.set(id, { id, device, from: a, to: b, machine, devices: list, ...vmExpectation(list, a, b, machine, scenarioCases) });
      }
    }
  }
  for (const c of scenarioCases) {
    if (sets.length || opts.vm) break; // the scenarios name single-device cases; a VM case takes their expectations above
    if (!matchesAny(c.device, f.device) || !matchesAny(c.machine, f.machine) || !keepPair(c.from, c.to)) continue;
    const id = caseId(c.device, c.from, c.to, c.machine);
    drafts.set(id, { id, device: c.device, from: c.from, to: c.to, machine: c.machine, expect: c.expect, scenario: c.scenario, reference: c.reference ?? null });
  }
  if (drafts.size === 0) throw bad('no case matches the filters');

  const devOrder = new Map(allDevices.map((d, i) => [d, i]));
  const machOrder = new Map(allMachines.map((m, i) => [m, i]));
  const rIdx = (n: string) => byName.get(n)!.i;
  const sorted = [...drafts.values()].sort(
    (x, y) =>
      devOrder.get(x.device)! - devOrder.get(y.device)! ||
      Math.min(rIdx(x.from), rIdx(x.to)) - Math.min(rIdx(y.from), rIdx(y.to)) ||
      Math.max(rIdx(x.from), rIdx(x.to)) - Math.max(rIdx(y.from), rIdx(y.to)) ||
      rIdx(x.from) - rIdx(y.from) ||
      machOrder.get(x.machine)! - machOrder.get(y.machine)!,
  );
  const globals = opts.globals && (opts.globals.src.length || opts.globals.dst.length) ? opts.globals : undefined;
  const cases: PlannedCase[] = sorted.map((d, index) => {
    const spec = { from: byName.get(d.from)!.r, to: byName.get(d.to)!.r, machine: d.machine };
    const skip = d.devices ? setSkipReason(d.devices, spec) : skipReason({ device: d.device, ...spec });
    return { ...d, index, skip, ...(globals ? { globals } : {}) };
  });
  if (globals && cases.some((c) => !c.skip)) checkGlobalsReach(globals, cases, byName);
  if (!opts.allowAllSkipped && cases.every((c) => c.skip !== null)) throw bad(allSkipped(cases));

  const pairs: [string, string][] = [];
  const seenPairs = new Set<string>();
  for (const c of [...cases].sort((x, y) => Math.min(rIdx(x.from), rIdx(x.to)) - Math.min(rIdx(y.from), rIdx(y.to)) || Math.max(rIdx(x.from), rIdx(x.to)) - Math.max(rIdx(y.from), rIdx(y.to)))) {
    const k = pairKey(c.from, c.to);
    if (seenPairs.has(k)) continue;
    seenPairs.add(k);
    pairs.push(rIdx(c.from) < rIdx(c.to) ? [c.from, c.to] : [c.to, c.from]);
  }
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(cases.map((c) => [c.id, c.expect])))
    .digest('hex');
  return {
    cases,
    releases: releases.map((r) => r.name),
    pairs,
    devices: allDevices.filter((d) => cases.some((c) => c.device === d)),
    machines: allMachines.filter((m) => cases.some((c) => c.machine === m)),
    models: union(cases.flatMap((c) => [caseDevices(c, byName.get(c.from)!.r), caseDevices(c, byName.get(c.to)!.r)])),
    fingerprint,
  };
}

/**
 * What the scenarios expect of a VM case: the expectation of the first
 * device of the list that a scenario expects to fail in this pair and
 * machine type (the load stops at the first section that fails), else pass.
 */
function vmExpectation(devices: readonly string[], from: string, to: string, machine: string, cases: readonly ScenarioCase[]): Pick<PlannedCase, 'expect' | 'scenario' | 'reference'> {
  for (const d of devices) {
    const c = cases.find((x) => x.device === d && x.from === from && x.to === to && x.machine === machine && x.expect.status === 'fail');
    if (c) return { expect: c.expect, scenario: c.scenario, reference: c.reference ?? null };
  }
  return { expect: { status: 'pass' }, scenario: null, reference: null };
}

/** Why a case over these devices cannot apply (a release lacks the machine type or one of them, or QEMU refuses to migrate one), or null. */
function setSkipReason(devices: readonly string[], spec: { from: Release; to: Release; machine: string }): string | null {
  for (const r of [spec.from, spec.to]) {
    if (!r.machines.some((m) => m.name === spec.machine)) return `${r.name} has no machine type ${spec.machine}`;
    const missing = devices.filter((d) => !r.devices.some((x) => x.name === d));
    if (missing.length) return `${r.name} has no device ${missing.join(', ')}`;
    const absent = devices.find((d) => r.devices.find((x) => x.name === d)!.onlyWhen);
    if (absent) return `${absent} is not in a VM the cases configure (${r.name}): ${r.devices.find((x) => x.name === absent)!.onlyWhen!.why}`;
    const refused = devices.find((d) => r.devices.find((x) => x.name === d)!.unmigratable);
    if (refused) return refusedReason(refused, r.name, r.devices.find((x) => x.name === refused)!.unmigratable!.why);
  }
  return null;
}

/**
 * A global that reaches no device of any case configures nothing: a typo
 * in the driver or a device the plan does not have. QEMU would accept it
 * silently; a check that claims to have run with it must not.
 */
function checkGlobalsReach(globals: SideGlobals, cases: readonly PlannedCase[], byName: Map<string, { r: Release }>): void {
  const live = cases.filter((c) => !c.skip);
  for (const [side, list] of [['sending', globals.src], ['receiving', globals.dst]] as const) {
    for (const g of list) {
      const reached = live.some((c) => {
        const r = byName.get(side === 'sending' ? c.from : c.to)!.r;
        return caseDevices(c, r).some((n) => {
          const cls = r.devices.find((d) => d.name === n);
          if (!cls || globalTargets(cls, g.driver).length === 0) return false;
          resolveProps(cls, [], {}, [g]); // a property the object lacks, or a bad value, is an error now, not in every case
          return true;
        });
      });
      if (!reached) throw bad(`the ${side} side's global ${g.driver}.${g.property}=${g.value}: '${g.driver}' is the type of no device in the planned cases, so it would configure nothing`);
    }
  }
}

/** The device models a case puts in the stream of release `r`: its own, its list's, or (`--vm`) the machine type's. */
export function caseDevices(c: Pick<PlannedCase, 'device' | 'devices' | 'machine'>, r: Release): string[] {
  if (!c.devices) return [c.device];
  if (c.devices.length) return c.devices;
  return r.machines.find((m) => m.name === c.machine)?.devices ?? r.devices.map((d) => d.name);
}

/** Why a plan in which no case can apply is a mistake: its skip reasons, most frequent first. */
function allSkipped(cases: readonly PlannedCase[]): string {
  const reasons = new Map<string, number>();
  for (const c of cases) reasons.set(c.skip!, (reasons.get(c.skip!) ?? 0) + 1);
  const top = [...reasons].sort((a, b) => b[1] - a[1]);
  const shown = top.slice(0, 5).map(([r, n]) => `${r} (${n} case${n === 1 ? '' : 's'})`);
  const more = top.length > 5 ? `; and ${top.length - 5} more reasons` : '';
  const hint = top.some(([r]) => / has no device /.test(r))
    ? ` (a release from --releases has only the devices it declares: give it \`extends: '<release>'\` to keep that release's other devices)`
    : '';
  return `every one of the ${cases.length} planned cases would be skipped, so the run would check nothing: ${shown.join('; ')}${more}${hint}`;
}

/** Shard k of n: every n-th case of the plan, starting at the k-th, so that each shard gets a mix of devices and pairs. */
export function shardCases(cases: readonly PlannedCase[], shard: Shard | null): PlannedCase[] {
  if (!shard) return [...cases];
  return cases.filter((c) => c.index % shard.count === shard.index - 1);
}
