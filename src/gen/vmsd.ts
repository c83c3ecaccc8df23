import fc, { type Arbitrary } from 'fast-check';
import { VmError } from '../wire/errors.js';
import type { Engine } from '../machine/engine.js';
import * as F from '../vmstate/flags.js';
import { elementCount, elementSize, fieldExists, isArrayField, isStruct, nestedVersion } from '../vmstate/field.js';
import { isScalarArray, memberOf, stateEqual } from '../vmstate/state.js';
import type { Props, State, VMStateDescription, VMStateField, VmCtx } from '../vmstate/types.js';
import { probeCtx } from './_internals/ctx.js';
import { isCustomField } from './_internals/field-kind.js';
import { biased } from './bias.js';
import { blankState } from './blank.js';
import { blankBiasedBytes, blankBiasedInts } from './typed.js';
import { inlineVmsds } from './inline.js';
import { blankValue, intRange, isEqualInfo, isValuelessInfo, scalarArbitrary } from './scalar.js';
import type { CustomArbitrary, CustomContext, InlineVmsd, StatePatch, Ungenerated } from './types.js';
import { compileMerge } from './merge.js';
import { SlotsArbitrary } from './slots.js';
import { conformToWire, wireMembers } from './wire.js';

/** Everything the walk needs about the device instance it generates for. */
export interface GenEnv {
  engine: Engine;
  deviceKey: string;
  props: Props;
  deviceReset: State;
  custom: Readonly<Record<string, CustomArbitrary>>;
  maxArrayLength: number;
  maxBufferSize: number;
  strict: boolean;
  /** Fields the device holds fixed on purpose (`vmsd:field` → reason). */
  fixed: Readonly<Record<string, string>>;
  /** Fields the walk could give no value, once each (filled while the arbitrary is built). */
  ungenerated: Ungenerated[];
  /** Probe context over the reset device, for tests and needed() at construction time. */
  ctx: VmCtx;
}

export function makeEnv(
  engine: Engine,
  deviceKey: string,
  custom: Readonly<Record<string, CustomArbitrary>> = {},
  opts: { maxArrayLength?: number; maxBufferSize?: number; strict?: boolean; fixed?: Readonly<Record<string, string>> } = {},
): GenEnv {
  const props = engine.instance(deviceKey).props;
  const deviceReset = engine.resetState(deviceKey);
  const fixed = opts.fixed ?? {};
  for (const [k, why] of Object.entries(fixed)) {
    if (typeof why !== 'string' || why.trim() === '') {
      throw new VmError({ kind: 'bad-input', message: `${engine.instance(deviceKey).cls.name}: gen.fixed['${k}'] needs a reason: why can a running guest not change this field?` });
    }
  }
  return {
    engine,
    deviceKey,
    props,
    deviceReset,
    custom,
    maxArrayLength: opts.maxArrayLength ?? 4,
    maxBufferSize: opts.maxBufferSize ?? 64,
    strict: opts.strict ?? false,
    fixed,
    ungenerated: [],
    ctx: probeCtx(props, deviceReset),
  };
}

/** Notes that nothing generates `f` (unless the device holds it fixed); returns null for the caller to return. */
function ungenerated(env: GenEnv, owner: VMStateDescription, f: VMStateField, reason: string): null {
  const key = `${owner.name}:${f.name}`;
  if (key in env.fixed || env.ungenerated.some((u) => `${u.vmsd}:${u.field}` === key)) return null;
  env.ungenerated.push({ vmsd: owner.name, field: f.name, reason });
  return null;
}

/** One field the walk generates, with the VMSD (table or subsection) it sits in and that VMSD's version. */
interface Planned {
  f: VMStateField;
  owner: VMStateDescription;
  version: number;
}

/**
 * The fields of `vmsd` and of all its subsections, in save order, that can
 * carry a value: those that exist for `base`, plus a test-gated field that
 * does not when no other field writes its member (its test may read
 * generated members; conformToWire settles it per state).
 */
function plan(vmsd: VMStateDescription, version: number, base: State, env: GenEnv): Planned[] {
  const out: Planned[] = [];
  const covered = new Set<string>();
  const visit = (v: VMStateDescription, ver: number) => {
    const exists = v.fields.map((f) => fieldExists(f, base, ver, env.ctx));
    v.fields.forEach((f, i) => exists[i] && f.member !== null && covered.add(f.member));
    v.fields.forEach((f, i) => {
      if (exists[i]) out.push({ f, owner: v, version: ver });
      else if (f.field_exists && f.member !== null && !covered.has(f.member)) {
        covered.add(f.member);
        out.push({ f, owner: v, version: ver });
      }
    });
    for (const sub of v.subsections ?? []) visit(sub, sub.version_id);
  };
  visit(vmsd, version);
  return out;
}

const VARRAY_MAX: [number, number][] = [
  [F.VMS_VARRAY_UINT8, 0xff],
  [F.VMS_VARRAY_UINT16, 0xffff],
  [F.VMS_VARRAY_INT32, 0x7fffffff],
  [F.VMS_VARRAY_UINT32, 0xffffffff],
];

/**
 * Count and size members a generated field writes before the array or
 * buffer that reads them: they get a small bound so that the array or
 * buffer can be generated at that bound and cut to the value. A count that
 * no earlier plain-integer field writes (an `_EQUAL` value, a property, a
 * member set at realize) keeps its reset value and its array that length.
 */
function controlledMembers(planned: Planned[], base: State, env: GenEnv): Map<string, number> {
  const bounds = new Map<string, number>();
  const writer = (at: number, m: string) =>
    planned.slice(0, at).find((q) => q.f.member === m && !isArrayField(q.f) && !isStruct(q.f) && q.f.info && !isEqualInfo(q.f.info.name) && intRange(q.f.info.name) && q.f.info.name !== 'int32 le');
  const limit = (m: string, bound: number) => bounds.set(m, Math.min(bounds.get(m) ?? Infinity, bound));
  planned.forEach(({ f }, at) => {
    if (f.flags & F.VMS_VARRAY_ANY) {
      const w = writer(at, f.num_member!);
      if (!w) return;
      const mult = f.flags & F.VMS_MULTIPLY_ELEMENTS ? Math.max(1, f.num ?? 1) : 1;
      const typeMax = Math.min(intRange(w.f.info!.name)![1], VARRAY_MAX.find(([flag]) => f.flags & flag)![1]);
      const want = Math.max(Math.ceil(env.maxArrayLength / mult), Number(memberOf(base, f.num_member!) ?? 0));
      limit(f.num_member!, Math.max(0, Math.min(typeMax, want)));
    }
    if (f.flags & F.VMS_VBUFFER) {
      const w = writer(at, f.size_member!);
      if (!w) return;
      const mult = f.flags & F.VMS_MULTIPLY ? Math.max(1, f.size ?? 1) : 1;
      const typeMax = Math.min(intRange(w.f.info!.name)![1], 0x7fffffff); // read as a signed 32-bit value
      const want = Math.max(Math.floor(env.maxBufferSize / mult), Number(memberOf(base, f.size_member!) ?? 0));
      limit(f.size_member!, Math.max(0, Math.min(typeMax, want)));
    }
  });
  return bounds;
}

/** The element count to generate: the bound of a controlled count, else what the base state says. */
function generatedCount(f: VMStateField, owner: VMStateDescription, base: State, controlled: Map<string, number>): number {
  if (f.flags & F.VMS_VARRAY_ANY && controlled.has(f.num_member!)) {
    const mult = f.flags & F.VMS_MULTIPLY_ELEMENTS ? (f.num ?? 1) : 1;
    return controlled.get(f.num_member!)! * mult;
  }
  return elementCount(f, base, owner);
}

/** One part of a struct's arbitrary: the value of `member`, or (member null) a patch of several members (a custom codec's). */
interface Part {
  member: string | null;
  arb: Arbitrary<unknown>;
}

const part = (member: string, arb: Arbitrary<unknown>): Part => ({ member, arb });

function fieldArbitrary(p: Planned, base: State, env: GenEnv, controlled: Map<string, number>): Part | null {
  const { f, owner } = p;
  if (isCustomField(f)) {
    const arb = customArbitrary(p, base, env);
    return arb && { member: null, arb };
  }
  const m = f.member;
  if (m === null) return null;
  const reset = memberOf(base, m) ?? blankValue(f.info?.name ?? '', f.size ?? 0);
  if (isStruct(f)) return structFieldArbitrary(f, owner, base, env, controlled);
  const name = f.info?.name;
  if (!name || isEqualInfo(name) || isValuelessInfo(name)) return null;
  if (f.flags & F.VMS_POINTER && reset === null) return null; // a null pointer is structural: the destination has it null too
  if (f.flags & F.VMS_ARRAY_OF_POINTER) return ungenerated(env, owner, f, 'an array of pointers to scalars is not generated');

  if (controlled.has(m) && !isArrayField(f)) {
    return part(m, biased(reset, fc.integer({ min: 0, max: controlled.get(m)! })));
  }
  if (isArrayField(f)) {
    const n = generatedCount(f, owner, base, controlled);
    const el = scalarArbitrary(name, f.size ?? 0);
    if (!el) return ungenerated(env, owner, f, `codec '${name}' has no arbitrary`);
    const rst = Array.isArray(reset) || isScalarArray(reset) ? (reset as ArrayLike<unknown>) : [];
    // integer arrays (message buffers, FIFOs, register files) are common and long: one draw for the whole array, mostly the reset one
    const range = intRange(name);
    if (range && !isEqualInfo(name)) return part(m, blankBiasedInts(rst, n, range[0], range[1]));
    return part(m, biased(Array.from(rst), fc.array(el, { minLength: n, maxLength: n })));
  }
  if (name === 'int32 le') {
    // accepted only when 0 <= value <= the destination's own value, which is the reset one
    const max = Number(reset ?? 0);
    return max > 0 ? part(m, biased(reset, fc.integer({ min: 0, max }))) : null;
  }
  if (name === 'buffer') {
    const size =
      f.flags & F.VMS_VBUFFER && controlled.has(f.size_member!)
        ? controlled.get(f.size_member!)! * (f.flags & F.VMS_MULTIPLY ? (f.size ?? 1) : 1)
        : elementSize(f, base, owner);
    return part(m, blankBiasedBytes(reset instanceof Uint8Array ? reset : undefined, size));
  }
  const arb = scalarArbitrary(name);
  return arb ? part(m, biased(reset, arb)) : ungenerated(env, owner, f, `codec '${name}' has no arbitrary`);
}

function structFieldArbitrary(
  f: VMStateField,
  owner: VMStateDescription,
  base: State,
  env: GenEnv,
  controlled: Map<string, number>,
): Part | null {
  const m = f.member!;
  const reset = memberOf(base, m);
  const version = nestedVersion(f);
  const isObj = (v: unknown): v is State => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isArrayField(f)) return isObj(reset) ? part(m, rawVmsdArbitrary(f.vmsd!, version, reset, env)) : ungenerated(env, owner, f, `the reset state has no struct at '${m}'`);
  const n = generatedCount(f, owner, base, controlled);
  const rst = Array.isArray(reset) ? reset : [];
  let blank: State | undefined;
  // one arbitrary per distinct reset element: a long array of equal elements (xhci's 16 × 5,632 event
  // slots) shares one, instead of one object graph per element (arbitraries are stateless, so sharing
  // draws exactly what separate ones would)
  let last: { reset: State; arb: Arbitrary<unknown> } | undefined;
  const shared = (r: State): Arbitrary<unknown> => {
    if (last && (last.reset === r || stateEqual(last.reset, r))) return last.arb;
    last = { reset: r, arb: rawVmsdArbitrary(f.vmsd!, version, r, env) };
    return last.arb;
  };
  const elements = Array.from({ length: n }, (_, i): Arbitrary<unknown> => {
    const r = rst[i];
    // null-ness of a pointer element is structural: the destination expects a marker exactly where it has null
    if (f.flags & F.VMS_ARRAY_OF_POINTER && r === null) return fc.constant(null);
    if (isObj(r)) return shared(r);
    blank ??= blankState(f.vmsd!, version);
    return shared(blank);
  });
  if (n < SLOTS_MIN) return part(m, fc.tuple(...elements));
  // a long array (hotplug slot status, device slots): mostly the reset elements, a few or a region changed
  const resets = Array.from({ length: n }, (_, i) => {
    const r = rst[i];
    if (f.flags & F.VMS_ARRAY_OF_POINTER && r === null) return null;
    return isObj(r) ? r : (blank ??= blankState(f.vmsd!, version));
  });
  return part(m, new SlotsArbitrary(resets, (i) => elements[i]!));
}

/** Struct arrays from this length on are drawn mostly blank (SlotsArbitrary); shorter ones element by element. */
const SLOTS_MIN = 64;

function customArbitrary({ f, owner, version }: Planned, base: State, env: GenEnv): Arbitrary<StatePatch> | null {
  const name = f.info!.name;
  const make = env.custom[name];
  if (!make) {
    if (env.strict && !(`${owner.name}:${f.name}` in env.fixed)) {
      throw new VmError({
        kind: 'bad-input',
        message: `${owner.name}:${f.name}: custom codec '${name}' has no arbitrary; register one in the device's generator (DeviceGen.custom['${name}'])`,
        vmsd: owner.name,
        path: f.name,
      });
    }
    return ungenerated(env, owner, f, `custom codec '${name}' has no arbitrary (the device class's gen.custom['${name}'])`);
  }
  let inline: InlineVmsd[] | undefined;
  const ctx: CustomContext = {
    engine: env.engine,
    deviceKey: env.deviceKey,
    props: env.props,
    resetState: base,
    resetValue: f.member === null ? undefined : memberOf(base, f.member),
    deviceReset: env.deviceReset,
    field: f,
    owner,
    version,
    get inline() {
      return (inline ??= inlineVmsds(f, owner, base, env.props, env.deviceReset));
    },
    struct: (vmsd, v, b) => vmsdArbitrary(vmsd, v, b, env),
    wireMembers: (vmsd, v, s) => wireMembers(vmsd, v, s, env.ctx),
  };
  return make(ctx);
}

/**
 * The walk without the final conformance pass (the top level conforms once,
 * recursively). `extra` generates members no field of the walk writes (a
 * device's guest-visible members no VMSD carries): merged where no field's
 * patch set the member.
 */
export function rawVmsdArbitrary(vmsd: VMStateDescription, version: number, base: State, env: GenEnv, extra?: Arbitrary<StatePatch>): Arbitrary<State> {
  const planned = plan(vmsd, version, base, env);
  const controlled = controlledMembers(planned, base, env);
  const parts = planned.map((p) => fieldArbitrary(p, base, env, controlled)).filter((a): a is Part => a !== null);
  const members = parts.map((p) => p.member);
  const arbs = parts.map((p) => p.arb);
  const merge = compileMerge(base, members);
  if (!extra) return fc.tuple(...arbs).map((values) => merge(values));
  return fc.tuple(fc.tuple(...arbs), extra).map(([values, x]) => merge(values, x));
}

/**
 * States of one struct described by `vmsd` at `version`, starting from
 * `base` (its reset state): every field that can exist gets a value by its
 * codec, biased toward the reset value, and the result is conformed to what
 * a save at that version puts on the wire.
 */
export function vmsdArbitrary(vmsd: VMStateDescription, version: number, base: State, env: GenEnv): Arbitrary<State> {
  return rawVmsdArbitrary(vmsd, version, base, env).map((s) => conformToWire(vmsd, version, s, base, env.ctx));
}
