/**
 * The VMState field kinds QEMU implements as VMStateInfo codecs over a
 * nested VMSD (migration/vmstate-types.c): queues, lists, trees and the
 * scratch "tmp" struct. Each takes QEMU's macro arguments in QEMU's order,
 * less the C types, whose only role there is sizeof/offsetof.
 *
 * State shapes:
 *   QTAILQ, QLIST   an array of element states, in list order
 *   GTREE           an array of { key, value } entries in the tree's order
 *                   (the order g_tree_foreach visits: give `compare` to
 *                   have the save sort as the tree's GCompareFunc would);
 *                   a direct key is the pointer value as a bigint
 *   WITH_TMP        no member: the tmp VMSD sees { parent: <the struct> }
 *
 * JSON description: each hands QEMU's vmdesc on to vmstate_save_state, so the
 * nested VMSD's vmsd_name, version, fields (and subsections) sit in the
 * field's own entry. A queue or tree writes them once per element into that
 * one object, and the written text repeats them as QEMU's does (describe.ts
 * REPEATED); the description object is the parsed form, in which a reader
 * keeps each key's last occurrence; an empty one has none.
 */
import { EINVAL, VmError } from '../wire/errors.js';
import type { Reader } from '../wire/reader.js';
import type { Writer } from '../wire/writer.js';
import { field } from './dsl.js';
import { pathOf } from './path.js';
import type { ElementCtx, FieldExists, PathCtx, State, VMStateDescription, VMStateField, VMStateInfo } from './types.js';

/** The member of a tmp struct that points at its parent (QEMU requires it first and named `parent`). */
export const TMP_PARENT = 'parent';

function tooNewOrOld(r: Reader, vmsd: VMStateDescription, version: number, at: PathCtx): void {
  const min = vmsd.minimum_version_id ?? 0;
  if (version <= vmsd.version_id && version >= min) return;
  const which = version > vmsd.version_id ? 'too new' : 'too old';
  throw new VmError({
    kind: version > vmsd.version_id ? 'version-too-new' : 'version-too-old',
    message: `${vmsd.name} ${which}: the field loads it at version ${version}, the destination's ${vmsd.name} is version ${vmsd.version_id} (minimum ${min})`,
    offset: r.offset,
    errno: EINVAL,
    vmsd: vmsd.name,
    path: pathOf(at) || null,
    qemu: [`${vmsd.name} ${which}`],
  });
}

function elements(value: unknown, f: VMStateField, at: PathCtx): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new VmError({ kind: 'bad-state', message: `${f.name}: expected an array of elements at ${pathOf(at)}, found ${typeof value}`, path: pathOf(at) });
  }
  return value;
}

function asState(v: unknown, f: VMStateField, at: PathCtx): State {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new VmError({ kind: 'bad-state', message: `${f.name}: expected a struct at ${pathOf(at)}, found ${v === null ? 'null' : typeof v}`, path: pathOf(at) });
  }
  return v as State;
}

/**
 * A list whose elements each travel as a 1 byte, the element's fields,
 * and which ends with a 0 byte. Elements are saved at their VMSD's own
 * version and loaded at the field's `version` (as QEMU does: the two may
 * differ, and then the stream desyncs).
 */
function listInfo(name: 'qtailq' | 'qlist', vmsd: VMStateDescription, version: number): VMStateInfo {
  return {
    name,
    nested: [vmsd],
    put(w: Writer, value: unknown, el: ElementCtx) {
      const list = elements(value, el.field, el.at);
      list.forEach((e, i) => {
        w.u8(1);
        el.ctx.saveNested(w, vmsd, asState(e, el.field, [...el.at, i]), vmsd.version_id, [...el.at, i], el.desc);
      });
      w.u8(0);
    },
    get(r: Reader, _current: unknown, el: ElementCtx) {
      tooNewOrOld(r, vmsd, version, el.at);
      // QEMU appends to the destination's (initialised, normally empty) list
      const list = elements(_current, el.field, el.at).slice();
      while (r.u8(`${name} element marker`) !== 0) {
        const e: State = {};
        el.ctx.loadNested(r, vmsd, e, version, [...el.at, list.length]);
        list.push(e);
      }
      return list;
    },
  };
}

/** VMSTATE_QTAILQ_V(field, state, version, vmsd, type, next). */
export const VMSTATE_QTAILQ_V = (name: string, version: number, vmsd: VMStateDescription): VMStateField =>
  field(name, { info: listInfo('qtailq', vmsd, version), version_id: version });

/** VMSTATE_QLIST_V(field, state, version, vmsd, type, next). */
export const VMSTATE_QLIST_V = (name: string, version: number, vmsd: VMStateDescription): VMStateField =>
  field(name, { info: listInfo('qlist', vmsd, version), version_id: version });

export interface GTreeEntry {
  key: bigint | State;
  value: State;
}

export interface GTreeOptions {
  /** The tree's GCompareFunc: the save visits entries in this order (state order when absent). */
  compare?: (a: GTreeEntry['key'], b: GTreeEntry['key']) => number;
}

/**
 * A GTree: the node count (be32), then per node a 1 byte, the key (a be64
 * for a direct key, else the key VMSD) and the value VMSD, then a 0 byte.
 * The load refuses more nodes than announced and a count that does not
 * match, as QEMU does.
 */
function gtreeInfo(valueVmsd: VMStateDescription, keyVmsd: VMStateDescription | null, version: number, opts: GTreeOptions): VMStateInfo {
  const direct = keyVmsd === null;
  return {
    name: 'gtree',
    nested: direct ? [valueVmsd] : [valueVmsd, keyVmsd],
    put(w: Writer, value: unknown, el: ElementCtx) {
      let entries = elements(value, el.field, el.at) as GTreeEntry[];
      if (opts.compare) entries = entries.slice().sort((a, b) => opts.compare!(a.key, b.key));
      w.u32(entries.length);
      entries.forEach((e, i) => {
        const at = [...el.at, i];
        w.u8(1);
        if (direct) w.u64(BigInt(e.key as bigint));
        else el.ctx.saveNested(w, keyVmsd, asState(e.key, el.field, [...at, 'key']), keyVmsd.version_id, [...at, 'key'], el.desc);
        el.ctx.saveNested(w, valueVmsd, asState(e.value, el.field, [...at, 'value']), valueVmsd.version_id, [...at, 'value'], el.desc);
      });
      w.u8(0);
    },
    get(r: Reader, current: unknown, el: ElementCtx) {
      if (keyVmsd) tooNewOrOld(r, keyVmsd, version, el.at);
      tooNewOrOld(r, valueVmsd, version, el.at);
      const countAt = r.offset;
      const nnodes = r.i32('gtree node count');
      const entries = elements(current, el.field, el.at).slice() as GTreeEntry[];
      let count = 0;
      while (r.u8('gtree node marker') !== 0) {
        if (++count > nnodes) break;
        const at = [...el.at, entries.length];
        let key: GTreeEntry['key'];
        if (direct) key = r.u64('gtree direct key');
        else {
          key = {};
          el.ctx.loadNested(r, keyVmsd, key, version, [...at, 'key']);
        }
        const val: State = {};
        el.ctx.loadNested(r, valueVmsd, val, version, [...at, 'value']);
        // g_tree_insert replaces an entry with an equal key
        const same = opts.compare ? entries.findIndex((e) => opts.compare!(e.key, key) === 0) : -1;
        if (same >= 0) entries[same] = { key, value: val };
        else entries.push({ key, value: val });
      }
      if (count !== nnodes) {
        throw new VmError({
          kind: 'validation-failed',
          message: `${el.field.name}: the stream announces ${nnodes} gtree node(s) at 0x${countAt.toString(16)} but carries ${count > nnodes ? 'more' : count}`,
          offset: r.offset,
          errno: EINVAL,
          path: pathOf(el.at) || null,
          qemu: [`${el.field.name} inconsistent stream when loading the gtree`],
        });
      }
      if (opts.compare) entries.sort((a, b) => opts.compare!(a.key, b.key));
      return entries;
    },
  };
}

/** VMSTATE_GTREE_V(field, state, version, vmsd[2] = { value vmsd, key vmsd }, key type, value type). */
export const VMSTATE_GTREE_V = (
  name: string,
  version: number,
  vmsd: readonly [VMStateDescription, VMStateDescription],
  opts: GTreeOptions = {},
): VMStateField => field(name, { info: gtreeInfo(vmsd[0], vmsd[1], version, opts), version_id: version });

/** VMSTATE_GTREE_DIRECT_KEY_V(field, state, version, value vmsd, value type): the key is the pointer itself. */
export const VMSTATE_GTREE_DIRECT_KEY_V = (name: string, version: number, vmsd: VMStateDescription, opts: GTreeOptions = {}): VMStateField =>
  field(name, { info: gtreeInfo(vmsd, null, version, opts), version_id: version });

/**
 * VMSTATE_WITH_TMP_TEST(state, test, tmp type, vmsd): a scratch struct whose
 * `parent` member points at the struct being saved; the tmp VMSD's
 * pre_save fills it, its post_load copies back. QEMU saves the tmp VMSD at
 * its own version but loads it at the field's version, which the macro
 * never sets (0): a tmp VMSD field gated on a version is saved and not
 * loaded.
 */
export function VMSTATE_WITH_TMP_TEST(t: FieldExists | undefined, vmsd: VMStateDescription): VMStateField {
  const f: VMStateField = { ...field('tmp', { field_exists: t }), member: null };
  f.info = {
    name: 'tmp',
    nested: [vmsd],
    put(w: Writer, _v: unknown, el: ElementCtx) {
      el.ctx.saveNested(w, vmsd, { [TMP_PARENT]: el.state }, vmsd.version_id, el.at, el.desc);
    },
    get(r: Reader, _current: unknown, el: ElementCtx) {
      el.ctx.loadNested(r, vmsd, { [TMP_PARENT]: el.state }, f.version_id, el.at);
      return undefined;
    },
  };
  return f;
}

/** VMSTATE_WITH_TMP(state, tmp type, vmsd). */
export const VMSTATE_WITH_TMP = (vmsd: VMStateDescription): VMStateField => VMSTATE_WITH_TMP_TEST(undefined, vmsd);
