import type { Props, State, VmCtx } from '../vmstate/types.js';

/**
 * A schema is what the static diff compares: one device's VMSD tree with
 * what each side knows about it. Release models know codecs, tests and
 * resolved properties; `-dump-vmstate` files know names, versions, sizes
 * and only whether a test exists (spec §7.2).
 */

/** A field_exists test or a subsection's needed(), as far as the schema knows it. */
export type Predicate =
  /** A model's function; `origin` (the model's own function) and its source `text` tell whether two sides use the same test. */
  | { kind: 'fn'; fn: (state: State, version: number, ctx: VmCtx) => boolean; text: string; origin: object }
  /** A dump says a test exists, or cannot say when a subsection is sent. */
  | { kind: 'opaque' };

export type FieldKind =
  /** A value read by a codec: scalars, buffers, timers. */
  | 'data'
  /** QEMU's VMSTATE_UNUSED placeholder bytes. */
  | 'unused'
  /** VMS_STRUCT: the nested VMSD runs at each side's own version, which is not on the wire. */
  | 'struct'
  /** VMS_VSTRUCT: the nested VMSD runs at the field's struct_version_id. */
  | 'vstruct'
  /** A hand-written get/put (virtio, virtio-gpu …): opaque bytes plus the VMSDs it declares. */
  | 'custom';

/** Element count: fixed, read from a member of the state, or unknown (dumps before 8.1 have no `num`). */
export type Count = { fixed: number } | { member: string } | null;

export interface FieldNode {
  name: string;
  /** `name`, or `name[k]` when the VMSD has the name more than once (QEMU's JSON does the same). */
  label: string;
  version_id: number;
  /** A test replaces the version rule entirely. */
  test: Predicate | null;
  kind: FieldKind;
  /** Codec name (`uint32`, `virtio-gpu` …); null in dumps. */
  type: string | null;
  /** Bytes per element: a number, 'var' (VBUFFER, size from a member) or null (unknown: structs, custom codecs, dumps of structs). */
  size: number | 'var' | null;
  count: Count;
  nested: VmsdNode | null;
  /** VMS_VSTRUCT's struct_version_id; null elsewhere and in dumps (not dumped). */
  structVersion: number | null;
  /** VMSDs a custom codec saves inline, in order. */
  inline: VmsdNode[];
  /** `count` was not in the dump (QEMU before 8.1 writes no `num`) and is taken from the other side: see guess.ts. */
  countGuessed?: boolean;
}

export interface SubsectionNode {
  vmsd: VmsdNode;
  /** null: always sent. */
  needed: Predicate | null;
}

export interface VmsdNode {
  name: string;
  version_id: number;
  minimum_version_id: number;
  fields: FieldNode[];
  subsections: SubsectionNode[];
}

export interface DeviceSchema {
  /**
   * What matches a device across schemas of one kind: its section — the
   * idstr and, for a second instance, `#instance` — for release models; the
   * QOM type (the dump's member name) for dumps, which know no idstr.
   */
  key: string;
  /** The QOM type: what pairs a dump's class with a release model's devices. */
  type: string;
  /** What people call it (`virtio-gpu`); the QOM type for dumps. */
  name: string;
  /** Section idstr when the model knows it; a dump only implies it from the VMSD name. */
  idstr: string | null;
  /** Resolved properties at the machine type (release models); null for dumps. */
  props: Props | null;
  vmsd: VmsdNode;
}

/** One side of a comparison at one machine type. */
export interface Schema {
  kind: 'release' | 'dump';
  /** `9.0.0`, or the dump's file name. */
  label: string;
  machine: string;
  devices: DeviceSchema[];
  /** Whether the schema knows element counts: a release model and a dump of QEMU 8.1+ do; an older dump writes no `num`. */
  counts: boolean;
}

export type Severity = 'breaking-forward' | 'breaking-backward' | 'breaking-both' | 'compatible' | 'info';

/**
 * What one direction makes of a change. `may-break`: it breaks whenever
 * something the schema cannot see says so (device state, a dump's opaque
 * test); it counts as breaking, the reason says on what it depends.
 */
export type Effect = 'ok' | 'breaks' | 'may-break';

export type ChangeKind =
  | 'section-missing'
  | 'section-name'
  | 'section-version'
  | 'vmsd-version'
  | 'vmsd-name'
  | 'field-added'
  | 'field-removed'
  | 'field-renamed'
  | 'field-resized'
  | 'field-count'
  | 'field-type'
  | 'field-gate'
  | 'field-layout'
  /** The same bytes cut into other fields (runstate[100] → runstate[32] + two flags + unused[66]). */
  | 'field-resplit'
  | 'unused-size'
  | 'unused-placeholder'
  | 'description-missing'
  | 'subsection-missing'
  | 'subsection-version'
  | 'subsection-gate'
  | 'custom-codec'
  | 'machine-name';

export interface Finding {
  /** The device's QOM type. */
  device: string;
  /** The section it belongs to (DeviceSchema.key): what tells two devices of one QOM type apart. */
  section: string;
  /** Machine types at which this finding holds (identical findings are merged). */
  machines: string[];
  /** Where, outermost first: `virtio-gpu:virtio-gpu › virtio-gpu-scanouts:parent_obj.scanout › virtio-gpu-one-scanout`. */
  path: string;
  vmsd: string | null;
  field: string | null;
  change: ChangeKind;
  severity: Severity;
  /** `from` → `to`. */
  forward: Effect;
  /** `to` → `from`. */
  backward: Effect;
  reason: string;
  /** QEMU's vmstate-static-checker would not report this break (or would report only one of its directions). */
  checkerMisses: boolean;
}

export interface DeviceReport {
  /** The QOM type. */
  device: string;
  /** The section (idstr, `#instance` past the first; a dump's QOM type): unique in a report. */
  section: string;
  name: string;
  /** Machine types at which the device was compared. */
  machines: string[];
  findings: Finding[];
  forward: Effect;
  backward: Effect;
}

export interface SourceInfo {
  kind: 'release' | 'dump';
  label: string;
  /** The dump's path. */
  file?: string;
}

export interface CountGuess {
  /** The device's key. */
  device: string;
  /** Where, as findings spell it: `e1000e:core.eitr_intr_pending`. */
  path: string;
  /** The schema without counts (its label). */
  in: string;
  count: number;
  /** How: the same field's count on the other side, or the bytes the other side has in its place. */
  how: 'same-field' | 'bytes';
}

export interface StaticReport {
  from: SourceInfo;
  to: SourceInfo;
  machines: string[];
  devices: DeviceReport[];
  /** Things that hold for the whole comparison (different machine types, devices one side does not model). */
  notes: string[];
  /** Element counts an old dump does not give, taken from the other side (each one a guess the diff rests on). */
  guesses: CountGuess[];
  summary: {
    devices: number;
    changed: number;
    findings: number;
    breaking: number;
    compatible: number;
    info: number;
    /** Whether anything breaks in either direction at the requested machine types. */
    breaks: boolean;
  };
}
