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
  overrides: Record<string, string>;
  /** What differs from the defaults, for people ("x() is true"). */
  label: string | null;
}

/** The input settings a case runs under: the inputs both sides have, at their defaults, all flipped, then each flipped alone. */
export function inputVariants(spec: CaseSpec): InputVariant[] {
  const [a, b] = classesOf(spec);
  if (!a || !b) return [{ overrides: {}, label: null }];
  const names = (a.extracted?.inputs ?? []).map((i) => i.name).filter((n) => !CLASS_FACTS.has(n) && b.props[n]?.type === 'bool' && a.props[n]?.type === 'bool');
  const out: InputVariant[] = [{ overrides: {}, label: null }];
  if (!names.length) return out;
  const flip = (n: string) => (a.props[n]!.default === true ? 'false' : 'true');
  const say = (n: string) => `${n} is ${flip(n)}`;
  out.push({ overrides: Object.fromEntries(names.map((n) => [n, flip(n)])), label: names.map(say).join(' and ') });
  if (names.length > 1) for (const n of names.slice(0, MAX_VARIANTS - 2)) out.push({ overrides: { [n]: flip(n) }, label: say(n) });
  return out;
}

/** The notes every verdict of this case carries: hooks not modelled, named inputs. */
export function caseNotes(spec: CaseSpec): string | null {
  const cls = classesOf(spec);
  const hooks = [...new Set(cls.flatMap((c) => c.extracted?.hooks ?? []))];
  const inputs = [...new Set(cls.flatMap((c) => (c.extracted?.inputs ?? []).map((i) => i.name)))];
  const parts: string[] = [];
  if (hooks.length) parts.push(`hook not modelled: ${hooks.slice(0, 6).join(', ')}${hooks.length > 6 ? ` (+${hooks.length - 6})` : ''}`);
  if (inputs.length) parts.push(`opaque inputs drawn both ways: ${inputs.slice(0, 6).join(', ')}${inputs.length > 6 ? ` (+${inputs.length - 6})` : ''}`);
  const overrides = [...new Set(cls.flatMap((c) => c.extracted?.overrides ?? []))];
  if (overrides.length) parts.push(`realize-time values from the override table: ${overrides.slice(0, 4).join(', ')}${overrides.length > 4 ? ` (+${overrides.length - 4})` : ''}`);
  return parts.length ? parts.join('; ') : null;
}

/** Runs `one` per input variant; the first failure wins, named by the variant that needed it. */
export function runWithInputs(spec: CaseSpec, one: (spec: CaseSpec) => CaseResult): CaseResult {
  const notes = caseNotes(spec);
  let last: CaseResult | null = null;
  let states = 0;
  for (const v of inputVariants(spec)) {
    const overrides = { ...(spec.options?.overrides ?? {}) };
    if (Object.keys(v.overrides).length) overrides[spec.device] = { ...(overrides[spec.device] ?? {}), ...v.overrides };
    const r = one({ ...spec, options: { ...spec.options, overrides } });
    states += r.states;
    last = r;
    if (r.status === 'fail') {
      if (v.label) r.message = `fails only when ${v.label}: ${r.message ?? ''}`;
      break;
    }
    if (r.status !== 'pass') break;
  }
  const r = last!;
  r.states = states;
  if (notes) r.message = r.message ? `${r.message} (${notes})` : notes;
  return r;
}
