/**
 * Cases of device classes built from a source tree (DeviceClass.extracted):
 *
 *   - a codec with no hand-written binding: the case is `incomplete` and
 *     runs nothing (its bytes cannot be produced), naming the codec;
 *   - named inputs (opaque predicates, helpers the model cannot answer,
 *     `pci_is_express()`): bool properties, run at their defaults, all
 *     flipped and each flipped alone; a failure that needs a flip says
 *     "fails only when …";
 *   - hooks with no translation: "hook not modelled" on the verdict.
 */
import type { DeviceClass } from '../machine/types.js';
import type { CaseSpec } from './case.js';
import type { CaseResult } from './run.js';

/**
 * Inputs that are a fact of the device class rather than of its state:
 * held at their default (the class's QOM interfaces, convert.ts classFacts), never flipped: a PCIe-ness drawn
 * per case would give the config space a size its realize never has.
 */
const CLASS_FACTS = new Set(['pci_is_express()']);

/** At most this many input settings per case (the defaults first). */
const MAX_VARIANTS = 6;

export function classesOf(spec: CaseSpec): DeviceClass[] {
  return [spec.from, spec.to].map((r) => r.devices.find((d) => d.name === spec.device)).filter((d): d is DeviceClass => d !== undefined);
}

/** Why the case cannot be checked (an unbound codec on either side), or null. */
export function unverifiable(spec: CaseSpec): string | null {
  const lines = classesOf(spec).flatMap((c, i) => (c.extracted?.unmodelled ?? []).map((u) => `${[spec.from, spec.to][i]!.name}: ${u}`));
  if (!lines.length) return null;
  return `not checked: the model cannot produce this device's stream: ${[...new Set(lines)].slice(0, 4).join('; ')}${lines.length > 4 ? ` (+${lines.length - 4} more)` : ''}`;
}

export interface InputVariant {
  /** Each input's value in this run, by name ('true' / 'false'). */
  values: Record<string, string>;
  /** What differs from the defaults, for people ("x() is true"). */
  label: string | null;
}

/** The named inputs a case draws: those of either side (a side without one passes it over), class facts left out. */
export function caseInputs(spec: CaseSpec): { name: string; default: boolean }[] {
  const out = new Map<string, boolean>();
  for (const c of classesOf(spec)) {
    for (const i of c.extracted?.inputs ?? []) {
      const p = c.props[i.name];
      if (CLASS_FACTS.has(i.name) || p?.type !== 'bool' || out.has(i.name)) continue;
      out.set(i.name, p.default === true);
    }
  }
  return [...out].map(([name, d]) => ({ name, default: d }));
}

const say = (values: Record<string, string>, names: readonly string[]) => names.map((n) => `${n} is ${values[n]}`).join(' and ');

/** The input settings a case runs under: the defaults, all flipped, then each flipped alone. */
export function inputVariants(spec: CaseSpec): InputVariant[] {
  const inputs = caseInputs(spec);
  const defaults = Object.fromEntries(inputs.map((i) => [i.name, String(i.default)]));
  const out: InputVariant[] = [{ values: defaults, label: null }];
  if (!inputs.length) return out;
  const flipped = (names: readonly string[]) => {
    const values = { ...defaults };
    for (const n of names) values[n] = values[n] === 'true' ? 'false' : 'true';
    return { values, label: say(values, names) };
  };
  out.push(flipped(inputs.map((i) => i.name)));
  if (inputs.length > 1) for (const i of inputs.slice(0, MAX_VARIANTS - 2)) out.push(flipped([i.name]));
  return out;
}

/** The inputs a failing setting differs in from the nearest passing one: what the failure depends on. */
export function dependsOn(failing: InputVariant, passing: readonly InputVariant[]): string[] | null {
  let best: string[] | null = null;
  for (const p of passing) {
    const diff = Object.keys(failing.values).filter((n) => failing.values[n] !== p.values[n]);
    if (diff.length && (!best || diff.length < best.length)) best = diff;
  }
  return best;
}

/** The case with the variant's inputs set, on each side that has them (optional globals of the device's type). */
function withInputs(spec: CaseSpec, v: InputVariant): CaseSpec {
  const entries = Object.entries(v.values);
  if (!entries.length) return spec;
  const [a, b] = classesOf(spec);
  const globals = (cls: DeviceClass | undefined) => (cls ? entries.filter(([n]) => cls.props[n]).map(([property, value]) => ({ driver: cls.type, property, value, optional: true })) : []);
  return { ...spec, globals: { src: [...(spec.globals?.src ?? []), ...globals(a)], dst: [...(spec.globals?.dst ?? []), ...globals(b)] } };
}

/** The notes every verdict of this case carries: hooks not modelled, named inputs. */
export function caseNotes(spec: CaseSpec): string | null {
  const cls = classesOf(spec);
  const all = [...new Set(cls.flatMap((c) => c.extracted?.hooks ?? []))];
  const partly = all.filter((h) => / in part \(/.test(h));
  const hooks = all.filter((h) => !partly.includes(h));
  const inputs = [...new Set(cls.flatMap((c) => (c.extracted?.inputs ?? []).map((i) => i.name)))];
  const parts: string[] = [];
  if (hooks.length) parts.push(`hook not modelled: ${hooks.slice(0, 6).join(', ')}${hooks.length > 6 ? ` (+${hooks.length - 6})` : ''}`);
  if (partly.length) parts.push(`hook modelled in part: ${partly.slice(0, 4).join(', ')}${partly.length > 4 ? ` (+${partly.length - 4})` : ''}`);
  if (inputs.length) parts.push(`opaque inputs drawn both ways: ${inputs.slice(0, 6).join(', ')}${inputs.length > 6 ? ` (+${inputs.length - 6})` : ''}`);
  const overrides = [...new Set(cls.flatMap((c) => c.extracted?.overrides ?? []))];
  const answered = [...new Set(cls.flatMap((c) => c.extracted?.predicates ?? []))];
  if (answered.length) parts.push(`predicates answered by hand: ${answered.slice(0, 4).join(', ')}${answered.length > 4 ? ` (+${answered.length - 4})` : ''}`);
  if (overrides.length) parts.push(`realize-time values from the override table: ${overrides.slice(0, 4).join(', ')}${overrides.length > 4 ? ` (+${overrides.length - 4})` : ''}`);
  return parts.length ? parts.join('; ') : null;
}

/**
 * Runs `one` per input variant. The first failure is the verdict; when a
 * setting of the inputs passes, the failure depends on them and says on
 * which ("fails only when x() is true"), the remaining settings run until
 * one passes to know it; when every setting fails, it does not depend on
 * them and says so.
 */
export function runWithInputs(spec: CaseSpec, one: (spec: CaseSpec) => CaseResult): CaseResult {
  const notes = caseNotes(spec);
  const variants = inputVariants(spec);
  const passed: InputVariant[] = [];
  let failed: { v: InputVariant; r: CaseResult } | null = null;
  let last: CaseResult | null = null;
  let states = 0;
  for (const v of variants) {
    const r = one(withInputs(spec, v));
    states += r.states;
    if (r.status === 'pass') passed.push(v);
    else if (r.status === 'fail') failed ??= { v, r };
    else if (!failed) {
      last = r;
      break;
    }
    last = r;
    if (failed && passed.length) break;
  }
  let r = last!;
  if (failed) {
    r = failed.r;
    const on = dependsOn(failed.v, passed);
    if (on) r.message = `fails only when ${say(failed.v.values, on)}: ${r.message ?? ''}`;
    else if (variants.length > 1) r.message = `${r.message ?? ''} (fails whatever the opaque inputs: every setting tried fails)`;
  }
  r.states = states;
  if (notes) r.message = r.message ? `${r.message} (${notes})` : notes;
  return r;
}
