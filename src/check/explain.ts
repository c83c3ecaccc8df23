import { resolveProps } from '../machine/props.js';
import type { Release } from '../machine/types.js';
import { compareDevice } from '../static/diff.js';
import { evaluate } from '../static/probe.js';
import { vmsdNode } from '../static/release.js';
import type { DeviceSchema, FieldNode, Finding, Predicate, VmsdNode } from '../static/types.js';
import type { Props, PropValue } from '../vmstate/types.js';
import { CAUSE_DOC, type CauseId } from './explain-vocabulary.js';
import type { Failure } from './failure.js';

export { CAUSES, CAUSE_DOC, isCause, type CauseId } from './explain-vocabulary.js';

/**
 * Why a failure happened, in one line from a fixed vocabulary, and the
 * usual fix. Computed from the two models by the static diff's reasoning
 * (src/static), narrowed to the direction that failed and the VMSD and
 * field where it failed; when the schemas show nothing there, from the
 * failure itself.
 */
export interface Explanation {
  cause: CauseId;
  /** One line: the cause in this case's own names (VMSD, fields, releases, properties). */
  text: string;
  /** The usual fix, in this case's names where the models say them. */
  hint: string;
}

export interface ExplainContext {
  /** The device's class name as cases use it; for a whole-VM case, null (every device is considered). */
  device: string | null;
  from: Release;
  to: Release;
  machine: string;
}

const make = (cause: CauseId, text?: string, hint?: string): Explanation => ({
  cause,
  text: text ?? CAUSE_DOC[cause].summary,
  hint: hint ?? CAUSE_DOC[cause].fix,
});

const FEATURES = /feature/i;

/** From the failure alone (real binaries, or when no model is at hand). */
export function explainByKind(f: Failure): Explanation {
  const e = byKind(f);
  const at = [f.vmsd, f.path].filter(Boolean).join(':');
  const first = f.message.split('\n')[0]!;
  if (e.cause === 'equal-value' || e.cause === 'load-validator' || e.cause === 'feature-bits') {
    const where = at && !first.startsWith(at) ? ` in ${at}` : '';
    return { ...e, text: `${f.loader} rejected what ${f.saver} sent${where}: ${first}` };
  }
  return e;
}

function byKind(f: Failure): Explanation {
  const said = [f.message, ...f.qemu].join('\n');
  if (f.stage === 'baseline') return f.kind === 'state-loss' ? make('state-loss') : make('model-broken');
  switch (f.kind) {
    case 'section-version-too-new':
    case 'version-too-new':
      return make('section-version-too-new');
    case 'version-too-old':
      return make('section-version-too-old');
    case 'unknown-subsection':
      return make('subsection-unknown');
    case 'equal-mismatch':
      return make('equal-value');
    case 'post-load-failed':
    case 'pre-load-failed':
    case 'validation-failed':
    case 'int32-le-range':
      return FEATURES.test(said) ? make('feature-bits') : make('load-validator');
    case 'unknown-section':
    case 'missing-section':
      return make('section-missing');
    case 'state-loss':
      // past the baseline, state loss is a member the receiver loads from the sender's VMSTATE_UNUSED placeholder (case.ts)
      return make(f.stage === 'forward' ? 'field-dropped' : 'state-loss');
    case 'value-changed':
      return make('value-lost');
    default:
      return make('unexplained');
  }
}

/** Where a VMSD sits in a device's tree: how it is reached decides whether its version is on the wire. */
interface Place {
  node: VmsdNode;
  via: 'section' | 'subsection' | 'struct' | 'vstruct' | 'inline';
}

function places(root: VmsdNode): Map<string, Place> {
  const out = new Map<string, Place>();
  const visit = (node: VmsdNode, via: Place['via']) => {
    if (out.has(node.name)) return;
    out.set(node.name, { node, via });
    for (const f of node.fields) {
      if (f.nested) visit(f.nested, f.kind === 'vstruct' ? 'vstruct' : 'struct');
      for (const n of f.inline) visit(n, 'inline');
    }
    for (const s of node.subsections) visit(s.vmsd, 'subsection');
  };
  visit(root, 'section');
  return out;
}

interface Sides {
  a: { label: string; props: Props; schema: DeviceSchema; places: Map<string, Place>; release: Release };
  b: { label: string; props: Props; schema: DeviceSchema; places: Map<string, Place>; release: Release };
}

function deviceSchema(release: Release, device: string, machine: string): DeviceSchema | null {
  const cls = release.devices.find((d) => d.name === device);
  const m = release.machines.find((x) => x.name === machine);
  if (!cls || !m) return null;
  return { key: cls.idstr, type: cls.type, name: cls.name, idstr: cls.idstr, props: resolveProps(cls, m.compat), vmsd: vmsdNode(cls.vmsd) };
}

/** The device whose section the failure is in (a whole-VM case names no device). */
function deviceOf(f: Failure, ctx: ExplainContext): string | null {
  if (ctx.device) return ctx.device;
  const vmsds = [f.vmsd, f.origin?.sent?.vmsd, f.origin?.read?.vmsd].filter((x): x is string => !!x);
  for (const r of [ctx.from, ctx.to]) {
    for (const cls of r.devices) {
      const p = places(vmsdNode(cls.vmsd));
      if (vmsds.some((v) => p.has(v))) return cls.name;
    }
  }
  return null;
}

/** Which static direction a stage is: forward (from saves, to loads), backward, or either (a round-trip compare). */
function directions(f: Failure): ('forward' | 'backward')[] {
  if (f.stage === 'forward') return ['forward'];
  if (f.stage === 'return') return ['backward'];
  return ['forward', 'backward'];
}

const leafOf = (path: string | null | undefined) => (path ? path.replace(/\[\d+\]/g, '').split('.').slice(-2) : []);

/** How well a finding matches where the failure happened: lower is better; null when it is in another direction. */
function rank(fd: Omit<Finding, 'machines' | 'section'>, f: Failure, dirs: ('forward' | 'backward')[]): number | null {
  const effect = dirs.some((d) => fd[d] !== 'ok');
  const dropped = (f.kind === 'value-changed' || f.kind === 'state-loss') && fd.change === 'unused-placeholder';
  if (!effect && !dropped) return null;
  const vmsds = [f.vmsd, f.origin?.sent?.vmsd, f.origin?.read?.vmsd].filter(Boolean);
  let r = vmsds.includes(fd.vmsd) ? 0 : 10;
  const fields = (fd.field ?? '').split(/, |→/);
  const leaves = [f.path, f.origin?.sent?.path, f.origin?.read?.path].flatMap(leafOf);
  if (fields.some((x) => leaves.some((l) => x === l || x.endsWith(`.${l}`) || l.endsWith(x)))) r -= 5;
  if (fd.change === 'field-added' || fd.change === 'field-removed') r -= 1;
  if (dropped) r -= 20;
  return r;
}

function list(names: string[]): string {
  return names.length <= 2 ? names.join(', ') : `${names[0]} … ${names.at(-1)} (${names.length} fields)`;
}

/** The machine type's compat array that belongs to the older release (`hw_compat_8_2`), for a hint. */
function compatArray(ctx: ExplainContext): string {
  const ver = (s: string) => /^(\d+)\.(\d+)/.exec(s);
  const older = [ctx.from.name, ctx.to.name].map(ver).filter((m): m is RegExpExecArray => m !== null);
  older.sort((x, y) => Number(x[1]) - Number(y[1]) || Number(x[2]) - Number(y[2]));
  const m = older[0] ?? /-(\d+)\.(\d+)$/.exec(ctx.machine);
  return m ? `hw_compat_${m[1]}_${m[2]}` : `the compat array of ${ctx.machine}`;
}

/** A value of `prop` that turns the predicate's answer over, so the hint can name it. */
function flippingValue(p: Predicate, version: number, props: Props, prop: string): PropValue | null {
  const now = evaluate(p, version, props).value;
  const v = props[prop];
  const candidates: PropValue[] = typeof v === 'boolean' ? [!v] : typeof v === 'number' ? [v - 1, 0, 1, v + 1] : typeof v === 'bigint' ? [v - 1n, 0n, 1n] : [];
  for (const c of candidates) {
    const a = evaluate(p, version, { ...props, [prop]: c });
    if (a.value !== now && (a.value === 'yes' || a.value === 'no')) return c;
  }
  return null;
}

const propText = (v: PropValue) => (typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v));

/** A gate on one side that reads a property: the compat-property explanation. */
function propertyGate(
  s: Sides,
  side: 'a' | 'b',
  p: Predicate,
  version: number,
  what: string,
  ctx: ExplainContext,
  consequence: string,
): Explanation | null {
  const o = s[side];
  const a = evaluate(p, version, o.props);
  if (a.props.length === 0) return null;
  const prop = a.props[0]!;
  const fix = flippingValue(p, version, o.props, prop);
  const type = o.schema.key;
  const text = `${what} is gated by ${type}.${prop} (${propText(o.props[prop]!)} at ${ctx.machine} in ${o.label}), and no compat array of ${ctx.machine} sets it back: ${consequence}`;
  const hint =
    fix === null
      ? `add ${type}.${prop} to ${compatArray(ctx)} with the value that keeps the old layout`
      : `add { "${type}", "${prop}", "${propText(fix)}" } to ${compatArray(ctx)}`;
  return make('compat-property-missing', text, hint);
}

/** One side's field node for a finding's field label. */
function fieldOf(s: Sides, side: 'a' | 'b', vmsd: string | null, label: string): { field: FieldNode; place: Place } | null {
  const place = vmsd ? s[side].places.get(vmsd) : undefined;
  const field = place?.node.fields.find((x) => x.label === label);
  return place && field ? { field, place } : null;
}

function nestedVersions(s: Sides, vmsd: string): string {
  const va = s.a.places.get(vmsd)?.node.version_id;
  const vb = s.b.places.get(vmsd)?.node.version_id;
  return va !== undefined && vb !== undefined && va !== vb ? `${vmsd} is version ${va} in ${s.a.label} and ${vb} in ${s.b.label}` : `${vmsd}'s version differs`;
}

/** Who sends what, for a field only one side has: `9.0.0 writes X, 8.2.0 does not read them`. */
function oneSided(fd: Omit<Finding, 'machines' | 'section'>, s: Sides, owner: 'a' | 'b', dirs: ('forward' | 'backward')[], names: string): string {
  const dir = dirs.find((d) => fd[d] !== 'ok') ?? dirs[0]!;
  const [saver, loader] = dir === 'forward' ? [s.a.label, s.b.label] : [s.b.label, s.a.label];
  const saverHas = (owner === 'a') === (dir === 'forward');
  const it = names.includes(' … ') || names.includes(', ') ? 'them' : 'it';
  return saverHas ? `${saver} writes ${names}, ${loader} does not read ${it}` : `${loader} reads ${names}, ${saver} does not write ${it}`;
}

function fromFinding(fd: Omit<Finding, 'machines' | 'section'>, f: Failure, s: Sides, ctx: ExplainContext, dirs: ('forward' | 'backward')[]): Explanation {
  const labels = (fd.field ?? '').split(', ').filter(Boolean);
  const names = list(labels);
  switch (fd.change) {
    case 'vmsd-version':
      return make('nested-version', `${nestedVersions(s, fd.vmsd!)}, and a nested struct's version is not on the wire: the fields gated on it are laid out differently by the two sides`);
    case 'field-added':
    case 'field-removed':
    case 'field-gate': {
      const owners: ('a' | 'b')[] = fd.change === 'field-added' ? ['b'] : fd.change === 'field-removed' ? ['a'] : ['b', 'a'];
      const consequence = oneSided(fd, s, owners[0]!, dirs, names);
      for (const owner of owners) {
        const hit = fieldOf(s, owner, fd.vmsd, labels[0]!);
        if (!hit) continue;
        const version = hit.place.node.version_id;
        if (hit.field.test) {
          const g = propertyGate(s, owner, hit.field.test, version, names, ctx, consequence);
          if (g) return g;
        } else if (hit.field.version_id > 0 && hit.place.via !== 'section' && hit.place.via !== 'subsection') {
          const how = hit.place.via === 'vstruct' ? "a VMS_VSTRUCT's struct_version_id" : hit.place.via === 'inline' ? 'the version of a VMSD a custom codec saves inline' : "a nested struct's version";
          const hint = CAUSE_DOC['nested-version'].fix;
          return make('nested-version', `${nestedVersions(s, fd.vmsd!)}; ${names} ${labels.length === 1 ? 'is' : 'are'} gated on it and ${how} is not on the wire: ${consequence}`, hint);
        }
      }
      const only = fd.change === 'field-added' ? s.b.label : fd.change === 'field-removed' ? s.a.label : null;
      const verb = only ? `exist${labels.length === 1 ? 's' : ''} in ${only} only` : `${labels.length === 1 ? 'is' : 'are'} gated differently by ${s.a.label} and ${s.b.label}`;
      return make('ungated-field', `${fd.vmsd}: ${names} ${verb}, with no compat gate: ${consequence}`);
    }
    case 'field-resized':
    case 'field-type':
      return make('field-width', `${fd.vmsd}: ${names} changed width or type between ${s.a.label} and ${s.b.label}, so everything after it is read at the wrong offset`);
    case 'field-count':
      return make('array-length', `${fd.vmsd}: ${names} has another element count in ${s.b.label} than in ${s.a.label}`);
    case 'field-resplit':
    case 'field-layout':
    case 'unused-size':
    case 'field-renamed':
      return make('field-layout', `${fd.vmsd}: ${names} laid out differently in ${s.a.label} and ${s.b.label}`);
    case 'unused-placeholder':
      return make('field-dropped', `${fd.vmsd}: ${labels[0]} is a VMSTATE_UNUSED placeholder on one side: the bytes travel, the value is dropped`);
    case 'subsection-missing':
    case 'subsection-gate': {
      const sub = fd.vmsd!;
      const owner: 'a' | 'b' = s.b.places.get(sub)?.via === 'subsection' && !s.a.places.has(sub) ? 'b' : 'a';
      const dir = dirs.find((d) => fd[d] !== 'ok') ?? dirs[0]!;
      const [saver, loader] = dir === 'forward' ? [s.a, s.b] : [s.b, s.a];
      const parent = [s.a, s.b].flatMap((x) => [...x.places.values()]).find((p) => p.node.subsections.some((x) => x.vmsd.name === sub));
      const needed = parent?.node.subsections.find((x) => x.vmsd.name === sub)?.needed ?? null;
      const consequence = `${saver.label} sends subsection ${sub} at ${ctx.machine}, ${loader.label} ${loader.places.has(sub) ? 'does not expect it there' : 'does not know it'}`;
      if (needed && fd.change === 'subsection-missing') {
        const g = propertyGate(s, owner, needed, parent!.node.version_id, `subsection ${sub}`, ctx, consequence);
        if (g) return g;
      }
      return make('subsection-unknown', `${consequence}${needed ? '' : ' (it has no needed(): it is always sent)'}`);
    }
    case 'subsection-version':
      return make('subsection-version', `subsection ${fd.vmsd}: ${fd.reason.split('; ')[0]}`);
    case 'section-version': {
      const va = s.a.schema.vmsd;
      const vb = s.b.schema.vmsd;
      const dir = dirs.find((d) => fd[d] !== 'ok') ?? dirs[0]!;
      const [sv, lv, S, L] = dir === 'forward' ? [va, vb, s.a.label, s.b.label] : [vb, va, s.b.label, s.a.label];
      if (sv.version_id > lv.version_id) return make('section-version-too-new', `${S} sends section ${sv.name} at version ${sv.version_id}, ${L} accepts at most ${lv.version_id}`);
      return make('section-version-too-old', `${S} sends section ${sv.name} at version ${sv.version_id}, ${L} needs at least ${lv.minimum_version_id}`);
    }
    case 'section-missing':
      return make('section-missing');
    case 'section-name':
    case 'vmsd-name':
      return make('section-renamed', fd.reason.split(':')[0]);
    case 'custom-codec':
      return make('custom-codec', `${fd.vmsd ?? fd.path}: the custom codec's layout differs between ${s.a.label} and ${s.b.label}`);
    default:
      return { ...explainByKind(f) };
  }
}

/** Properties whose resolved values differ between the releases at this machine type (feature bits live there). */
function propDiffs(s: Sides): string[] {
  return Object.keys(s.a.props)
    .filter((k) => k in s.b.props && String(s.a.props[k]) !== String(s.b.props[k]))
    .map((k) => `${k} ${propText(s.a.props[k]!)} in ${s.a.label}, ${propText(s.b.props[k]!)} in ${s.b.label}`);
}

/**
 * The explanation of a failure of the case `ctx`: the static diff of the
 * failing device between the two releases at the machine type, the finding
 * that breaks the failing direction nearest to the failing VMSD and field,
 * turned into a cause; the failure's own kind when the schemas agree.
 */
export function explainFailure(f: Failure, ctx: ExplainContext): Explanation {
  const byKind = explainByKind(f);
  if (f.stage === 'baseline') return byKind;
  const device = deviceOf(f, ctx);
  const da = device ? deviceSchema(ctx.from, device, ctx.machine) : null;
  const db = device ? deviceSchema(ctx.to, device, ctx.machine) : null;
  if (!da || !db) return device && (da || db) ? make('section-missing', `${device} exists in ${(da ? ctx.from : ctx.to).name} only`) : byKind;
  const s: Sides = {
    a: { label: ctx.from.name, props: da.props!, schema: da, places: places(da.vmsd), release: ctx.from },
    b: { label: ctx.to.name, props: db.props!, schema: db, places: places(db.vmsd), release: ctx.to },
  };
  const dirs = directions(f);
  if (byKind.cause === 'feature-bits') {
    const d = propDiffs(s);
    return d.length ? make('feature-bits', `${byKind.text}; at ${ctx.machine}: ${d.slice(0, 3).join('; ')}`) : byKind;
  }
  // a load that rejects a value, or a value the schemas carry alike, is not a layout question
  if (byKind.cause === 'load-validator' || byKind.cause === 'equal-value' || byKind.cause === 'state-loss') return byKind;
  const findings = compareDevice({ label: s.a.label, props: s.a.props }, { label: s.b.label, props: s.b.props }, da, db);
  let best: { fd: Omit<Finding, 'machines' | 'section'>; r: number } | null = null;
  for (const fd of findings) {
    const r = rank(fd, f, dirs);
    if (r !== null && (!best || r < best.r)) best = { fd, r };
  }
  if (!best) {
    if (byKind.cause !== 'unexplained' && byKind.cause !== 'value-lost') return byKind;
    const where = f.vmsd ? ` in ${f.vmsd}` : '';
    return make(byKind.cause, `${byKind.cause === 'value-lost' ? `${f.path ?? 'a value'} comes back different` : `the schemas of ${s.a.label} and ${s.b.label} agree${where} at ${ctx.machine}`}: the difference is in a hook, a custom codec or a value`, byKind.hint);
  }
  return fromFinding(best.fd, f, s, ctx, dirs);
}
