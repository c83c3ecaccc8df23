/**
 * A VMSD's reachability rule (VMStateDescription.reachable) applied to
 * every instance of its struct a device state holds: the state's own
 * VMSD, nested structs and their array elements, and subsections (which
 * share their parent's struct), so that a rule written once for a shared
 * VMSD (`memory hotplug state` in ICH9-LPC's and PIIX4_PM's) holds in
 * every device, hand-modelled or extracted.
 */
import * as F from '../vmstate/flags.js';
import type { State, VMStateDescription } from '../vmstate/types.js';

const MAX_DEPTH = 16;

/** Whether any VMSD reachable from `vmsd` has a rule (cached). */
const hasRules = new WeakMap<VMStateDescription, boolean>();

function anyRule(v: VMStateDescription, seen = new Set<VMStateDescription>()): boolean {
  const known = hasRules.get(v);
  if (known !== undefined) return known;
  if (seen.has(v)) return false;
  seen.add(v);
  const found = v.reachable !== undefined || v.fields.some((f) => f.vmsd !== undefined && anyRule(f.vmsd, seen)) || (v.subsections ?? []).some((s) => anyRule(s, seen));
  hasRules.set(v, found);
  return found;
}

/** Whether a reachability rule applies anywhere under `vmsd`. */
export const hasReachable = (vmsd: VMStateDescription): boolean => anyRule(vmsd);

/** Applies every reachability rule under `vmsd` to `state` in place; returns `state`. */
export function applyReachable(vmsd: VMStateDescription, state: State): State {
  if (anyRule(vmsd)) visit(vmsd, state, 0);
  return state;
}

function visit(v: VMStateDescription, s: State, depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (const f of v.fields) {
    if (!f.vmsd || f.member === null || !(f.flags & (F.VMS_STRUCT | F.VMS_VSTRUCT)) || !anyRule(f.vmsd)) continue;
    const m = s[f.member];
    for (const x of Array.isArray(m) ? m : [m]) if (x && typeof x === 'object' && !(x instanceof Uint8Array)) visit(f.vmsd, x as State, depth + 1);
  }
  for (const sub of v.subsections ?? []) visit(sub, s, depth + 1);
  v.reachable?.(s);
}
