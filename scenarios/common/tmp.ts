/**
 * VMState field kinds the devices here need beyond the DSL, as custom
 * codecs over a nested VMSD (migration/vmstate-types.c):
 *
 *   VMSTATE_STRUCT_POINTER     one struct reached through a pointer member
 *                              (here: element 0 of the parent's array)
 *   VMSTATE_UNUSED_VARRAY_UINT32  count × size bytes skipped, count read
 *                              from a member
 */
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import { loadVmsd } from '../../src/vmstate/load.js';
import { saveVmsd } from '../../src/vmstate/save.js';
import { field } from '../../src/vmstate/dsl.js';
import type { ElementCtx, FieldExists, State, VMStateDescription, VMStateField, VMStateInfo } from '../../src/vmstate/types.js';

/** VMSTATE_WITH_TMP is the DSL's own (src/vmstate/containers.ts); re-exported for the device files. */
export { TMP_PARENT, VMSTATE_WITH_TMP } from '../../src/vmstate/containers.js';

/** VMSTATE_STRUCT_POINTER over element `index` of the array member `member`. */
export function VMSTATE_STRUCT_POINTER_ELEMENT(name: string, member: string, index: number, vmsd: VMStateDescription): VMStateField {
  const info: VMStateInfo = {
    name: 'struct pointer',
    nested: [vmsd],
    put(w: Writer, _v: unknown, el: ElementCtx) {
      const arr = el.state[member] as State[];
      saveVmsd(w, vmsd, arr[index]!, vmsd.version_id, el.ctx, [...el.at, member, index], null);
    },
    get(r: Reader, _current: unknown, el: ElementCtx) {
      const arr = el.state[member] as State[];
      loadVmsd(r, vmsd, arr[index]!, vmsd.version_id, el.ctx, [...el.at, member, index]);
      return undefined;
    },
  };
  return { ...field(name, { info }), member: null };
}

/** VMSTATE_UNUSED_VARRAY_UINT32(…, test, version, count member, size): skipped bytes whose number the state decides. */
export function VMSTATE_UNUSED_VARRAY_UINT32(test: FieldExists, countMember: string, size: number): VMStateField {
  const info: VMStateInfo = {
    name: 'unused_buffer',
    put(w: Writer, _v: unknown, el: ElementCtx) {
      w.zeros((Number(el.state[countMember]) >>> 0) * size);
    },
    get(r: Reader, _current: unknown, el: ElementCtx) {
      r.skip((Number(el.state[countMember]) >>> 0) * size, 'unused');
      return undefined;
    },
  };
  return { ...field('unused', { info, field_exists: test }), member: null };
}
