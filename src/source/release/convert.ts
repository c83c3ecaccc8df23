/**
 * A tree snapshot as a Release: every non-abstract QOM class with a VMSD
 * (its own or inherited) is a device class named by its QOM type, its
 * VMSD converted field by field to the engine's records (flags, codecs by
 * C name, nested VMSDs, counts and sizes from the members that hold them),
 * its properties (the class's and its ancestors' Property arrays) with
 * defaults, its tests translated (predicate.ts) or made named inputs; the
 * machine types with their compat lists in application order.
 *
 * What the model cannot carry is noted on the class (DeviceClass.extracted):
 * a codec with no hand-written binding makes its cases unverifiable (never
 * a pass), hooks with no translation and named inputs are said on every
 * verdict.
 */
import { registerFileMembers, typeRegisterFiles } from './register-files.js';
import { VmError } from '../../wire/errors.js';
import { TMP_PARENT, VMSTATE_QLIST_V, VMSTATE_QTAILQ_V, VMSTATE_WITH_TMP_TEST } from '../../vmstate/containers.js';
import * as F from '../../vmstate/flags.js';
import * as I from '../../vmstate/info.js';
import { blankState } from '../../gen/blank.js';
import { codecless } from '../../vmstate/check.js';
import { hasMember, memberOf, setMember } from '../../vmstate/state.js';
import { blankValue } from '../../gen/scalar.js';
import type { CustomArbitrary } from '../../gen/types.js';
import type { CompatEntry, DeviceClass, ExtractedNotes, MachineType, PropDef, Release } from '../../machine/types.js';
import type { FieldExists, PostLoadFailure, Props, State, VMStateDescription, VMStateField, VMStateInfo, VmCtx } from '../../vmstate/types.js';
import { ModelView } from '../extract.js';
import type { ExtractedClass, ExtractedField, ExtractedVmsd } from '../model.js';
import type { PropertyRecord } from '../props/extract.js';
import { codecName, type CodecTable, type PredicateOverride, type ReachableRule, type RealizeOverride } from './bindings.js';
import { applyAssigns, errnoOf, evalExpr, exprText, fold, inputsOf, isReject, membersOf, substitute, wouldReject, type Expr, type HookStep, type PredicateEnv, type Reject } from './predicate.js';
import type { TreeSnapshot } from './snapshot.js';
import { boardMachines, notUserCreatable } from './placement.js';
import { eachStruct } from './walk-state.js';
import { qapiEnums } from '../props/qapi-enums.js';
import { domainSteps, type DomainTable } from './domains.js';
import { REGISTER_ARGS } from '../scan.js';
import { registrationReach, type RegistrationFact, type RegistrationReach } from './registration.js';

const PRIMITIVES: ReadonlyMap<string, VMStateInfo> = new Map(
  Object.entries(I).filter(([k, v]) => k.startsWith('vmstate_info_') && typeof (v as VMStateInfo).put === 'function') as [string, VMStateInfo][],
);

const FLAG_VALUES = F as unknown as Record<string, number>;

/** Per-device conversion state: notes, inputs, and the generator's custom arbitraries. */
interface DeviceCtx {
  notes: ExtractedNotes;
  custom: Record<string, CustomArbitrary>;
  inputs: Map<string, { default: boolean; reason: string }>;
  propMembers: Map<string, { prop: string; bit?: number }[]>;
  /** Converted VMSDs whose post_load can refuse the load, with its steps (the generator keeps to what they accept). */
  rejecting: Map<VMStateDescription, readonly HookStep[]>;
  /** Converted VMSDs' VMSTATE_VALIDATE tests, with the members they read (the generator keeps to what they accept). */
  validates: Map<VMStateDescription, { test: FieldExists; reads: (string | number)[][] }[]>;
  /** Members the device's own VMSD tree migrates (container_of lookups). */
  deviceMembers: Set<string>;
  /** Every name a translated predicate or hook of the class reads or writes (each string step of its member paths): what is not a plain register file. */
  mentioned: Set<string>;
  /** What codec bindings add to the class (bindings.ts CodecBinding). */
  bound: {
    props: Record<string, PropDef>;
    parents: string[];
    resets: { member: string; reset: (p: Props) => unknown }[];
    /** Members a codec with no member reads from the struct that holds it (MSI-X's table and PBA in the PCIDevice), by the VMSD that has the field. */
    structResets: { vmsd: VMStateDescription; reset: (p: Props) => State }[];
    deviceVmsds: VMStateDescription[];
    realized: Record<string, PropDef['default']>;
  };
  device: string;
  reachable: readonly ReachableRule[];
  /** The realize-time values (scenarios/common/realize.ts) that apply to this class. */
  realize: readonly RealizeOverride[];
  /** Hand-written answers for opaque predicates (scenarios/common/predicates.ts) that apply to this class. */
  predicates: readonly PredicateOverride[];
  props: Readonly<Record<string, PropDef>>;
  classProps(name: string): Readonly<Record<string, PropDef>> | undefined;
}

export interface ConvertOptions {
  codecs: CodecTable;
  /** Realize-time values the VMSDs count or size by (scenarios/common/realize.ts). */
  realize?: readonly RealizeOverride[];
  /** Reachability rules by VMSD name (scenarios/common/realize.ts), set on the VMSDs of that name. */
  reachable?: readonly ReachableRule[];
  /** Only these QOM types (all when absent). */
  only?: readonly string[];
  /** What a running guest can reach that no VMSD says, by QOM type (scenarios/common/tree-gen.ts): the generator's refine, and why. */
  stateRules?: Readonly<Record<string, StateRule>>;
  /** Hand-written answers for predicates that do not translate, by C function (scenarios/common/predicates.ts). */
  predicates?: readonly PredicateOverride[];
  /** What the conditions of vmstate_register*() sites are in the cases' configuration (scenarios/common/registration.ts). */
  registration?: readonly RegistrationFact[];
  /** The values fields can hold by QEMU's C, keyed by VMSD and field name (scenarios/common/tree-domains.ts). */
  domains?: DomainTable;
  /**
   * Classes, by QOM type, whose realize adds a migration blocker their VMSD
   * does not show (scenarios/common/virtio-realize.ts virtioBlocked): why.
   * A VMSD that is `.unmigratable` needs no entry.
   */
  blocked?: Readonly<Record<string, { why: string }>>;
}

/** A rule the generator applies to a class's states (DeviceGen.refine), with the reason every verdict of the class carries. */
export interface StateRule {
  refine(state: State, props: Props): State;
  why: string;
}

export function releaseFromSnapshot(snap: TreeSnapshot, opts: ConvertOptions): Release {
  const view = new ModelView(snap.model);
  const devices: DeviceClass[] = [];
  const seen = new Set<string>();
  for (const c of snap.model.classes) {
    if (c.abstract || seen.has(c.name) || (opts.only && !opts.only.includes(c.name))) continue;
    const cv = view.classVmsd(c.name);
    const found = cv?.ref ? view.vmsd(cv.ref) : undefined;
    const v = found && (found.fields ? found : fieldlessRefused(found));
    if (!v) continue;
    seen.add(c.name);
    const d = deviceClass(snap, view, c, v, opts.codecs, opts.realize ?? [], undefined, opts.reachable, opts.stateRules?.[c.name], opts.predicates, opts.domains);
    const refused = refusal(c.name, v, opts.blocked);
    if (refused) d.unmigratable = refused;
    devices.push(d);
  }
  for (const site of registeredSections(snap, view, opts, new Set(devices.map((d) => d.name)))) {
    const d = deviceClass(snap, view, site.owner, site.vmsd, opts.codecs, opts.realize ?? [], site, opts.reachable, opts.stateRules?.[site.owner.name], opts.predicates, opts.domains);
    d.extracted!.registered = site.reach.reached && site.reach.note ? `${site.note}; ${site.reach.note}` : site.note;
    if (!site.reach.reached) d.onlyWhen = { why: site.reach.why };
    const refused = refusal(site.name, site.vmsd, opts.blocked);
    if (refused) d.unmigratable = refused;
    devices.push(d);
  }
  const machines: MachineType[] = snap.machines.machines.map((m) => ({ name: m.name, compat: m.compat.map(stripWhere) }));
  const compatArrays: Record<string, CompatEntry[]> = {};
  for (const [k, list] of Object.entries(snap.machines.compatArrays)) compatArrays[k] = list.map(stripWhere);
  const w = jsonWriterOf(snap.version);
  return { name: snap.version, machines, devices, compatArrays, ...w };
}

/** A true C constant as the extractor keeps it (`1`, `true`, `0x1`). */
const cTrue = (x: string | undefined): boolean => x !== undefined && /^\(?\s*(true|0x0*[1-9a-f][0-9a-f]*|0*[1-9]\d*)\s*\)?$/i.test(x.trim());

/**
 * A VMSD with no field table that is `.unmigratable` (usb-audio's
 * `{ .name = "usb-audio", .unmigratable = 1 }`), as one with an empty
 * table: its class is in the release, refused, so its cases are skipped
 * with the reason rather than missing. Any other VMSD without a table is
 * one the extraction did not read: null, left out.
 */
function fieldlessRefused(v: ExtractedVmsd): ExtractedVmsd | null {
  return cTrue(v.other.unmigratable) ? { ...v, fields: [] } : null;
}

/**
 * Why QEMU refuses to migrate a VM with this class, or null: its VMSD is
 * `.unmigratable` (savevm's check of every registered section), or the
 * table names a blocker its realize adds.
 */
function refusal(name: string, v: ExtractedVmsd, blocked: ConvertOptions['blocked']): { why: string } | null {
  if (cTrue(v.other.unmigratable)) return { why: `its VMSD ${v.name} is .unmigratable (${v.at.file}:${v.at.line})` };
  const b = blocked?.[name];
  return b ? { why: b.why } : null;
}

/** A section a `vmstate_register*()` call registers, with no QOM class whose dc->vmsd it is. */
interface RegisteredSection {
  /** The name cases use: the registering class when its file defines just that one, else the VMSD's name (the idstr). */
  name: string;
  /** The QOM class whose file registers it (its ancestry and Property array reach the section), or a stand-in named by the VMSD. */
  owner: ExtractedClass;
  vmsd: ExtractedVmsd;
  instanceId: number;
  /** -1: none. */
  aliasId: number;
  at: { file: string; line: number };
  /** Said on the class (ExtractedNotes.registered). */
  note: string;
  /** Whether the call is reached in the cases' configuration (its conditions against ConvertOptions.registration). */
  reach: RegistrationReach;
}

const intLiteral = (x: string | undefined): number | null => {
  const t = (x ?? '').trim();
  return /^-?(0x[0-9a-f]+|\d+)$/i.test(t) ? Number(t) : null;
};

/**
 * The sections `vmstate_register*()` sites register with no owner object
 * (obj NULL: the idstr is the VMSD's name, savevm.c): the board's clocks,
 * the local APIC, the buses, acpi_build, globalstate, the IPMI devices.
 * A site naming its VMSD through an expression (`s->vmstate`,
 * `qdev_get_vmsd(dev)`) or registering under an object's path (obj set:
 * the device's own path prefixes the idstr) is left out. The instance id
 * is the literal the call passes; VMSTATE_INSTANCE_ID_ANY and any
 * expression (the APIC id) stand for the first instance, 0, as
 * calculate_new_instance_id numbers it; the alias id is a literal or none.
 */
function registeredSections(snap: TreeSnapshot, view: ModelView, opts: ConvertOptions, taken: ReadonlySet<string>): RegisteredSection[] {
  const out: RegisteredSection[] = [];
  const names = new Set(taken);
  for (const r of snap.model.registers) {
    const pos = REGISTER_ARGS[r.fn];
    if (!pos) continue;
    const obj = r.args[pos.obj]?.trim();
    const found = r.vmsd ? view.vmsd(r.vmsd) : undefined;
    const v = found && (found.fields ? found : fieldlessRefused(found));
    if (obj !== 'NULL' || !v) continue;
    // the registering class: the one QOM class its file defines, when there is just one
    const inFile = snap.model.classes.filter((c) => c.at.file === r.at.file);
    const owner = inFile.length === 1 ? inFile[0]! : null;
    const name = owner && !owner.abstract ? owner.name : v.name;
    if (opts.only && !opts.only.includes(name)) continue;
    if (names.has(name)) continue;
    names.add(name);
    const idText = pos.id === null ? 'VMSTATE_INSTANCE_ID_ANY' : (r.args[pos.id] ?? '').trim();
    const literal = intLiteral(idText);
    const instanceId = literal !== null && literal >= 0 ? literal : 0;
    const alias = pos.alias === null ? null : intLiteral(r.args[pos.alias]);
    const where = `${r.at.file}:${r.at.line}`;
    const idNote = literal !== null && literal >= 0 ? `instance ${instanceId}` : `instance id ${idText} taken as 0 (the first instance)`;
    out.push({
      name,
      owner: owner ?? { name: v.name, parent: null, abstract: true, class_init: null, instance: null, vmsd: null, vmsdAt: null, props: null, at: { file: '', line: 0 } },
      vmsd: v,
      instanceId,
      aliasId: alias ?? -1,
      at: r.at,
      reach: registrationReach(r.onlyWhen, opts.registration ?? []),
      note: `${r.fn}(NULL, …, &${v.cname}) at ${where}${owner ? ` (${owner.name}'s file)` : ''}: section '${v.name}', ${idNote}${alias !== null && alias >= 0 ? `, alias id ${alias}` : ''}`,
    });
  }
  return out;
}

/**
 * The JSON writer a QEMU version has: the configuration entry from 8.2
 * (2aae1eb8da65); arrays described run by run and null pointers as
 * `nullptr` fields from 10.0 and the stable 9.1.3 and 9.2.1 (35049eb0d2fc,
 * 9867c3a7ced1, which landed together).
 */
export function jsonWriterOf(version: string): Pick<Release, 'vmdescArrays' | 'vmdescNullptr' | 'vmdescConfiguration'> {
  const [maj = 0, min = 0, mic = 0] = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const at = (a: number, b: number) => maj > a || (maj === a && min >= b);
  const fixed = maj >= 10 || (maj === 9 && ((min === 1 && mic >= 3) || (min === 2 && mic >= 1) || min > 2));
  return { vmdescArrays: fixed ? 'runs' : 'whole', vmdescNullptr: fixed ? 'nullptr' : 'struct', vmdescConfiguration: at(8, 2) };
}

function stripWhere(e: CompatEntry & { file?: string; line?: number }): CompatEntry {
  const out: CompatEntry = { driver: e.driver, property: e.property, value: e.value };
  if (e.optional) out.optional = true;
  return out;
}

function ancestry(view: ModelView, name: string): ExtractedClass[] {
  const out: ExtractedClass[] = [];
  const seen = new Set<string>();
  let cur: string | null = name;
  while (cur && !seen.has(cur)) {
    seen.add(cur);
    const defs = view.classDefs(cur);
    if (!defs.length) {
      out.push({ name: cur, parent: null, abstract: true, class_init: null, instance: null, vmsd: null, vmsdAt: null, props: null, at: { file: '', line: 0 } });
      break;
    }
    out.push(defs[0]!);
    cur = defs.find((d) => d.parent)?.parent ?? null;
  }
  return out;
}

/**
 * Named inputs that are facts of the class, read from its QOM interfaces:
 * pci_qdev_realize sets QEMU_PCI_CAP_EXPRESS (so pci_is_express() and a
 * 4096-byte config space) for a class that is a `pci-express-device` and not
 * a `conventional-pci-device`. A hybrid (both: virtio-pci, xhci) sets it in
 * its own realize only below a PCIe port, never on the root bus the cases
 * plug into: conventional.
 */
export function classFacts(chain: readonly ExtractedClass[]): Record<string, boolean> {
  const ifs = new Set(chain.flatMap((c) => c.interfaces ?? []));
  return { 'pci_is_express()': ifs.has('pci-express-device') && !ifs.has('conventional-pci-device') };
}

/** The Property records a class has: its own array, then its ancestors' (a name the class sets wins). */
function classProps(snap: TreeSnapshot, chain: readonly ExtractedClass[]): PropertyRecord[] {
  const out = new Map<string, PropertyRecord>();
  for (const c of chain) {
    if (!c.props) continue;
    const arrays = snap.props[c.props] ?? [];
    const arr = arrays.find((a) => a.file === c.at.file) ?? (arrays.length === 1 ? arrays[0] : undefined);
    for (const p of arr?.props ?? []) if (!out.has(p.name)) out.set(p.name, p);
  }
  return [...out.values()];
}

function zeroOf(t: PropDef['type']): PropDef['default'] {
  if (t === 'bool') return false;
  if (t === 'uint64') return 0n;
  if (t === 'string' || t === 'onoffauto') return t === 'onoffauto' ? 'auto' : '';
  return 0;
}

/** A class's typed properties with their defaults (its own and its ancestors'). */
function propDefs(records: readonly PropertyRecord[]): Record<string, PropDef> {
  const props: Record<string, PropDef> = {};
  for (const p of records) if (p.type) props[p.name] = { type: p.type, default: p.default ?? zeroOf(p.type) };
  return props;
}

function deviceClass(
  snap: TreeSnapshot,
  view: ModelView,
  c: ExtractedClass,
  top: ExtractedVmsd,
  codecs: CodecTable,
  realize: readonly RealizeOverride[],
  section?: RegisteredSection,
  reachable: readonly ReachableRule[] = [],
  rule?: StateRule,
  predicates: readonly PredicateOverride[] = [],
  domains: DomainTable = {},
): DeviceClass {
  const chain = section && !section.owner.at.file ? [] : ancestry(view, c.name);
  const records = classProps(snap, chain);
  const props = propDefs(records);
  const propMembers = new Map<string, { prop: string; bit?: number }[]>();
  for (const p of records) {
    if (!p.type) continue;
    const l = propMembers.get(p.member) ?? [];
    l.push(p.bit === undefined ? { prop: p.name } : { prop: p.name, bit: p.bit });
    propMembers.set(p.member, l);
  }
  const dc: DeviceCtx = {
    notes: { at: section ? `${section.at.file}:${section.at.line}` : `${c.at.file}:${c.at.line}`, unmodelled: [], hooks: [], inputs: [] },
    custom: {},
    inputs: new Map(),
    rejecting: new Map(),
    validates: new Map(),
    propMembers,
    deviceMembers: membersOfVmsd(view, top),
    mentioned: new Set(),
    bound: { props: {}, parents: [], resets: [], structResets: [], deviceVmsds: [], realized: {} },
    device: c.name,
    reachable,
    realize: realize.filter((o) => !o.devices || o.devices.includes(c.name)),
    predicates: predicates.filter((o) => !o.devices || o.devices.includes(c.name)),
    props,
    classProps: (name) => (view.classDefs(name).length ? propDefs(classProps(snap, ancestry(view, name))) : undefined),
  };
  const vmsd = new VmsdConverter(snap, view, codecs, dc).convert(top, undefined, []);
  const facts = classFacts(chain);
  for (const [name, i] of dc.inputs) {
    props[name] = { type: 'bool', default: facts[name] ?? i.default };
    dc.notes.inputs.push({ name, reason: i.reason });
  }
  for (const [k, d] of Object.entries(dc.bound.props)) if (!(k in props)) props[k] = d;
  for (const [k, v] of Object.entries(dc.bound.realized)) if (props[k]) props[k] = { ...props[k], default: v };
  aliasParentMembers(propMembers, dc.bound.deviceVmsds);
  const names = vmsdNames(vmsd);
  for (const dv of dc.bound.deviceVmsds) vmsdNames(dv, names);
  const overrides = dc.realize.filter((o) => names.has(o.vmsd));
  if (overrides.length) dc.notes.overrides = overrides.map((o) => `${o.vmsd}.${o.member} = ${typeof o.value === 'number' ? o.value : 'from the properties'} (${o.from})`);
  const resetTemplate = blankState(vmsd);
  for (const dv of dc.bound.deviceVmsds) for (const [k, x] of Object.entries(blankState(dv))) if (!hasMember(resetTemplate, k)) setMember(resetTemplate, k, x);
  // large uint8 register files nothing of the class touches stay typed, as the hand models keep them (register-files.ts)
  if (!rule && !dc.bound.structResets.some((sr) => sr.vmsd === vmsd)) {
    const set = new Set<string>([...dc.bound.resets.map((r) => r.member), ...overrides.map((o) => o.member), ...propMembers.keys()]);
    const touched = (m: string) => set.has(m) || m.split('.').some((part) => dc.mentioned.has(part));
    typeRegisterFiles(resetTemplate, vmsd, registerFileMembers(vmsd, touched, domains));
  }
  const counts = countMembers([vmsd, ...dc.bound.deviceVmsds]);
  // a property of an ancestor's struct whose member a nested VMSD migrates (PCIEPort's aer_log_max → PCIDevice's exp.aer_log.log_max)
  const nested = new Map<string, string[]>();
  for (const member of propMembers.keys()) {
    if (hasMember(resetTemplate, member) || counts.has(member)) continue;
    const keys = locate(resetTemplate, member);
    if (keys) nested.set(member, keys);
  }
  const reset = (p: Readonly<Record<string, unknown>>): State => {
    const s = structuredCloneState(resetTemplate);
    for (const [member, list] of propMembers) {
      // a property that sets a count or size member (hpet's `timers`): the member is set even where no VMSD migrates it
      if (!hasMember(s, member) && counts.has(member)) {
        setPath(s, member, propValue(list, p, 0));
        continue;
      }
      const keys = nested.get(member);
      if (keys) {
        let obj = s;
        for (const k of keys.slice(0, -1)) obj = obj[k] as State;
        const leaf = keys[keys.length - 1]!;
        const v = propValue(list, p, obj[leaf]);
        setMember(obj, leaf, typeof obj[leaf] === 'bigint' && typeof v === 'number' ? BigInt(v) : v);
        continue;
      }
      if (!hasMember(s, member)) continue;
      let v: unknown = s[member];
      for (const { prop, bit } of list) {
        const pv = p[prop];
        if (bit === undefined) v = pv;
        else if (pv === true) v = typeof v === 'bigint' ? v | (1n << BigInt(bit)) : Number(v ?? 0) | (1 << bit);
      }
      setMember(s, member, typeof s[member] === 'bigint' && typeof v === 'number' ? BigInt(v) : typeof s[member] === 'number' && typeof v === 'bigint' ? Number(v) : v);
    }
    for (const r of dc.bound.resets) setMember(s, r.member, r.reset(p as Props));
    // an override may size an array whose new elements need overrides of their own (AHCI ports → IDE pio_state): twice
    for (let pass = 0; pass < (overrides.length ? 2 : 1); pass++) {
      if (overrides.length) applyRealize(vmsd, s, overrides, p as Props);
      for (const sr of dc.bound.structResets) eachStruct(vmsd, s, (d, st) => d === sr.vmsd && assignMembers(st, sr.reset(p as Props)));
      conformCounts(vmsd, s);
      for (const dv of dc.bound.deviceVmsds) conformCounts(dv, s);
    }
    conformBuffers(vmsd, s, p);
    return s;
  };
  // a count or size no VMSD migrates and no property sets is realize's: without an override entry the stream cannot be built
  const defaults = Object.fromEntries(Object.entries(props).map(([k, d]) => [k, d.default])) as Props;
  try {
    for (const m of missingCounts(vmsd, reset(defaults), dc.bound.deviceVmsds)) dc.notes.unmodelled.push(m);
  } catch {
    /* a reset that throws is reported by the case itself */
  }
  const fixed = outsideFixed(chain, top, view, snap);
  const boardOnly = boardOnlyOf(snap, view, c, chain);
  if (rule) dc.notes.hooks.push(`generator rule: ${rule.why}`);
  const accept = dc.rejecting.size || dc.validates.size ? acceptedBy(vmsd, dc.rejecting, dc.validates, dc.propMembers, reset) : undefined;
  let domain: ReturnType<typeof domainSteps> = { refine: null, notes: [] };
  try {
    domain = domainSteps(vmsd, reset(defaults), domains, (name) => qapiEnums(snap.root).enums.get(name)?.members);
  } catch {
    /* a reset that throws is reported by the case itself */
  }
  for (const n of domain.notes) dc.notes.hooks.push(`generator domain: ${n}`);
  return {
    ...(boardOnly ? { boardOnly } : {}),
    name: section?.name ?? c.name,
    type: c.name,
    parents: [...chain.slice(1).map((x) => x.name), ...dc.bound.parents],
    props,
    vmsd,
    idstr: vmsd.name,
    instanceId: section?.instanceId ?? 0,
    ...(section && section.aliasId >= 0 ? { aliasId: section.aliasId } : {}),
    reset,
    gen: genOf(dc.custom, fixed, reset, rule, accept, domain.refine),
    extracted: dc.notes,
  };
}

/**
 * A class whose pre_save dispatches to a class hook that fills the state
 * from KVM (outside-fills.ts): the fields of its VMSD's struct (subsections
 * included) that hook never writes are held at their reset value, each with
 * the reason.
 */
function outsideFixed(chain: readonly ExtractedClass[], top: ExtractedVmsd, view: ModelView, snap: TreeSnapshot): Record<string, string> {
  const fill = chain.map((c) => snap.outsideFills?.[c.name]).find((x) => x !== undefined);
  if (!fill || !top.hooks.pre_save) return {};
  const written = new Set(fill.members);
  const out: Record<string, string> = {};
  const visit = (v: ExtractedVmsd, seen: Set<ExtractedVmsd>) => {
    if (seen.has(v)) return;
    seen.add(v);
    for (const f of v.fields ?? []) {
      if (isPlaceholder(f)) continue;
      const member = f.name.split(/[.[]/)[0]!;
      if (!written.has(member)) out[`${v.name}:${f.name}`] = `${fill.fn} (${fill.file}:${fill.line}) fills the state from KVM and never sets ${member}: it keeps its reset value`;
    }
    for (const s of v.subsections) {
      const sv = view.vmsd(s);
      if (sv) visit(sv, seen);
    }
  };
  visit(top, new Set());
  return out;
}

/** A generated state's `members` put back to their reset value (what the in-kernel device never changes). */
/** The class's generator hooks: members a KVM-filling hook never sets held at reset, the fields' C domains (domains.ts), the class's own rule, then what keeps the device's own load refusals from firing. */
function genOf(
  custom: DeviceCtx['custom'],
  fixed: Record<string, string>,
  reset: (p: Props) => State,
  rule: StateRule | undefined,
  accept?: (s: State, p: Props) => State,
  domain: ((s: State, p: Props) => State) | null = null,
): NonNullable<DeviceClass['gen']> {
  const steps = [
    ...(Object.keys(fixed).length ? [holdAtReset(Object.keys(fixed).map((k) => k.slice(k.indexOf(':') + 1)), reset)] : []),
    ...(domain ? [domain] : []),
    ...(rule ? [rule.refine] : []),
    ...(accept ? [accept] : []),
  ];
  const out: NonNullable<DeviceClass['gen']> = { custom, ...(Object.keys(fixed).length ? { fixed } : {}) };
  if (steps.length === 1) out.refine = steps[0]!;
  else if (steps.length > 1) out.refine = (s: State, p: Props) => steps.reduce((x, f) => f(x, p), s);
  return out;
}

/**
 * The generator keeps to what the device's own post_load accepts (a state
 * it refuses is none a running QEMU has): where a translated post_load
 * (hooks.ts) would refuse a generated struct, the members its refusals read
 * go back to their reset value (the top struct's from the class's reset,
 * a nested one's blank), once; a state still refused stays, and its own
 * round trip says so.
 */
function acceptedBy(
  top: VMStateDescription,
  rejecting: ReadonlyMap<VMStateDescription, readonly HookStep[]>,
  validates: DeviceCtx['validates'],
  propMembers: PredicateEnv['propMembers'],
  reset: (p: Props) => State,
): (s: State, p: Props) => State {
  return (s, p) => {
    let fresh: State | null = null;
    eachStruct(top, s, (d, st) => {
      const ctx = { props: p, device: s } as unknown as VmCtx;
      if (d.needed && d !== top && !safe(() => d.needed!(st, ctx))) return;
      // a VMSTATE_VALIDATE the save itself checks ("Output state validation failed"): what it reads goes back to reset
      for (const val of validates.get(d) ?? []) {
        if (safe(() => val.test(st, d.version_id, ctx))) continue;
        const from = st === s ? (fresh ??= reset(p)) : blankState(d);
        for (const path of val.reads) resetKey(st, from, path);
      }
      const steps = rejecting.get(d);
      if (!steps) return;
      const env: PredicateEnv = { self: st, device: s, props: p, propMembers, version: d.version_id };
      if (!wouldReject(steps, env, structuredCloneState)) return;
      const from = st === s ? (fresh ??= reset(p)) : blankState(d);
      for (const r of steps) if (isReject(r) && r.when) for (const m of membersOf(r.when)) if (m.root === 'self') resetKey(st, from, m.path);
    });
    return s;
  };
}

const safe = (f: () => boolean) => {
  try {
    return f();
  } catch {
    return false;
  }
};

/** The state key a member path falls in (its longest dotted prefix that is a key), copied from `from`. */
function resetKey(st: State, from: State, path: readonly (string | number)[]): void {
  for (let n = path.length; n > 0; n--) {
    const head = path.slice(0, n);
    if (head.some((x) => typeof x !== 'string')) continue;
    const k = head.join('.');
    if (k in st && k in from) {
      st[k] = structuredCloneState({ v: from[k] } as State).v;
      return;
    }
  }
}

function holdAtReset(members: readonly string[], reset: (p: Props) => State): (s: State, p: Props) => State {
  return (s, p) => {
    const r = reset(p);
    for (const m of members) if (hasMember(r, m)) setMember(s, m, r[m]);
    return s;
  };
}

/** Why a class that is not user-creatable is absent from a machine type: who says so, and where the code that names it is. */
/**
 * Where a class that is not user-creatable can be (DeviceClass.boardOnly).
 * An abstract owner (a class-less section registered by a common realize,
 * such as apic-common's) is where any of its concrete subclasses can be:
 * none board-only means anywhere, else the union of their machine types.
 */
function boardOnlyOf(snap: TreeSnapshot, view: ModelView, c: ExtractedClass, chain: readonly ExtractedClass[]): DeviceClass['boardOnly'] {
  const placement = snap.placement;
  if (!placement || !notUserCreatable(chain.map((x) => x.name), placement)) return undefined;
  const why = boardOnlyWhy(c.name, chain, placement);
  if (!c.abstract) return { machines: boardMachines(c.name, placement, snap.model, snap.machines), why };
  const subs = snap.model.classes.filter((d) => !d.abstract && d.name !== c.name && ancestry(view, d.name).some((x) => x.name === c.name));
  if (!subs.length) return { machines: boardMachines(c.name, placement, snap.model, snap.machines), why };
  const machines = new Set<string>();
  for (const d of subs) {
    if (!notUserCreatable(ancestry(view, d.name).map((x) => x.name), placement)) return undefined;
    for (const m of boardMachines(d.name, placement, snap.model, snap.machines)) machines.add(m);
  }
  return { machines: [...machines], why: `${why}; nor any of its subclasses (${subs.map((d) => d.name).join(', ')})` };
}

function boardOnlyWhy(name: string, chain: readonly ExtractedClass[], p: NonNullable<TreeSnapshot['placement']>): string {
  const says = chain.find((x) => x.name in p.userCreatable);
  const files = p.mentions[name] ?? [];
  const where = files.length ? `only the boards of other machine types name it (${files.join(', ')})` : 'no code of the target creates it';
  return `not user-creatable (${says?.class_init ?? says?.name ?? 'its class'} sets user_creatable = false, ${says?.at.file ?? ''}) and ${where}`;
}

/**
 * A property of an ancestor class names its member in the ancestor's struct
 * (`conf.max_outputs` in VirtIOGPUBase); the device's VMSDs reach it through
 * the embedding parent (`parent_obj.conf.max_outputs`). Such members are
 * added under the path the VMSDs use.
 */
function aliasParentMembers(propMembers: Map<string, { prop: string; bit?: number }[]>, vmsds: readonly VMStateDescription[]): void {
  const migrated = new Set<string>();
  for (const v of vmsds) eachField(v, (f) => f.member !== null && migrated.add(f.member));
  for (const [member, list] of [...propMembers]) {
    if (migrated.has(member)) continue;
    for (const m of migrated) if (m.endsWith(`.${member}`) && !propMembers.has(m)) propMembers.set(m, list);
  }
}

function eachField(v: VMStateDescription, visit: (f: VMStateField) => void, seen = new Set<VMStateDescription>()): void {
  if (seen.has(v)) return;
  seen.add(v);
  for (const f of v.fields) visit(f);
  for (const sub of v.subsections ?? []) eachField(sub, visit, seen);
}

/** The names of every VMSD a device's tree reaches (nested structs, subsections). */
function vmsdNames(v: VMStateDescription, out = new Set<string>()): Set<string> {
  if (out.has(v.name)) return out;
  out.add(v.name);
  for (const f of v.fields) {
    if (f.vmsd) vmsdNames(f.vmsd, out);
    for (const n of f.info?.nested ?? []) vmsdNames(n, out);
  }
  for (const sub of v.subsections ?? []) vmsdNames(sub, out);
  return out;
}


/** Variable arrays and buffers whose count or size member the reset state lacks (set by realize), as notes. */
function missingCounts(v: VMStateDescription, s: State, extra: readonly VMStateDescription[]): string[] {
  const out = new Set<string>();
  const visit = (d: VMStateDescription, st: State) => {
    for (const f of d.fields) {
      const m = f.flags & F.VMS_VARRAY_ANY ? f.num_member : f.flags & F.VMS_VBUFFER ? f.size_member : undefined;
      if (!m || typeof st[m] === 'number' || typeof st[m] === 'bigint') continue;
      out.add(`${d.name}:${f.name}: its ${f.flags & F.VMS_VBUFFER ? 'size' : 'count'} member '${m}' is set at realize (neither migrated nor a property); it needs an entry in scenarios/common/realize.ts`);
    }
  };
  eachStruct(v, s, visit);
  for (const x of extra) eachStruct(x, s, visit);
  return [...out];
}

/** A property-set member's value: the property, or the bits of the bit properties over `base`. */
function propValue(list: readonly { prop: string; bit?: number }[], p: Readonly<Record<string, unknown>>, base: unknown): unknown {
  let v = base;
  for (const { prop, bit } of list) {
    const pv = p[prop];
    if (bit === undefined) v = pv;
    else if (pv === true) v = typeof v === 'bigint' ? v | (1n << BigInt(bit)) : Number(v ?? 0) | (1 << bit);
  }
  return typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * The state keys that reach a property's member inside nested structs (a
 * struct member's key may itself be dotted: `parent_obj.parent_obj`), or
 * null. The member path is relative to the struct that declares the
 * property, which may be an ancestor embedded as `parent_obj`: a path that
 * does not resolve is tried again under one, two, three `parent_obj.`.
 */
function locate(s: State, member: string): string[] | null {
  const walk = (o: State, path: string, depth: number): string[] | null => {
    if (depth > 8) return null;
    if (hasMember(o, path) && (typeof o[path] !== 'object' || o[path] instanceof Uint8Array)) return [path];
    for (const k of Object.keys(o)) {
      const x = o[k];
      if (!path.startsWith(`${k}.`) || !x || typeof x !== 'object' || Array.isArray(x) || x instanceof Uint8Array) continue;
      const rest = walk(x as State, path.slice(k.length + 1), depth + 1);
      if (rest) return [k, ...rest];
    }
    return null;
  };
  for (let up = 0; up <= 3; up++) {
    const keys = walk(s, `${'parent_obj.'.repeat(up)}${member}`, 0);
    if (keys && keys.length > 1) return keys;
  }
  return null;
}

/** Sets `path` (a member, or `struct.member` into a nested struct the state has). */
function setPath(s: State, path: string, v: unknown): void {
  const dot = path.indexOf('.');
  const head = dot < 0 ? '' : path.slice(0, dot);
  const inner = head ? memberOf(s, head) : undefined;
  if (inner && typeof inner === 'object' && !Array.isArray(inner) && !(inner instanceof Uint8Array)) setPath(inner as State, path.slice(dot + 1), v);
  else setMember(s, path, v);
}

/** Count and size members the VMSDs name (num_member, size_member), as paths from the top: `num_timers`, `xhci.numintrs`. */
function countMembers(vmsds: readonly VMStateDescription[]): Set<string> {
  const out = new Set<string>();
  const visit = (v: VMStateDescription, prefix: string, depth: number) => {
    if (depth > 8) return;
    eachField(v, (f) => {
      if (f.num_member) out.add(prefix + f.num_member);
      if (f.size_member) out.add(prefix + f.size_member);
      if (f.vmsd && f.member !== null && f.flags & F.VMS_STRUCT && !(f.flags & F.VMS_ARRAY)) visit(f.vmsd, `${prefix}${f.member}.`, depth + 1);
    });
  };
  for (const v of vmsds) visit(v, '', 0);
  return out;
}

/** Sets the realize-time members the override table names, where their VMSD's struct is. */
function applyRealize(v: VMStateDescription, s: State, overrides: readonly RealizeOverride[], props: Props): void {
  eachStruct(v, s, (d, st) => {
    for (const o of overrides) {
      if (o.vmsd !== d.name) continue;
      const path = o.member.split('.');
      // the engine keys a struct member by its name, a flattened member by its dotted path
      let obj: State = st;
      let i = 0;
      while (i < path.length - 1 && memberOf(obj, path[i]!) && typeof obj[path[i]!] === 'object') obj = obj[path[i++]!] as State;
      const key = path.slice(i).join('.');
      const value = typeof o.value === 'number' ? o.value : o.value(props);
      if (!o.initial) setMember(obj, key, value);
      else if (hasMember(obj, key)) setMember(obj, key, typeof obj[key] === 'boolean' ? value !== 0 : value);
    }
  });
}

/** Variable arrays and buffers as long as the members that count them (a property may set a count), in nested structs too. */
function conformCounts(v: VMStateDescription, s: State): void {
  eachStruct(v, s, conformOne);
}

function conformOne(v: VMStateDescription, s: State): void {
  for (const f of v.fields) {
    if (f.member === null) continue;
    if (f.flags & F.VMS_VARRAY_ANY && f.num_member && typeof memberOf(s, f.num_member) === 'number') {
      const n = Math.max(0, Number(s[f.num_member]) * (f.flags & F.VMS_MULTIPLY_ELEMENTS ? (f.num ?? 1) : 1));
      const had = memberOf(s, f.member);
      const cur = Array.isArray(had) ? (had as unknown[]) : [];
      const one = () => (f.vmsd ? blankState(f.vmsd) : blankValue(f.info?.name ?? '', f.size ?? 0));
      if (n <= 1024) setMember(s, f.member, Array.from({ length: n }, (_, i) => (i < cur.length ? cur[i] : one())));
    } else if (f.flags & F.VMS_VBUFFER && f.size_member && typeof memberOf(s, f.size_member) === 'number') {
      const n = Number(s[f.size_member]) * (f.flags & F.VMS_MULTIPLY ? (f.size ?? 1) : 1);
      const had = memberOf(s, f.member);
      if (n >= 0 && n <= 1 << 20 && !(had instanceof Uint8Array && had.length === n)) setMember(s, f.member, new Uint8Array(n));
    }
  }
}

/**
 * A member several buffer fields save under exclusive tests (PCIDevice's
 * `config`, 256 or 4096 bytes by pci_is_express) takes the size of the
 * field that exists for these properties.
 */
function conformBuffers(v: VMStateDescription, s: State, props: Readonly<Record<string, unknown>>): void {
  const ctx = { props, device: s } as unknown as VmCtx;
  const visit = (d: VMStateDescription, st: State, depth: number) => {
    if (depth > 8) return;
    for (const f of d.fields) {
      if (f.member === null) continue;
      const cur = memberOf(st, f.member);
      if (f.vmsd && cur && typeof cur === 'object' && !Array.isArray(cur)) visit(f.vmsd, cur as State, depth + 1);
      if (!(f.flags & F.VMS_BUFFER) || !f.field_exists || f.size === undefined) continue;
      if (cur instanceof Uint8Array && cur.length === f.size) continue;
      let exists = false;
      try {
        exists = f.field_exists(st, d.version_id, ctx);
      } catch {
        exists = false;
      }
      if (exists) setMember(st, f.member, new Uint8Array(f.size));
    }
  };
  visit(v, s, 0);
}

/** Object.assign for members: each own member of `from` becomes an own member of `to` (a `__proto__` one included). */
function assignMembers(to: State, from: State): void {
  for (const k of Object.keys(from)) setMember(to, k, from[k]);
}

function structuredCloneState(s: State): State {
  const clone = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return (v as Uint8Array).slice();
    if (Array.isArray(v)) return v.map(clone);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
    return v;
  };
  return clone(s) as State;
}

/**
 * A field with no member of its own: VMSTATE_UNUSED's placeholder bytes
 * (vmstate_info_unused_buffer) or a record with no offset (VMSTATE_VALIDATE,
 * a codec over the whole struct). Not its name: a real member may be called
 * `unused` (globalstate's `VMSTATE_BUFFER(unused, GlobalState)`, which
 * pre_save zeroes and which travels as data).
 */
function isPlaceholder(f: ExtractedField): boolean {
  return !f.offset || (f.info !== null && codecName(f.info) === 'vmstate_info_unused_buffer');
}

/** Member keys a VMSD (and its subsections, which share its struct) migrates. */
function membersOfVmsd(view: ModelView, v: ExtractedVmsd, out = new Set<string>(), seen = new Set<ExtractedVmsd>()): Set<string> {
  if (seen.has(v)) return out;
  seen.add(v);
  for (const f of v.fields ?? []) if (!isPlaceholder(f)) out.add(f.name);
  for (const s of v.subsections) {
    const sv = view.vmsd(s);
    if (sv) membersOfVmsd(view, sv, out, seen);
  }
  return out;
}

/** `Type.member` / `struct Type.member` (how the extractor names an offset) → the member path. */
const stripType = (m: string | null) => (m ? m.replace(/^(?:(?:struct|union)\s+)?[A-Za-z_]\w*\./, '') : undefined);

class VmsdConverter {
  private readonly done = new Map<ExtractedVmsd, VMStateDescription>();
  /** Hooks installed (`vmsd.hook`): the members a pre_save leaves drawn, whether it stops part way, what it writes. */
  private readonly installed = new Map<string, { drawn: string[]; partial: boolean; writes: string[] }>();
  constructor(
    private readonly snap: TreeSnapshot,
    private readonly view: ModelView,
    private readonly codecs: CodecTable,
    private readonly dc: DeviceCtx,
  ) {}

  /**
   * Where each converted VMSD's struct sits in the device's top state (a
   * struct field's member path), when it is reached once, not as an array
   * element: a test of the nested struct may read a member its container
   * migrates (`esp.mig_version_id` saved before the `esp` struct).
   */
  private readonly prefixes = new Map<ExtractedVmsd, string[] | null>();

  convert(v: ExtractedVmsd, selfMembers?: Set<string>, prefix: string[] | null = null): VMStateDescription {
    const known = this.done.get(v);
    if (known) return known;
    const out: VMStateDescription = { name: v.name, version_id: v.version_id, minimum_version_id: v.minimum_version_id, fields: [] };
    const rule = this.dc.reachable.find((r) => r.vmsd === v.name);
    if (rule) out.reachable = rule.rule;
    this.done.set(v, out);
    this.prefixes.set(v, prefix);
    const members = selfMembers ?? membersOfVmsd(this.view, v);
    for (const [hook, fn] of Object.entries(v.hooks)) {
      if (hook === 'needed') continue;
      if (this.installHook(out, v, hook, fn, members) === null) continue;
      this.dc.notes.hooks.push(`${v.name}.${hook} = ${fn}`);
    }
    if (v.hooks.needed) {
      const p = this.predicate(v, v.hooks.needed, members, 'needed');
      out.needed = (state, ctx) => p(state, v.version_id, ctx);
    }
    out.fields = (v.fields ?? []).map((f) => this.field(v, f, members));
    out.subsections = v.subsections.flatMap((s) => {
      const sv = this.view.vmsd(s);
      if (!sv) {
        this.dc.notes.unmodelled.push(`subsection ${s.name} of ${v.name} (not found in the tree)`);
        return [];
      }
      return [this.convert(sv, members, prefix)];
    });
    return out;
  }

  /** A VMSD of the tree by migration name, the one in `file` first, converted. */
  private byName(name: string, file: string): VMStateDescription | undefined {
    const all = this.snap.model.vmsds.filter((x) => x.name === name && x.fields);
    const v = all.find((x) => x.at.file === file) ?? all[0];
    return v ? this.convert(v) : undefined;
  }

  /**
   * A needed() or field test: its translation, else the override table's
   * answer, else an opaque predicate: a named input (`fn()`, a bool
   * property the case draws both ways). An opaque needed() defaults to
   * false (the subsection is not sent, as in a device that never left the
   * common case), an opaque field test to true (the field is sent).
   */
  private predicate(v: ExtractedVmsd, fn: string, members: Set<string>, what: 'needed' | 'test'): FieldExists {
    const t = this.snap.predicates[`${v.at.file}#${fn}`];
    let expr: Expr | null = null;
    let reason = t && !t.ok ? t.reason : 'not translated';
    if (t?.ok) {
      // realize-time members (the override table) are constants of the class: folded away before what is left must resolve
      const e = fold(substitute(this.throughContainer(v, t.expr, members), (m) => (this.resolvable(m, members) ? undefined : this.realized(v, m))));
      const bad = membersOf(e).find((m) => !this.resolvable(m, members));
      this.mention(membersOf(e));
      if (bad) reason = `reads ${bad.path.join('.')}, which is neither migrated nor a property`;
      else expr = e;
    }
    if (!expr) {
      const o = this.dc.predicates.find((x) => x.fn === fn);
      if (o) {
        const said = `${v.name} ${what} ${fn} from the override table (${o.from})`;
        if (!this.dc.notes.predicates?.includes(said)) (this.dc.notes.predicates ??= []).push(said);
        return (state: State, version: number, ctx: VmCtx) => o.test(state, ctx.props, version, ctx.device);
      }
      const name = `${fn}()`;
      if (!this.dc.inputs.has(name)) this.dc.inputs.set(name, { default: what === 'test', reason: `${v.name} ${what} ${fn}: ${reason}` });
      expr = { k: 'input', name };
    }
    for (const i of inputsOf(expr)) if (!this.dc.inputs.has(i)) this.dc.inputs.set(i, { default: false, reason: `${fn} calls ${i}, which the model cannot answer` });
    const e = expr;
    return (state: State, version: number, ctx: VmCtx) => {
      const env: PredicateEnv = { self: state, device: ctx.device, props: ctx.props, propMembers: this.dc.propMembers, version };
      return evalExpr(e, env) !== 0n;
    };
  }

  /** A member of the VMSD's struct the realize-time table sets for this class (the reset state carries it). */
  private realized(v: ExtractedVmsd, m: Extract<Expr, { k: 'member' }>): number | undefined {
    if (m.root !== 'self') return undefined;
    const o = this.dc.realize.find((x) => x.vmsd === v.name && x.member === m.path.join('.'));
    // a value realize computes from the properties is known only per case: not folded here
    return typeof o?.value === 'number' ? o.value : undefined;
  }

  /** Members of a nested struct its own VMSD does not migrate but its container does (at the struct's place in the device): read from the device. */
  private throughContainer(v: ExtractedVmsd, e: Expr, members: Set<string>): Expr {
    const at = this.prefixes.get(v);
    if (!at || !at.length) return e;
    const map = (x: Expr): Expr => {
      switch (x.k) {
        case 'member': {
          if (x.root !== 'self' || this.resolvable(x, members)) return x;
          const path = [...at, ...x.path];
          // a key of the container that names the member itself (`core.ver`), not the struct it sits in (`core`)
          const names = path.filter((p): p is string => typeof p === 'string');
          for (let n = names.length; n > at.length; n--) if (this.dc.deviceMembers.has(names.slice(0, n).join('.'))) return { k: 'member', root: 'device', path };
          return x;
        }
        case 'un':
          return { ...x, e: map(x.e) };
        case 'bin':
          return { ...x, l: map(x.l), r: map(x.r) };
        case 'cond':
          return { ...x, c: map(x.c), a: map(x.a), b: map(x.b) };
        case 'call':
          return { ...x, args: x.args.map(map) };
        default:
          return x;
      }
    };
    return map(e);
  }

  /**
   * A translated hook's steps (hooks.ts) whose members all resolve, writing
   * only migrated members; else why not. A load hook keeps the steps before
   * the first that does not resolve (C runs in order), saying the rest in
   * `rest`; a pre_save is all or nothing.
   */
  private hookSteps(v: ExtractedVmsd, fn: string, members: Set<string>, load: boolean): { steps: HookStep[]; rest?: string; drawn?: string[] } | string {
    const t = this.snap.hooks?.[`${v.at.file}#${fn}`];
    if (!t) return 'not translated';
    if (!t.ok) return t.reason;
    const steps: HookStep[] = [];
    for (const a of t.assigns) {
      let why: string | null = null;
      const read = [...(isReject(a) ? [] : membersOf(a.e)), ...(a.when ? membersOf(a.when) : [])];
      this.mention(isReject(a) ? read : [...read, { path: a.path }]);
      if (!isReject(a) && !this.resolvable({ k: 'member', root: a.root, path: a.path }, members, false)) why = `writes ${a.path.join('.')}, which is not migrated`;
      const bad = read.find((m) => !this.resolvable(m, members));
      if (!why && bad) why = `reads ${bad.path.join('.')}, which is neither migrated nor a property`;
      if (why) {
        if (!load || !steps.length) return why;
        return { steps, rest: `from line ${isReject(a) ? a.line : '?'}: ${why}` };
      }
      for (const i of [...(isReject(a) ? [] : inputsOf(a.e)), ...(a.when ? inputsOf(a.when) : [])]) {
        if (!this.dc.inputs.has(i)) this.dc.inputs.set(i, { default: false, reason: `${fn} calls ${i}, which the model cannot answer` });
      }
      steps.push(a);
    }
    return t.rest ? { steps, rest: t.rest, ...(t.drawn ? { drawn: t.drawn } : {}) } : { steps };
  }

  /** Notes the names member paths step through (DeviceCtx.mentioned). */
  private mention(list: readonly { path: readonly (string | number)[] }[]): void {
    for (const m of list) for (const x of m.path) if (typeof x === 'string') for (const part of x.split('.')) this.dc.mentioned.add(part);
  }

  /** Installs a translated hook on the converted VMSD: a pre_save's assignments, a load hook's assignments and refusals. */
  private installHook(out: VMStateDescription, v: ExtractedVmsd, hook: string, fn: string, members: Set<string>): string | null {
    if (hook !== 'pre_save' && hook !== 'post_load' && hook !== 'pre_load') return 'not translated';
    const h = this.hookSteps(v, fn, members, hook !== 'pre_save');
    if (typeof h === 'string') return h;
    const env = (state: State, ctx: VmCtx, version: number): PredicateEnv => ({ self: state, device: ctx.device, props: ctx.props, propMembers: this.dc.propMembers, version });
    const refused = (r: Reject | null): PostLoadFailure | undefined =>
      r ? { errno: errnoOf(r.reject), message: `${fn} (${v.name}.${hook}, line ${r.line}) returns ${r.reject}${r.when ? ` when ${exprText(r.when)}` : ''}` } : undefined;
    const { steps } = h;
    if (hook === 'pre_save') out.pre_save = (state, ctx) => void applyAssigns(steps, env(state, ctx, v.version_id));
    else if (hook === 'pre_load') out.pre_load = (state, ctx) => refused(applyAssigns(steps, env(state, ctx, v.version_id)));
    else {
      out.post_load = (state, version, ctx) => refused(applyAssigns(steps, env(state, ctx, version)));
      if (steps.some(isReject)) this.dc.rejecting.set(out, steps);
    }
    if (h.rest) this.dc.notes.hooks.push(`${v.name}.${hook} = ${fn} in part (not modelled ${h.rest})`);
    this.installed.set(`${v.name}.${hook}`, { drawn: h.drawn ?? [], partial: !!h.rest && !h.drawn, writes: steps.flatMap((x) => (isReject(x) ? [] : [x.path.join('.')])) });
    return null;
  }

  /**
   * Why a VMSTATE_VALIDATE cannot be trusted, or null. It checks an
   * invariant of the device, so a verdict through it needs its test
   * translated, every member it reads migrated by its own VMSD or set by a
   * property (anything else is realize's or a hook's, which the model does
   * not run: hpet's num_timers_save, copied by pre_save), and no
   * untranslated pre_save / pre_load in its VMSD that could set them.
   */
  private validateUnknown(v: ExtractedVmsd, f: ExtractedField, members: Set<string>): string | null {
    const what = `VMSTATE_VALIDATE '${f.name}'`;
    const t = f.field_exists ? this.snap.predicates[`${v.at.file}#${f.field_exists}`] : undefined;
    if (!t?.ok) return `${what}: its test ${f.field_exists ?? '(none)'} is not translated${t && !t.ok ? ` (${t.reason})` : ''}`;
    const kind = v.hooks.pre_save ? 'pre_save' : 'pre_load';
    const hook = v.hooks[kind];
    // a modelled hook sets what it sets; one that stops part way or draws what the test reads may set it otherwise
    const done = hook ? this.installed.get(`${v.name}.${kind}`) : undefined;
    const read = membersOf(t.expr).map((m) => m.path.filter((x): x is string => typeof x === 'string').join('.'));
    this.mention(membersOf(t.expr));
    if (hook && (!done || done.partial || read.some((p) => done.drawn.includes(p)))) return `${what} checks what ${v.name}'s ${kind} ${hook} may set, and no hook is modelled`;
    for (const m of membersOf(t.expr)) {
      const path = m.path.filter((x): x is string => typeof x === 'string').join('.');
      if (done?.writes.includes(path)) continue;
      if (m.root !== 'self' || !(members.has(path) || this.dc.propMembers.has(path))) return `${what}: its test reads ${path}, which is neither migrated by ${v.name} nor a property (realize sets it)`;
    }
    return null;
  }

  private resolvable(m: Extract<Expr, { k: 'member' }>, self: Set<string>, orProperty = true): boolean {
    const names = m.path.filter((p): p is string => typeof p === 'string');
    const set = m.root === 'self' ? self : this.dc.deviceMembers;
    for (let n = names.length; n > 0; n--) if (set.has(names.slice(0, n).join('.'))) return true;
    return orProperty && this.dc.propMembers.has(names.join('.'));
  }

  private field(v: ExtractedVmsd, f: ExtractedField, members: Set<string>): VMStateField {
    let flags = 0;
    for (const fl of f.flags) flags |= FLAG_VALUES[fl] ?? 0;
    const test = f.field_exists ? this.predicate(v, f.field_exists, members, 'test') : undefined;
    const base: VMStateField = { name: f.name, member: isPlaceholder(f) ? null : f.name, flags, version_id: f.version_id };
    if (test) base.field_exists = test;
    if (f.err_hint) base.err_hint = f.err_hint;
    if (f.num !== null) base.num = f.num;
    if (f.size !== null && !(flags & (F.VMS_STRUCT | F.VMS_VSTRUCT))) base.size = f.size;
    const nm = stripType(f.num_offset);
    if (nm) base.num_member = nm;
    const sm = stripType(f.size_offset);
    if (sm) base.size_member = sm;
    const unmodelled = (why: string) => {
      this.dc.notes.unmodelled.push(`${v.name}:${f.name} ${why} (${f.at.file}:${f.at.line})`);
      return { ...base, flags: base.flags & ~(F.VMS_STRUCT | F.VMS_VSTRUCT), info: notModelled(why) };
    };
    const nested = f.vmsd ? this.view.vmsd(f.vmsd) : undefined;
    if (f.vmsd && !nested) return unmodelled(`names VMSD ${f.vmsd.name}, not found in the tree`);
    if (flags & (F.VMS_STRUCT | F.VMS_VSTRUCT)) {
      const at = this.prefixes.get(v);
      const once = at && f.offset && !(flags & (F.VMS_ARRAY | F.VMS_VARRAY_ANY | F.VMS_POINTER | F.VMS_ARRAY_OF_POINTER));
      base.vmsd = this.convert(nested!, undefined, once ? [...at, f.name] : null);
      if (flags & F.VMS_VSTRUCT) base.struct_version_id = f.struct_version_id;
      return base;
    }
    // VMSTATE_VALIDATE: a test over zero elements, no bytes; a false test fails the load (VMS_MUST_EXIST)
    if (!f.info && codecless(base)) {
      const why = this.validateUnknown(v, f, members);
      if (why) return unmodelled(why);
      const t = this.snap.predicates[`${v.at.file}#${f.field_exists}`];
      if (t?.ok && base.field_exists) {
        const owner = this.done.get(v)!;
        const list = this.dc.validates.get(owner) ?? [];
        list.push({ test: base.field_exists, reads: membersOf(t.expr).filter((m) => m.root === 'self').map((m) => m.path) });
        this.dc.validates.set(owner, list);
      }
      return base;
    }
    if (!f.info) return unmodelled('has no VMStateInfo');
    const cname = codecName(f.info);
    if (cname === 'vmstate_info_tmp' && nested) {
      // the tmp struct is filled by its pre_save from the parent: a count it does not migrate comes from there
      const own = membersOfVmsd(this.view, nested);
      const counted = (nested.fields ?? []).find((x) => (x.num_offset || x.size_offset) && !own.has(stripType(x.num_offset ?? x.size_offset)!));
      if (counted) {
        const m = stripType(counted.num_offset ?? counted.size_offset);
        return unmodelled(`(VMSTATE_WITH_TMP ${nested.name}): the count '${m}' of ${counted.name} is the tmp's, set by ${nested.hooks.pre_save ? `its pre_save ${nested.hooks.pre_save}` : 'code'} the model does not run`);
      }
      // the tmp's hooks read and write the struct it is saved from through `parent` (tmp->parent->has_ufo)
      const withParent = new Set([...own, ...[...members].map((m) => `${TMP_PARENT}.${m}`)]);
      return { ...VMSTATE_WITH_TMP_TEST(test, this.convert(nested, withParent)), version_id: f.version_id };
    }
    if ((cname === 'vmstate_info_qtailq' || cname === 'vmstate_info_qlist') && nested) {
      const mk = cname === 'vmstate_info_qtailq' ? VMSTATE_QTAILQ_V : VMSTATE_QLIST_V;
      return { ...mk(f.name, f.version_id, this.convert(nested)), field_exists: test };
    }
    const prim = PRIMITIVES.get(cname);
    if (prim) {
      if ((flags & (F.VMS_BUFFER | F.VMS_ARRAY)) && f.size === null && !(flags & F.VMS_VBUFFER)) return unmodelled('size unresolved');
      return { ...base, info: prim };
    }
    const bind = this.codecs[cname]?.(f, { device: this.dc.device, vmsd: (name) => this.byName(name, f.at.file), props: this.dc.props, classProps: this.dc.classProps });
    if (!bind) return unmodelled(`codec ${cname} has no hand-written binding`);
    if (typeof bind === 'string') return unmodelled(`codec ${cname}: ${bind}`);
    if (bind.absent) {
      const owner = this.done.get(v)!;
      if (!v.hooks.needed) return unmodelled(`codec ${cname}: ${bind.absent}, but ${v.name} is not a subsection with a needed()`);
      // its needed() is answered: never, in the cases' configuration (no longer an input drawn both ways)
      owner.needed = () => false;
      this.dc.inputs.delete(`${v.hooks.needed}()`);
      this.dc.notes.hooks.push(`${v.name} never sent: ${bind.absent}`);
      return { ...base, info: bind.info };
    }
    if (bind.arbitrary) this.dc.custom[bind.info.name] = bind.arbitrary;
    if (bind.note) this.dc.notes.hooks.push(`${v.name}:${f.name}: ${bind.note}`);
    const b = this.dc.bound;
    if (bind.props) Object.assign(b.props, bind.props);
    if (bind.realized) Object.assign(b.realized, bind.realized);
    if (bind.parents) b.parents.push(...bind.parents.filter((x) => !b.parents.includes(x)));
    if (bind.deviceVmsds) b.deviceVmsds.push(...bind.deviceVmsds);
    const member = base.member ?? bind.member ?? null;
    if (bind.reset && member) b.resets.push({ member, reset: bind.reset });
    if (bind.structReset) b.structResets.push({ vmsd: this.done.get(v)!, reset: bind.structReset });
    return { ...base, member, info: bind.info };
  }
}

/** A codec the model cannot run: any save or load through it is an error naming it. */
function notModelled(why: string): VMStateInfo {
  const fail = (): never => {
    throw new VmError({ kind: 'bad-input', message: `not modelled: ${why}` });
  };
  return { name: `not modelled: ${why}`, put: fail, get: fail };
}
