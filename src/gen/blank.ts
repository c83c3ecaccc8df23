import * as F from '../vmstate/flags.js';
import { isStruct, nestedVersion } from '../vmstate/field.js';
import { hasMember, setMember } from '../vmstate/state.js';
import type { State, VMStateDescription } from '../vmstate/types.js';
import { isCustomField } from './_internals/field-kind.js';
import { blankValue } from './scalar.js';

/**
 * A struct nobody has written yet: every member a VMSD names (its
 * subsections' included) at its zero value — the template for array
 * elements past the ones the reset state has. Variable arrays are empty;
 * custom codecs' members are left out (only their arbitrary knows them).
 */
export function blankState(vmsd: VMStateDescription, version: number = vmsd.version_id): State {
  const out: State = {};
  const visit = (v: VMStateDescription) => {
    for (const f of v.fields) {
      const m = f.member;
      if (m === null || hasMember(out, m) || isCustomField(f)) continue;
      const fixed = f.flags & F.VMS_ARRAY ? (f.num ?? 0) : f.flags & F.VMS_VARRAY_ANY ? 0 : -1;
      const one = () => (isStruct(f) ? blankState(f.vmsd!, nestedVersion(f)) : blankValue(f.info?.name ?? '', f.size ?? 0));
      if (fixed < 0) {
        // a VBUFFER's size is another member, zero here
        setMember(out, m, f.flags & F.VMS_VBUFFER ? new Uint8Array(0) : one());
      } else {
        setMember(out, m, Array.from({ length: fixed }, one));
      }
    }
    for (const sub of v.subsections ?? []) visit(sub);
  };
  visit(vmsd);
  void version; // every member is present whatever the version: the C struct does not change shape
  return out;
}
