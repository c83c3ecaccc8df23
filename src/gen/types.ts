import type { Arbitrary } from 'fast-check';
import type { Engine } from '../machine/engine.js';
import type { Props, State, VMStateDescription, VMStateField } from '../vmstate/types.js';

/** Member values to merge into the struct that holds a field (QEMU's opaque). */
export type StatePatch = Record<string, unknown>;

/** A VMSD a custom codec saves inline through `ctx.saveNested`, at the version it passes. */
export interface InlineVmsd {
  vmsd: VMStateDescription;
  version: number;
}

/** What a custom arbitrary knows about the field it generates for. */
export interface CustomContext {
  engine: Engine;
  /** The device key inside the engine. */
  deviceKey: string;
  /** The instance's resolved properties (defaults + compat tables + overrides). */
  props: Props;
  /** Reset state of the struct that holds the field; for top-level fields, the whole device. */
  resetState: State;
  /** `resetState[field.member]`, or undefined when the field has no member. */
  resetValue: unknown;
  /** Reset state of the whole device. */
  deviceReset: State;
  field: VMStateField;
  /** The VMSD that owns the field, and the version it is walked at. */
  owner: VMStateDescription;
  version: number;
  /** VMSDs the codec saves inline, found by saving the reset state once. */
  inline: readonly InlineVmsd[];
  /** The generic arbitrary for a VMSD at `version` over `base` (only `base`'s keys are cloned), conformed to the wire. */
  struct(vmsd: VMStateDescription, version: number, base: State): Arbitrary<State>;
  /** The members a save of `vmsd` at `version` would put on the wire for `state`. */
  wireMembers(vmsd: VMStateDescription, version: number, state: State): Set<string>;
}

/**
 * Generates what a custom VMStateInfo reads from the state: a patch keyed by
 * member name, merged into the holding struct (e.g. `{ virtio: {...} }`, or
 * `{ resources, 'parent_obj.scanout', ... }` for a codec with no member).
 */
export type CustomArbitrary = (ctx: CustomContext) => Arbitrary<StatePatch>;

/** A device's generator knowledge: arbitraries for its custom codecs and its validity rules. */
export interface DeviceGen {
  /** Keyed by VMStateInfo name (`virtio`, `virtio-gpu`, `blob`), within this device. */
  custom?: Readonly<Record<string, CustomArbitrary>>;
  /** Post-processes a generated state (the device's post_load rules); may mutate and return `state`. */
  refine?: (state: State, props: Props) => State;
  /**
   * Fields that nothing generates on purpose, keyed `vmsd:field` (QEMU's
   * names), each with the reason a running guest cannot change it. Any other
   * field left at its reset value makes a passing case `incomplete`.
   */
  fixed?: Readonly<Record<string, string>>;
}

/** A field the walk could give no value: every generated state carries its reset value there. */
export interface Ungenerated {
  vmsd: string;
  field: string;
  /** Why nothing generates it, for people (`custom codec 'virtio' has no arbitrary`). */
  reason: string;
}

/** A device's arbitrary, with what it cannot generate (empty when it covers every field). */
export type DeviceArbitrary = Arbitrary<State> & { readonly ungenerated: readonly Ungenerated[] };

export interface StateArbitraryOptions {
  /** Upper bound for a generated VMS_VARRAY count (raised to the reset count when that is larger). Default 4. */
  maxArrayLength?: number;
  /** Upper bound in bytes for a generated VMS_VBUFFER size (raised to the reset size). Default 64. */
  maxBufferSize?: number;
  /** Throw when a custom codec has no arbitrary instead of keeping its reset value. Default false. */
  strict?: boolean;
}
