import * as F from '../vmstate/flags.js';
import { elementCount, elementSize, fieldExists, isArrayField, isStruct, nestedVersion } from '../vmstate/field.js';
import { probe } from '../vmstate/compile/probe.js';
import { cloneState, hasMember, isScalarArray, memberOf, setMember, stateEqual } from '../vmstate/state.js';
import type { Props, State, VMStateDescription, VMStateField, VmCtx } from '../vmstate/types.js';
import { isCustomField } from './_internals/field-kind.js';
import { blankState } from './blank.js';
import { blankValue } from './scalar.js';

/**
 * What a save of `vmsd` puts on the wire decides what a load can give back.
 * `conformToWire` makes a generated state agree with it, walking the table
 * as save does (pre_save, field_exists, needed(), counts and sizes read from
 * the state itself):
 *
 *  - a member no existing field writes (a test-gated field that is off, a
 *    subsection that is not needed, a variable array whose count is 0) goes
 *    back to its reset value — a load leaves it there;
 *  - arrays take exactly the saved count, then the reset elements past it
 *    (a load keeps the destination's longer array);
 *  - buffers take exactly the saved size;
 *  - structs conform recursively; an element with no reset counterpart
 *    keeps only its wire members (a load builds it from nothing).
 *
 * Members of custom codecs are left alone: their arbitraries own them; so
 * are top-level members `keep` says to keep (guest-visible ones, which a
 * load that does not carry them loses; ones the device's validity rules
 * set). Mutates and returns `state`.
 */
export function conformToWire(vmsd: VMStateDescription, version: number, state: State, reset: State | null, ctx: VmCtx, keep?: (member: string) => boolean): State {
  conformedWire(vmsd, version, state, reset, ctx, keep);
  return state;
}

/** conformToWire, returning the top-level members the save writes for the conformed state. */
export function conformedWire(vmsd: VMStateDescription, version: number, state: State, reset: State | null, ctx: VmCtx, keep?: (member: string) => boolean): ReadonlySet<string> {
  const fixed = staticShape(vmsd, version, ctx);
  if (fixed) {
    // the shape does not depend on the state: one pass, and restoring a member cannot put another on the wire
    for (const { f, owner } of fixed.fields) fixField(f, owner, state, reset, ctx);
    for (const m of fixed.off) if (!keep?.(m)) restore(state, reset, m);
    return fixed.wire;
  }
  // Restoring one member can change another field's test or a needed(); a few rounds settle it.
  const generic = genericMembers(vmsd);
  let wire = new Set<string>();
  // After the first round only restorations happened: a field the last round already conformed needs it again only when it
  // was not on the wire then, or when its count or size member was restored.
  let again: ((f: VMStateField) => boolean) | undefined;
  for (let round = 0; round < 4; round++) {
    wire = walk(vmsd, version, state, reset, ctx, again ?? true, new Set());
    const restored = new Set<string>();
    for (const m of generic) if (!wire.has(m) && !keep?.(m) && restore(state, reset, m)) restored.add(m);
    if (restored.size === 0) break;
    const before = wire;
    again = (f) => !before.has(f.member!) || (f.num_member != null && restored.has(f.num_member)) || (f.size_member != null && restored.has(f.size_member));
  }
  return wire;
}

/** The members a save of `vmsd` at `version` writes for `state` (which is not modified). */
export function wireMembers(vmsd: VMStateDescription, version: number, state: State, ctx: VmCtx): Set<string> {
  return walk(vmsd, version, cloneState(state), null, ctx, false, new Set());
}

/** The members of `vmsd`'s generic (non-custom) fields and its subsections', existing or not: the same for every state, so computed once per VMSD. */
const genericCache = new WeakMap<VMStateDescription, readonly string[]>();
function genericMembers(vmsd: VMStateDescription): readonly string[] {
  let out = genericCache.get(vmsd);
  if (!out) {
    const into = new Set<string>();
    const collect = (v: VMStateDescription) => {
      for (const f of v.fields) if (f.member !== null && !isCustomField(f)) into.add(f.member);
      for (const sub of v.subsections ?? []) collect(sub);
    };
    collect(vmsd);
    genericCache.set(vmsd, (out = [...into]));
  }
  return out;
}

/** What a save of a VMSD writes when that does not depend on the state: the fields in save order, their members, and the generic members it never writes. */
interface StaticShape {
  fields: readonly { f: VMStateField; owner: VMStateDescription }[];
  wire: ReadonlySet<string>;
  off: readonly string[];
}

const shapeCache = new WeakMap<VMStateDescription, Map<number, WeakMap<Props, StaticShape | null>>>();

/**
 * The shape of `vmsd` at `version` for `ctx`'s properties, when no pre_save
 * runs on the way and every field_exists test and needed() met decides from
 * the properties alone (compile/probe.ts) and no field on the wire takes its
 * count or size from a member; otherwise null (the state decides). Decided
 * once per VMSD, version and properties.
 */
function staticShape(vmsd: VMStateDescription, version: number, ctx: VmCtx): StaticShape | null {
  let byVersion = shapeCache.get(vmsd);
  if (!byVersion) shapeCache.set(vmsd, (byVersion = new Map()));
  let byProps = byVersion.get(version);
  if (!byProps) byVersion.set(version, (byProps = new WeakMap()));
  let shape = byProps.get(ctx.props);
  if (shape === undefined) byProps.set(ctx.props, (shape = decideShape(vmsd, version, ctx)));
  return shape;
}

function decideShape(vmsd: VMStateDescription, version: number, ctx: VmCtx): StaticShape | null {
  const fields: { f: VMStateField; owner: VMStateDescription }[] = [];
  const wire = new Set<string>();
  const constant = (run: (s: State, c: VmCtx) => unknown): boolean | null => {
    const p = probe(ctx.props, ctx.vmdescArrays, run);
    return p.constant ? p.value : null;
  };
  const visit = (v: VMStateDescription, ver: number): boolean => {
    if (v.pre_save) return false;
    for (const f of v.fields) {
      if (f.member === null) continue;
      const test = f.field_exists;
      const exists = test ? constant((s, c) => test(s, ver, c)) : f.version_id <= ver;
      if (exists === null) return false;
      if (!exists) continue;
      if (f.flags & (F.VMS_VARRAY_ANY | F.VMS_VBUFFER)) return false;
      if (elementCount(f, {}, v) === 0) continue;
      fields.push({ f, owner: v });
      wire.add(f.member);
    }
    for (const sub of v.subsections ?? []) {
      const needed = sub.needed;
      const on = needed ? constant((s, c) => needed(s, c)) : true;
      if (on === null) return false;
      if (on && !visit(sub, sub.version_id)) return false;
    }
    return true;
  };
  if (!visit(vmsd, version)) return null;
  return { fields, wire, off: genericMembers(vmsd).filter((m) => !wire.has(m)) };
}

/** Walks `vmsd` as save does and returns (in `wire`) the members an existing field writes; `fix` conforms each one. */
function walk(vmsd: VMStateDescription, version: number, state: State, reset: State | null, ctx: VmCtx, fix: boolean | ((f: VMStateField) => boolean), wire: Set<string>): Set<string> {
  vmsd.pre_save?.(state, ctx);
  for (const f of vmsd.fields) {
    const m = f.member;
    if (m === null || !fieldExists(f, state, version, ctx)) continue;
    if (elementCount(f, state, vmsd) === 0) continue; // save writes nothing, load touches nothing
    if (fix === true || (fix && fix(f))) fixField(f, vmsd, state, reset, ctx);
    wire.add(m);
  }
  for (const sub of vmsd.subsections ?? []) {
    if (!sub.needed || sub.needed(state, ctx)) walk(sub, sub.version_id, state, reset, ctx, fix, wire);
  }
  return wire;
}

function restore(state: State, reset: State | null, m: string): number {
  if (reset && hasMember(reset, m)) {
    if (stateEqual(memberOf(state, m), reset[m])) return 0;
    setMember(state, m, cloneState(reset[m]));
    return 1;
  }
  if (!hasMember(state, m)) return 0;
  delete state[m];
  return 1;
}

const isObject = (v: unknown): v is State => v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !Array.isArray(v);

function fixField(f: VMStateField, owner: VMStateDescription, state: State, reset: State | null, ctx: VmCtx): void {
  const m = f.member!;
  const resetValue = reset ? memberOf(reset, m) : undefined;
  if (isArrayField(f)) {
    const n = elementCount(f, state, owner);
    const arrayLike = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || isScalarArray(v);
    const had = memberOf(state, m);
    const cur = arrayLike(had) ? had : [];
    const rst = arrayLike(resetValue) ? resetValue : [];
    const struct = isStruct(f);
    if (!struct && cur.length === n && rst.length <= n) return; // the common case: a scalar array of the right length (a typed one stays typed)
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      let el = i < cur.length ? cur[i] : i < rst.length ? cloneState(rst[i]) : blankElement(f, state, owner);
      // A null element travels as a marker the destination expects only where its own element is null.
      if (f.flags & F.VMS_ARRAY_OF_POINTER && i < rst.length && (rst[i] === null) !== (el === null)) el = cloneState(rst[i]);
      const r = rst[i];
      if (struct && isObject(el)) conformToWire(f.vmsd!, nestedVersion(f), el, isObject(r) ? r : null, ctx);
      out.push(el);
    }
    for (let i = n; i < rst.length; i++) out.push(cloneState(rst[i]));
    setMember(state, m, out);
  } else if (isStruct(f)) {
    const el = memberOf(state, m);
    if (isObject(el)) conformToWire(f.vmsd!, nestedVersion(f), el, isObject(resetValue) ? resetValue : null, ctx);
  } else if (f.info?.name === 'buffer') {
    const size = elementSize(f, state, owner);
    const b = memberOf(state, m);
    if (!(b instanceof Uint8Array) || b.length !== size) {
      const out = new Uint8Array(size);
      if (b instanceof Uint8Array) out.set(b.subarray(0, size));
      setMember(state, m, out);
    }
  }
}

function blankElement(f: VMStateField, state: State, owner: VMStateDescription): unknown {
  return isStruct(f) ? blankState(f.vmsd!, nestedVersion(f)) : blankValue(f.info?.name ?? '', elementSize(f, state, owner));
}
