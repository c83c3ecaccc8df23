/**
 * What `vmcompat extract` writes: a tree's VMState facts as data, every
 * entry with the file:line it came from, plus what could not be resolved
 * and why. C names are kept verbatim (a VMSD's variable, a hook's
 * function, a `vmstate_info_*`, `VMS_*` flags) so hand-written knowledge
 * keyed by those names can meet the extracted model.
 */

import type { ExtractedMachine } from './machines/extract.js';
import type { SourcedEntry } from './machines/compat-arrays.js';

export interface SrcLoc {
  /** Relative to the tree root. */
  file: string;
  line: number;
}

/** A reference to a C object by name; `file` is where the name was found to be defined (null: not found). */
export interface CRef {
  name: string;
  file: string | null;
}

/** A `VMStateField` after the VMSTATE_* macro that wrote it was expanded from the headers. */
export interface ExtractedField {
  name: string;
  /** The macro at the use site (`VMSTATE_UINT32_V`), or `{…}` for a literal initialiser. */
  macro: string;
  version_id: number;
  /** C name of the field_exists test; null: none. */
  field_exists: string | null;
  /** null: not resolved (see the model's `unresolved`). */
  size: number | null;
  num: number | null;
  start: number;
  /** `vmstate_info_*` (or a device's own VMStateInfo), by C name. */
  info: string | null;
  flags: string[];
  vmsd: CRef | null;
  struct_version_id: number;
  /** `Type.member` the field lives at (from the offsetof in `.offset`). */
  offset: string | null;
  /** For VARRAY / VBUFFER: the member holding the count or size. */
  num_offset: string | null;
  size_offset: string | null;
  err_hint: string | null;
  at: SrcLoc;
}

export interface ExtractedVmsd {
  /** The C variable (`vmstate_e1000`). */
  cname: string;
  name: string;
  version_id: number;
  minimum_version_id: number;
  /** null: the VMSD has no field table (`.fields` absent). */
  fields: ExtractedField[] | null;
  subsections: CRef[];
  /** Function-valued members by member name (needed, pre_save, post_load, pre_load, post_save, …). */
  hooks: Record<string, string>;
  /** Other members (unmigratable, priority …) as C text. */
  other: Record<string, string>;
  static: boolean;
  at: SrcLoc;
}

export interface ExtractedClass {
  /** QOM type name. */
  name: string;
  parent: string | null;
  abstract: boolean;
  class_init: string | null;
  /** The instance struct (`sizeof(X)`'s X). */
  instance: string | null;
  /** What class_init (or a function it calls in the same file) sets `->vmsd` to; null: inherited or none. */
  vmsd: CRef | null;
  vmsdAt: SrcLoc | null;
  /** The Property array's C name (`device_class_set_props`, `->props`). */
  props: string | null;
  /** The QOM interfaces the TypeInfo lists (`pci-express-device`, `conventional-pci-device`); absent: none listed. */
  interfaces?: string[];
  /** The file of the Property array `props` names (its own file's, else the one array of that name); absent: not linked. */
  propsFile?: string | null;
  at: SrcLoc;
}

/** A `vmstate_register*()` call: a section with no device class. */
export interface ExtractedRegister {
  fn: string;
  /** The VMSD the call's own vmsd argument names (by the function's argument position); null: an expression (`s->vmstate`). */
  vmsd: CRef | null;
  args: string[];
  at: SrcLoc;
  /** The function the call is in (null: none found). */
  in?: string | null;
  /** Whether that function is static (its callers are in its own file). */
  inStatic?: boolean;
  /**
   * When the call is reached: alternatives (one per path from a caller), each
   * the conditions that must all hold on it. Absent or containing an empty
   * path: whenever its function runs (a realize, an init, an unconditional caller).
   */
  onlyWhen?: RegisterGuard[][];
}

/** One condition a registration is reached under: the C expression as written (negated for an else or an early exit), in `fn`. */
export interface RegisterGuard {
  cond: string;
  fn: string;
  at: SrcLoc;
}

export interface Unresolved {
  what: string;
  reason: string;
  at: SrcLoc;
}

export interface ExtractedModel extends ExtractedReleaseParts {
  format: 'vmcompat-extract/1';
  /** From the tree's VERSION file. */
  version: string;
  tree: string;
  target: string;
  files: number;
  vmsds: ExtractedVmsd[];
  classes: ExtractedClass[];
  registers: ExtractedRegister[];
  unresolved: Unresolved[];
  /** Quoted #include names that matched no file (generated headers), with how many files include each. */
  missingHeaders: Record<string, number>;
  /** Files read that the build puts into a loadable module (`hw-display-qxl`), not the binary itself: file → module. */
  modules?: Record<string, string>;
  /** The cache key it was stored under (extractor version, tree version, the tree's files); absent: not cached. */
  key?: string;
}

/** A whole release: VMState, properties, compat arrays and machine types (what `vmcompat extract` writes). */
export type ExtractedRelease = ExtractedModel & Required<ExtractedReleaseParts>;

/** One `Property` entry after its DEFINE_PROP_* was expanded (src/source/props). */
export interface ExtractedProperty {
  name: string;
  /** The PropertyInfo's C name (`qdev_prop_uint32`, `qdev_prop_bit` …). */
  info: string;
  /** The engine's type (`bool`, `uint32` …); null: a PropertyInfo the engine has no type for. */
  type: string | null;
  /**
   * The default QEMU sets; null: none. Integers beyond 2^53 are written as
   * decimal strings (the JSON has no 64-bit integers; `type` says it is one).
   */
  default: number | boolean | string | null;
  /** `offsetof(S, member)`: the state struct and member path. */
  struct: string;
  member: string;
  /** Bit number of a bit property. */
  bit?: number;
  at: SrcLoc;
}

export interface ExtractedPropertyArray {
  name: string;
  props: ExtractedProperty[];
  at: SrcLoc;
}

/**
 * The release parts beyond VMState (added by `extractRelease`; absent in a
 * model made by `extractTree` alone). Machine types and compat arrays keep
 * src/source/machines' own shapes (`file`/`line` rather than `at`), so that
 * they can be held against `query-machines` by the same code.
 */
export interface ExtractedReleaseParts {
  /** Every `Property` array read, in file order. */
  properties?: ExtractedPropertyArray[];
  /** Every `GlobalProperty` array read (`hw_compat_8_2`, `pc_compat_9_0`, a board's own), by C name. */
  compatArrays?: Record<string, SourcedEntry[]>;
  /** The machine types the board files register, each with its compat list in application order. */
  machines?: ExtractedMachine[];
}
