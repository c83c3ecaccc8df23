import type { Reader } from '../wire/reader.js';
import type { Writer } from '../wire/writer.js';
import type { VmsdDesc } from './describe.js';

/**
 * A device's state: one key per C member, spelled as QEMU's field name
 * spells it (`cursor.pos.x`, `parent_obj.conf.max_outputs`). Values:
 * number (≤ 32-bit integers), bigint (64-bit integers, timers), boolean,
 * Uint8Array (buffers), arrays, nested State (structs), null (a null pointer).
 */
export type State = Record<string, unknown>;

export type PropValue = number | bigint | boolean | string;
export type Props = Readonly<Record<string, PropValue>>;

/** One leaf the sender put on the wire: where, how big, and which state path it carries. */
export interface TraceEntry {
  /** State path: ['parent_obj.scanout', 0, 'fb.format']; `pathOf` spells it for people. */
  keys: (string | number)[];
  /** VMSD that owns the field. */
  vmsd: string;
  field: string;
  offset: number;
  size: number;
  /**
   * 'field' for data, 'subsection' for a subsection header, 'marker' for framing bytes inside a custom codec,
   * 'unchecked' for data a load took only in part and does not hold as the sender's value (virtio's config
   * buffer of another length): not compared, forward or on the round trip. 'unused' for a save's placeholder
   * bytes (VMSTATE_UNUSED; keys: the struct that holds them): no member of the sender's is on them.
   */
  what: 'field' | 'subsection' | 'marker' | 'unchecked' | 'unused';
}

/** What save and load hand to hooks, tests and custom codecs. */
export interface VmCtx {
  /** The device instance's resolved properties (defaults + compat tables). */
  readonly props: Props;
  /** The top-level device state (the "owner" QEMU tests reach through their opaque). */
  readonly device: State;
  /** Save or load a nested VMSD inline, as QEMU's custom savers do (no header, no version on the wire). */
  /**
   * `desc`, when given, receives the nested VMSD's JSON description (QEMU's
   * codecs that pass their vmdesc on to vmstate_save_state: tmp, queues,
   * trees); the element's ElementCtx.desc is the one to pass.
   */
  saveNested(w: Writer, vmsd: VMStateDescription, state: State, version: number, path: PathCtx, desc?: VmsdDesc | null): void;
  loadNested(r: Reader, vmsd: VMStateDescription, state: State, version: number, path: PathCtx): void;
  /** Record a leaf for the wire projection and diagnostics. */
  record(entry: TraceEntry): void;
  /** False when `record` throws entries away: a caller may then skip building them (absent: true). */
  readonly tracing?: boolean;
  /** The saving release's JSON writer for arrays (Release.vmdescArrays); `whole` when absent. */
  readonly vmdescArrays?: 'whole' | 'runs';
  /** The saving release's JSON writer for null pointers (Release.vmdescNullptr); absent: `nullptr` with `runs`, else `struct`. */
  readonly vmdescNullptr?: 'struct' | 'nullptr';
}

export type PathCtx = (string | number)[];

/** Element context passed to a VMStateInfo codec. */
export interface ElementCtx {
  field: VMStateField;
  vmsd: VMStateDescription;
  /** The struct that holds the field (QEMU's opaque). */
  state: State;
  /** Element size in bytes (buffers). */
  size: number;
  ctx: VmCtx;
  /** State path of this element. */
  at: PathCtx;
  /**
   * While the JSON description is written: where this element's nested
   * VMSD description goes, for a codec that saves one with QEMU's vmdesc
   * (put_tmp, put_qtailq, put_qlist, put_gtree pass theirs on; QEMU's
   * own custom savers such as virtio_save pass NULL, so leave it unused).
   * Null or absent otherwise.
   */
  desc?: VmsdDesc | null;
}

/** QEMU's VMStateInfo: a named codec for one element. */
export interface VMStateInfo {
  /** The JSON `type` name (`uint32`, `uint32 equal`, `timer`, `virtio-gpu` …). */
  name: string;
  put(w: Writer, value: unknown, el: ElementCtx): void;
  /** `current` is the destination's value before the load (for `_EQUAL` and `int32 le`). */
  get(r: Reader, current: unknown, el: ElementCtx): unknown;
  /** Custom codecs that record their own leaves set this; the engine then records nothing for them. */
  recordsOwnLeaves?: boolean;
  /**
   * The codec never reads `el.at` (QEMU's primitive codecs): the elements
   * of an array then share one ElementCtx instead of one path each.
   */
  plain?: boolean;
  /**
   * How QEMU's JSON description names what this codec stands for, when the
   * model uses a codec of its own for a plain QEMU field: its `type`, and
   * the element count when QEMU describes it as an array (`array_len`, with
   * `size` per element).
   */
  vmdesc?: { type: string; elements?: number };
  /**
   * A specialised put/get the compiled engine calls instead of put/get
   * (src/vmstate/compile): the same contract — the same bytes, the same
   * leaves recorded, the same value returned, the same failures (kind,
   * offset, message) — written for speed (reads straight off the buffer,
   * blank runs compared natively, no per-element objects). The interpreter
   * keeps to put/get, the reference test/compiled-engine.test.ts holds
   * these to.
   */
  fast?: { put: VMStateInfo['put']; get: VMStateInfo['get'] };
  /**
   * VMSDs a custom codec saves inline (QEMU's hand-written savers calling
   * vmstate_save_state themselves), so that static analysis and hooks can
   * reach them. Custom codecs must not modify the state they save.
   */
  nested?: VMStateDescription[];
}

export type FieldExists = (state: State, version: number, ctx: VmCtx) => boolean;

export interface VMStateField {
  /** QEMU's field name (the stringified C member path). */
  name: string;
  /** State key; null for fields with no member (unused, validate). Defaults to `name`. */
  member: string | null;
  info?: VMStateInfo;
  flags: number;
  version_id: number;
  field_exists?: FieldExists;
  /** Fixed element count (VMS_ARRAY) or multiplier (VMS_MULTIPLY_ELEMENTS). */
  num?: number;
  /** VMS_VARRAY_*: the member that holds the count. */
  num_member?: string;
  /** Element size for buffers (or multiplier with VMS_MULTIPLY). */
  size?: number;
  /** VMS_VBUFFER: the member that holds the size. */
  size_member?: string;
  vmsd?: VMStateDescription;
  struct_version_id?: number;
  err_hint?: string;
}

export interface PostLoadFailure {
  errno: number;
  message: string;
}

export interface VMStateDescription {
  name: string;
  version_id: number;
  minimum_version_id?: number;
  /**
   * QEMU's MigrationPriority (MIG_PRI_DEFAULT 0 … MIG_PRI_GICV3 5): a
   * section of higher priority is saved before every section of lower
   * priority, whatever the registration order (savevm_state_handler_insert).
   */
  priority?: number;
  /** Saved in the setup phase, before every other section (virtio-mem's early state); QEMU's early_setup. */
  early_setup?: boolean;
  fields: VMStateField[];
  subsections?: VMStateDescription[];
  needed?: (state: State, ctx: VmCtx) => boolean;
  /** Returns a failure to abort the save, as QEMU's pre_save returning non-zero does ("pre-save failed"). */
  pre_save?: (state: State, ctx: VmCtx) => PostLoadFailure | void;
  /** Returns a failure to abort the load before any field is read, as QEMU's pre_load returning non-zero does. */
  pre_load?: (state: State, ctx: VmCtx) => PostLoadFailure | void;
  /** Runs after the fields and subsections are saved, even when they failed; its failure counts only when they did not. */
  post_save?: (state: State, ctx: VmCtx) => PostLoadFailure | void;
  /** Returns a failure to reject the state, as QEMU's post_load returning non-zero does. */
  post_load?: (state: State, version: number, ctx: VmCtx) => PostLoadFailure | void;
  /**
   * Not QEMU's: what a running QEMU can be in, for the state generators.
   * Puts members of this VMSD's struct that no guest access can change
   * under the struct's realize-time values back to what realize left
   * (memory hotplug's selector when realize maps no I/O region); the
   * generators apply it to every instance of the struct, in any device.
   */
  reachable?: (state: State) => void;
}
