import { EINVAL, EIO, ENOENT, EPERM, VmError, hex, printable } from '../wire/errors.js';
import { latin1, type Reader } from '../wire/reader.js';
import { QEMU_VM_SUBSECTION } from '../wire/constants.js';
import * as F from './flags.js';
import { elementCount, elementSize, fieldExists, isArrayField, isPlainArray, isStruct, nestedVersion } from './field.js';
import { vmstate_info_nullptr } from './info.js';
import { pathOf } from './path.js';
import { setMember, typedTarget } from './state.js';
import type { PathCtx, PostLoadFailure, State, VMStateDescription, VMStateField, VmCtx } from './types.js';

/**
 * QEMU's vmstate_load_state: `version` comes from the section or subsection
 * header, or — for nested structs — from the destination's own tables
 * (never from the wire). Loads into `state` in place: it starts as the
 * destination's reset state, so counts, sizes and `_EQUAL` values are the
 * destination's own.
 */
export function loadVmsd(r: Reader, vmsd: VMStateDescription, state: State, version: number, ctx: VmCtx, at: PathCtx): void {
  const min = vmsd.minimum_version_id ?? 0;
  if (version > vmsd.version_id) throw versionTooNew(r, vmsd, version, at);
  if (version < min) throw versionTooOld(r, vmsd, version, min, at);
  const refused = vmsd.pre_load?.(state, ctx);
  if (refused) throw loadHookFailed('pre_load', r, vmsd, refused, at);
  for (const f of vmsd.fields) {
    if (!fieldExists(f, state, version, ctx)) {
      if (f.flags & F.VMS_MUST_EXIST) throw inputValidationFailed(r, vmsd, f, at);
      continue;
    }
    try {
      loadField(r, vmsd, f, state, ctx, at);
      // QEMU checks the file's sticky error after every field: a subsection peek past the end inside it fails here
      if (r.fault) throw stickyEio(r);
    } catch (e) {
      throw wrap(e, `Failed to load ${vmsd.name}:${f.name}`, vmsd, f, at);
    }
  }
  loadSubsections(r, vmsd, state, ctx, at);
  const failure = vmsd.post_load?.(state, version, ctx);
  if (failure) throw loadHookFailed('post_load', r, vmsd, failure, at);
}

export function versionTooNew(r: Reader, vmsd: VMStateDescription, version: number, at: PathCtx): VmError {
  return new VmError({
    kind: 'version-too-new',
    message: `${vmsd.name}: incoming version_id ${version} is too new for local version_id ${vmsd.version_id}`,
    offset: r.offset,
    errno: EINVAL,
    qemu: [`${vmsd.name}: incoming version_id ${version} is too new for local version_id ${vmsd.version_id}`],
    path: pathOf(at) || null,
  });
}

export function versionTooOld(r: Reader, vmsd: VMStateDescription, version: number, min: number, at: PathCtx): VmError {
  return new VmError({
    kind: 'version-too-old',
    message: `${vmsd.name}: incoming version_id ${version} is too old for local minimum version_id ${min}`,
    offset: r.offset,
    errno: EINVAL,
    qemu: [`${vmsd.name}: incoming version_id ${version} is too old for local minimum version_id  ${min}`],
    path: pathOf(at) || null,
  });
}

/** A pre_load that refused the load, or a post_load that rejected the state: QEMU's line is the hook's own. */
export function loadHookFailed(hook: 'pre_load' | 'post_load', r: Reader, vmsd: VMStateDescription, failure: PostLoadFailure, at: PathCtx): VmError {
  return new VmError({
    kind: hook === 'pre_load' ? 'pre-load-failed' : 'post-load-failed',
    message: `${vmsd.name}: ${hook === 'pre_load' ? 'pre_load refused the load' : 'post_load rejected the state'}: ${failure.message}`,
    offset: r.offset,
    errno: failure.errno,
    vmsd: vmsd.name,
    path: pathOf(at) || null,
    qemu: [failure.message],
  });
}

export function inputValidationFailed(r: Reader, vmsd: VMStateDescription, f: VMStateField, at: PathCtx): VmError {
  return new VmError({
    kind: 'validation-failed',
    message: `Input validation failed: ${vmsd.name}/${f.name}`,
    path: pathOf([...at, f.name]),
    offset: r.offset,
    errno: EPERM,
    qemu: [`Input validation failed: ${vmsd.name}/${f.name}`],
  });
}

export function unknownSubsection(vmsd: VMStateDescription, name: string, start: number, at: PathCtx): VmError {
  return new VmError({
    kind: 'unknown-subsection',
    message: `${vmsd.name}: the stream carries subsection '${printable(name)}' at 0x${start.toString(16)}, which the destination does not know`,
    offset: start,
    errno: ENOENT,
    vmsd: vmsd.name,
    path: pathOf([...at, `{${name}}`]),
    qemu: [],
  });
}

/** Adds this nesting level's QEMU line; the innermost level names the path. */
export function wrap(e: unknown, line: string, vmsd: VMStateDescription, f: VMStateField, at: PathCtx): unknown {
  if (!(e instanceof VmError)) return e;
  e.qemu.push(line);
  if (e.path === null) e.path = pathOf(f.member === null ? [...at, f.name] : [...at, f.member]);
  if (e.vmsd === null) e.vmsd = vmsd.name;
  return e;
}

export function loadField(r: Reader, vmsd: VMStateDescription, f: VMStateField, state: State, ctx: VmCtx, at: PathCtx): void {
  const n = elementCount(f, state, vmsd);
  const size = elementSize(f, state, vmsd);
  if (n === 0) return;
  const key = f.member;
  // a field with no member (custom codecs over the whole struct, unused bytes) works on the struct itself
  const keys = key === null ? at : [...at, key];
  const array = isArrayField(f);
  let target: unknown[];
  if (array) {
    const cur = key === null ? undefined : state[key];
    target = Array.isArray(cur) ? cur : isPlainArray(f) && typedTarget(cur, f.info!.name, n) ? (cur as unknown as unknown[]) : [];
    if (key !== null) setMember(state, key, target);
  } else {
    target = [key === null ? undefined : state[key]];
  }
  const fieldStart = r.offset;
  // a count from the state (the wire's, often) is bounded by the bytes present once its elements stop taking any
  const limit = varrayLimit(f, r);
  if (isPlainArray(f)) {
    // a scalar array: one shared element context, no per-element path
    const el = { field: f, vmsd, state, size, ctx, at: keys };
    const typed = !Array.isArray(target);
    for (let i = 0; i < n; i++) {
      const start = r.offset;
      const v = f.info!.get(r, target[i], el);
      target[i] = v;
      if (typed && target[i] !== v) {
        // a value the destination's typed array cannot hold: the same numbers as a plain array
        target = Array.from(target);
        target[i] = v;
        if (key !== null) setMember(state, key, target);
      }
      if (r.offset === start && i >= limit) throw varrayBeyondInput(r, vmsd, f, n, fieldStart, limit, i, keys);
    }
    if (key !== null) ctx.record({ keys, vmsd: vmsd.name, field: f.name, offset: fieldStart, size: r.offset - fieldStart, what: 'field' });
    return;
  }
  for (let i = 0; i < n; i++) {
    const elKeys = array ? [...keys, i] : keys;
    const start = r.offset;
    const current = target[i];
    let value: unknown;
    if (f.flags & F.VMS_ARRAY_OF_POINTER && current === null) {
      // The destination's own element is null: it expects the marker, whatever the source sent.
      value = vmstate_info_nullptr.get(r, null, { field: f, vmsd, state, size, ctx, at: elKeys });
    } else if (isStruct(f)) {
      const el = current !== null && typeof current === 'object' ? (current as State) : {};
      loadVmsd(r, f.vmsd!, el, nestedVersion(f), ctx, elKeys);
      value = el;
    } else {
      value = f.info!.get(r, current, { field: f, vmsd, state, size, ctx, at: elKeys });
      if (!array && !f.info!.recordsOwnLeaves && key !== null) {
        ctx.record({ keys: elKeys, vmsd: vmsd.name, field: f.name, offset: start, size: r.offset - start, what: 'field' });
      }
    }
    target[i] = value;
    if (r.offset === start && i >= limit) throw varrayBeyondInput(r, vmsd, f, n, fieldStart, limit, i, keys);
  }
  if (array) {
    target.length = Math.max(target.length, n);
    if (!isStruct(f) && key !== null) {
      ctx.record({ keys, vmsd: vmsd.name, field: f.name, offset: fieldStart, size: r.offset - fieldStart, what: 'field' });
    }
  } else if (key !== null) setMember(state, key, target[0]);
}

/**
 * How many elements of `f` may take no bytes: for a VARRAY (its count read
 * from the state, which on load is the wire's), the bytes present from here
 * to the end of the input; a fixed array is the destination's own (Infinity).
 * Elements that each take bytes run into the end of the input first, as in
 * QEMU (a short read); only elements that take none could loop for a count
 * of up to 2^32 without reading anything.
 */
export function varrayLimit(f: VMStateField, r: Reader): number {
  return f.flags & F.VMS_VARRAY_ANY ? r.end - r.offset : Infinity;
}

/**
 * Element `i` of a VARRAY of `n` read no bytes, and more elements than the
 * `limit` bytes present at `fieldStart` have been read: the count is not one
 * the input can back. (QEMU itself would run all n iterations.)
 */
export function varrayBeyondInput(r: Reader, vmsd: VMStateDescription, f: VMStateField, n: number, fieldStart: number, limit: number, i: number, keys: PathCtx): VmError {
  return new VmError({
    kind: 'bad-input',
    message:
      `${vmsd.name}/${f.name}: a count of ${n} (from '${f.num_member}') at ${hex(fieldStart)}, with ${limit} bytes left in the input, ` +
      `and element ${i} took no bytes: stopped after ${i + 1} elements rather than loop ${n - i - 1} more times over nothing`,
    offset: fieldStart,
    errno: EINVAL,
    vmsd: vmsd.name,
    path: pathOf(keys),
    qemu: [],
  });
}

/** The -EIO a peek past the end left, where QEMU next looks at the file's error. */
export function stickyEio(r: Reader): VmError {
  const f = r.fault!;
  return new VmError({
    kind: 'short-read',
    message: `the input ends at ${hex(f.offset)}, where ${f.what} peeked past it: QEMU's peek sets -EIO (Input/output error) and carries on, and this is where it next checks the error`,
    offset: f.offset,
    errno: EIO,
    qemu: [],
  });
}

/** QEMU's subsection loop (spec §4): peek, match the parent's prefix, load or stop. A peek past the end stops it and leaves -EIO behind. */
function loadSubsections(r: Reader, vmsd: VMStateDescription, state: State, ctx: VmCtx, at: PathCtx): void {
  const past = (what: string) => r.peekedPastEnd(`${vmsd.name}'s subsection check (${what})`);
  for (;;) {
    const type = r.peekByte(0);
    if (type === null) return past('the type byte');
    if (type !== QEMU_VM_SUBSECTION) return;
    const len = r.peekByte(1);
    if (len === null) return past('the name length');
    if (len < vmsd.name.length + 1) return;
    const nameBytes = r.peek(len, 2);
    if (nameBytes.length < len) return past(`a ${len}-byte name`);
    const name = latin1(nameBytes);
    if (!name.startsWith(vmsd.name)) return;
    const sub = (vmsd.subsections ?? []).find((s) => s.name === name);
    const start = r.offset;
    if (!sub) throw unknownSubsection(vmsd, name, start, at);
    r.skip(2 + len, 'subsection header');
    const version = r.u32('subsection version_id') & 0xff; // QEMU keeps it in a uint8_t
    ctx.record({ keys: [...at, `{${printable(name)}}`], vmsd: name, field: '', offset: start, size: r.offset - start, what: 'subsection' });
    loadVmsd(r, sub, state, version, ctx, at);
  }
}
