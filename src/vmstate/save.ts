import { VmError } from '../wire/errors.js';
import type { Writer } from '../wire/writer.js';
import { QEMU_VM_SUBSECTION } from '../wire/constants.js';
import * as F from './flags.js';
import { addRepeat, canCompress, describedName, repeatsOf, typeName, type FieldDesc, type VmsdDesc } from './describe.js';
import { elementCount, elementSize, fieldExists, isArrayField, isPlainArray, isStruct, nestedVersion } from './field.js';
import { vmstate_info_nullptr, vmstate_info_unused_buffer } from './info.js';
import { pathOf } from './path.js';
import type { PathCtx, PostLoadFailure, State, VMStateDescription, VMStateField, VmCtx } from './types.js';

/**
 * QEMU's vmstate_save_state at version `version`: fields in table order,
 * then the needed subsections. When `desc` is given it is filled with the
 * JSON description as a side effect, like QEMU's JSON writer.
 */
export function saveVmsd(
  w: Writer,
  vmsd: VMStateDescription,
  state: State,
  version: number,
  ctx: VmCtx,
  at: PathCtx,
  desc: VmsdDesc | null = null,
): void {
  const refused = vmsd.pre_save?.(state, ctx);
  if (refused) {
    throw hookFailed('pre-save', vmsd, refused, at);
  }
  const subsBefore = desc?.subsections;
  if (desc) {
    desc.vmsd_name = vmsd.name;
    desc.version = version;
    desc.fields = [];
  }
  if (!vmsd.post_save) {
    saveBody(w, vmsd, state, version, ctx, at, desc);
    if (desc) repeat(desc, subsBefore);
    return;
  }
  // QEMU runs post_save after a failed field or subsection too; its own failure counts only when they succeeded
  let failure: unknown = null;
  try {
    saveBody(w, vmsd, state, version, ctx, at, desc);
  } catch (e) {
    failure = e;
  }
  const failed = vmsd.post_save(state, ctx);
  if (failure) throw failure;
  if (desc) repeat(desc, subsBefore);
  if (failed) {
    throw hookFailed('post-save', vmsd, failed, at);
  }
}

/** Records what this save wrote into `desc` as one element of its sequence (REPEATED): its subsections only if it wrote any. */
function repeat(desc: VmsdDesc, subsBefore: VmsdDesc[] | undefined): void {
  const own: VmsdDesc = { vmsd_name: desc.vmsd_name, version: desc.version, fields: desc.fields };
  if (desc.subsections !== undefined && desc.subsections !== subsBefore) own.subsections = desc.subsections;
  addRepeat(desc, own);
}

/** QEMU's "pre-save failed: NAME" / "post-save failed: NAME". */
export function hookFailed(hook: 'pre-save' | 'post-save', vmsd: VMStateDescription, f: PostLoadFailure, at: PathCtx): VmError {
  return new VmError({
    kind: `${hook}-failed`,
    message: `${hook} failed: ${vmsd.name}: ${f.message}`,
    errno: f.errno,
    vmsd: vmsd.name,
    path: pathOf(at) || null,
    qemu: [`${hook} failed: ${vmsd.name}`],
  });
}

export function outputValidationFailed(vmsd: VMStateDescription, f: VMStateField, at: PathCtx): VmError {
  return new VmError({
    kind: 'validation-failed',
    message: `Output state validation failed: ${vmsd.name}/${f.name}`,
    path: pathOf(at),
  });
}

/** The state holds fewer elements than the field saves. */
export function shortArray(vmsd: VMStateDescription, f: VMStateField, have: number, n: number, keys: PathCtx): VmError {
  return new VmError({
    kind: 'bad-state',
    message: `${vmsd.name}:${f.name}: the state holds ${have} element(s) but the field saves ${n}`,
    path: pathOf(keys),
  });
}

/** A struct field whose state is not an object. */
export function notAStruct(vmsd: VMStateDescription, f: VMStateField, el: unknown, elKeys: PathCtx): VmError {
  return new VmError({
    kind: 'bad-state',
    message: `${vmsd.name}:${f.name}: expected a struct for ${pathOf(elKeys)}, found ${el === null ? 'null' : typeof el}`,
    path: pathOf(elKeys),
  });
}

/** The fields in table order, then the needed subsections. */
function saveBody(w: Writer, vmsd: VMStateDescription, state: State, version: number, ctx: VmCtx, at: PathCtx, desc: VmsdDesc | null): void {
  for (const f of vmsd.fields) {
    if (!fieldExists(f, state, version, ctx)) {
      if (f.flags & F.VMS_MUST_EXIST) throw outputValidationFailed(vmsd, f, at);
      continue;
    }
    saveField(w, vmsd, f, state, ctx, at, desc);
  }
  saveSubsections(w, vmsd, state, ctx, at, desc);
}

export function saveField(
  w: Writer,
  vmsd: VMStateDescription,
  f: VMStateField,
  state: State,
  ctx: VmCtx,
  at: PathCtx,
  desc: VmsdDesc | null,
): void {
  const n = elementCount(f, state, vmsd);
  const size = elementSize(f, state, vmsd);
  if (n === 0 || (f.flags & F.VMS_MUST_EXIST && f.num === 0)) return;
  const value = f.member === null ? undefined : state[f.member];
  // a field with no member (custom codecs over the whole struct, unused bytes) works on the struct itself
  const keys = f.member === null ? at : [...at, f.member];
  const array = isArrayField(f);
  const elems = array ? ((value as unknown[] | undefined) ?? []) : [value];
  if (array && elems.length < n) {
    throw shortArray(vmsd, f, elems.length, n, keys);
  }
  const name = desc ? describedName(vmsd, f) : '';
  const compress = desc !== null && n > 1 && canCompress(f);

  const runs = ctx.vmdescArrays === 'runs';
  const nullMarker = (ctx.vmdescNullptr ?? (runs ? 'nullptr' : 'struct')) === 'nullptr';
  // Scalar arrays are recorded as one leaf; struct arrays per element, so a desync names the element.
  const fieldStart = w.offset;
  if (isPlainArray(f)) {
    // a scalar array: one shared element context, no per-element path
    const el = { field: f, vmsd, state, size, ctx, at: keys };
    for (let i = 0; i < n; i++) {
      const start = w.offset;
      f.info!.put(w, elems[i], el);
      if (desc && (!compress || i === 0)) desc.fields.push(describeElement(name, f, w.offset - start, runs ? n - i : n, compress, i));
    }
    record(ctx, keys, vmsd, f, fieldStart, w.offset - fieldStart);
    return;
  }
  let describing = desc !== null; // QEMU's vmdesc_loop: off after the first element of a compressed run
  let prevNull = false;
  for (let i = 0; i < n; i++) {
    const el = elems[i];
    const elKeys = array ? [...keys, i] : keys;
    const start = w.offset;
    let sub: VmsdDesc | null = null;
    let inline: VmsdDesc | null = null;
    // how many elements this entry of the description stands for
    let span = runs ? n - i : n;
    const isNull = (f.flags & F.VMS_ARRAY_OF_POINTER) !== 0 && el === null;
    if (runs && desc && f.flags & F.VMS_ARRAY_OF_POINTER && isNull !== prevNull) {
      prevNull = isNull;
      describing = true;
      for (let j = i + 1; j < n; j++) {
        if ((elems[j] === null) !== isNull) {
          span = j - i;
          break;
        }
      }
    }
    if (f.flags & F.VMS_ARRAY_OF_POINTER && el === null) {
      vmstate_info_nullptr.put(w, null, { field: f, vmsd, state, size, ctx, at: elKeys });
      // before 10.0 QEMU opens the struct's object, writes the marker and closes it: `struct: {}`
      if (desc && describing && !nullMarker && f.flags & F.VMS_STRUCT) sub = {} as VmsdDesc;
    } else if (isStruct(f)) {
      if (el === null || typeof el !== 'object') {
        throw notAStruct(vmsd, f, el, elKeys);
      }
      sub = desc ? ({} as VmsdDesc) : null;
      saveVmsd(w, f.vmsd!, el as State, nestedVersion(f), ctx, elKeys, sub);
    } else {
      // a codec that saves a nested VMSD with QEMU's vmdesc (tmp, queues, trees) describes it inside this element's entry
      inline = desc && describing ? ({} as VmsdDesc) : null;
      f.info!.put(w, el, { field: f, vmsd, state, size, ctx, at: elKeys, desc: inline });
      if (!array && !f.info!.recordsOwnLeaves) record(ctx, elKeys, vmsd, f, start, w.offset - start);
    }
    if (desc && describing) {
      const nested = inline && inline.vmsd_name !== undefined ? inline : null;
      desc.fields.push(describeElement(name, f, w.offset - start, span, compress, i, sub ?? nested, nullMarker && isNull, nested !== null));
      if (compress) describing = false;
    }
  }
  if (array && !isStruct(f)) record(ctx, keys, vmsd, f, fieldStart, w.offset - fieldStart);
}

/** One element's entry in the JSON description, keys in QEMU's order: name, array_len/index, type, struct, size. */
function describeElement(
  name: string,
  f: VMStateField,
  size: number,
  n: number,
  compress: boolean,
  i: number,
  sub: VmsdDesc | null = null,
  nullMarker = false,
  inline = false,
): FieldDesc {
  const d = { name } as FieldDesc;
  if (n > 1) {
    if (compress) d.array_len = n;
    else d.index = i;
  }
  // from 10.0 a null pointer is described as the marker it is
  d.type = nullMarker ? 'nullptr' : typeName(f);
  const as = f.info?.vmdesc;
  if (as && n === 1) {
    const elements = as.elements ?? 1;
    if (elements > 1) {
      // QEMU describes it as the array it is: array_len before type, size per element
      return { name, array_len: elements, type: as.type, size: size / elements };
    }
    d.type = as.type;
  }
  if (sub && (inline || f.flags & F.VMS_VSTRUCT)) {
    // the nested VMSD's keys in the field's own object, as vmstate_save_state writes them into the open one
    Object.assign(d, { vmsd_name: sub.vmsd_name, version: sub.version, fields: sub.fields });
    if (sub.subsections) d.subsections = sub.subsections;
    for (const r of repeatsOf(sub) ?? []) addRepeat(d, r);
  } else if (sub && !nullMarker) d.struct = sub;
  d.size = size;
  return d;
}

function record(ctx: VmCtx, keys: PathCtx, vmsd: VMStateDescription, f: VMStateField, offset: number, size: number) {
  if (f.member === null) {
    // placeholder bytes (VMSTATE_UNUSED): a receiver that reads a member from them gets zeros, not the sender's state
    if (f.info === vmstate_info_unused_buffer && size > 0) ctx.record({ keys, vmsd: vmsd.name, field: f.name, offset, size, what: 'unused' });
    return;
  }
  ctx.record({ keys, vmsd: vmsd.name, field: f.name, offset, size, what: 'field' });
}

function saveSubsections(
  w: Writer,
  vmsd: VMStateDescription,
  state: State,
  ctx: VmCtx,
  at: PathCtx,
  desc: VmsdDesc | null,
): void {
  let described = false;
  for (const sub of vmsd.subsections ?? []) {
    if (sub.needed && !sub.needed(state, ctx)) continue;
    const start = w.offset;
    w.u8(QEMU_VM_SUBSECTION);
    w.countedString(sub.name);
    w.u32(sub.version_id);
    ctx.record({ keys: [...at, `{${sub.name}}`], vmsd: sub.name, field: '', offset: start, size: w.offset - start, what: 'subsection' });
    let d: VmsdDesc | null = null;
    if (desc) {
      d = {} as VmsdDesc;
      // a second save into the same object (a queue's next element) writes its own "subsections", which a reader takes over the first
      if (!described) desc.subsections = [];
      described = true;
      desc.subsections!.push(d);
    }
    saveVmsd(w, sub, state, sub.version_id, ctx, at, d);
  }
}
