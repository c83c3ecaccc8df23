import * as F from '../../vmstate/flags.js';
import { memberOf } from '../../vmstate/state.js';
import type { State, VMStateDescription } from '../../vmstate/types.js';

/** Each state object the VMSD `v` describes, with that VMSD: the top, nested structs (and their array elements), subsections. */
export function eachStruct(v: VMStateDescription, s: State, visit: (v: VMStateDescription, s: State) => void, depth = 0): void {
  if (depth > 8) return;
  visit(v, s);
  for (const f of v.fields) {
    if (!f.vmsd || f.member === null || !(f.flags & (F.VMS_STRUCT | F.VMS_VSTRUCT))) continue;
    const m = memberOf(s, f.member);
    const items = Array.isArray(m) ? m : [m];
    for (const x of items) if (x && typeof x === 'object' && !(x instanceof Uint8Array)) eachStruct(f.vmsd, x as State, visit, depth + 1);
  }
  for (const sub of v.subsections ?? []) eachStruct(sub, s, visit, depth + 1);
}
