/**
 * How an extracted model meets hand-written codecs: a table keyed by the C
 * name of a VMStateInfo (`vmstate_info_pci_config`, or the get function of
 * an inline `&(VMStateInfo){ .get = virtio_gpu_load, … }`). The table
 * lives in scenarios/ (device knowledge); src/ only looks names up.
 */
import type { CustomArbitrary } from '../../gen/types.js';
import type { PropDef } from '../../machine/types.js';
import type { Props, State, VMStateDescription, VMStateInfo } from '../../vmstate/types.js';
import type { ExtractedField } from '../model.js';

export interface CodecBinding {
  info: VMStateInfo;
  /** Generates what the codec reads; keyed in DeviceGen.custom by the info's name. */
  arbitrary?: CustomArbitrary;
  /** What the binding leaves out of QEMU's codec (a load check), for the verdict notes. */
  note?: string;
  /** The state key of the codec's value when the C field has none (VMSTATE_VIRTIO_DEVICE has no offset: its codec reads the whole device). */
  member?: string;
  /** The field member's reset value under the class's properties (the codec's own state, e.g. VirtioState). */
  reset?(props: Props): unknown;
  /** Members a codec with no member reads from the struct that holds its field, at reset (MSI-X's vector table and pending bits in the PCIDevice). */
  structReset?(props: Props): State;
  /** VMSDs the codec runs over the device's whole state (vdc->vmsd, a custom saver's inner VMSD): the reset state has their members. */
  deviceVmsds?: VMStateDescription[];
  /** Properties the class gains from where realize puts it (a virtio device's PCI proxy); the class's own win. */
  props?: Record<string, PropDef>;
  /** QOM types compat entries may name for it (the proxy and its ancestors). */
  parents?: string[];
  /**
   * The field cannot travel in the configuration the cases run (virtio-net's
   * vhost-user backend state, with no vhost-user backend): the subsection
   * that holds it is never needed, for this reason. `info` is then a codec
   * that refuses to run. Only for a field of a subsection with a needed().
   */
  absent?: string;
  /**
   * Defaults realize replaces (a property whose default means `auto`, as
   * virtio-blk's num-queues, which realize sets from the vCPU count): the
   * class's property keeps its type and takes this default.
   */
  realized?: Record<string, PropDef['default']>;
}

/** What a binding may ask about the class and tree being converted. */
export interface BindingCtx {
  /** The QOM type being converted. */
  device: string;
  /** A VMSD of the same tree by its migration name (the field's file first), converted; undefined when the tree has none. */
  vmsd(name: string): VMStateDescription | undefined;
  /** The class's properties as the tree defines them (its own and its ancestors'). */
  props: Readonly<Record<string, PropDef>>;
  /** Another class's properties in the same tree (a virtio device's PCI proxy); undefined when the tree has no such class. */
  classProps(qomType: string): Readonly<Record<string, PropDef>> | undefined;
}

/** A binding: the codec, or why this field cannot have one (a sentence, said on the incomplete verdict), or null (unknown). */
export type CodecTable = Readonly<Record<string, (field: ExtractedField, ctx: BindingCtx) => CodecBinding | string | null>>;

/** The C name a field's codec is known by: the variable, or an inline VMStateInfo's get function. */
export function codecName(info: string): string {
  const get = /\.get\s*=\s*([A-Za-z_]\w*)/.exec(info);
  return get ? get[1]! : info.replace(/^&\s*/, '');
}

/** A VMSD's reachability rule by name (VMStateDescription.reachable), with where QEMU decides it. */
export interface ReachableRule {
  vmsd: string;
  from: string;
  rule: (state: State) => void;
}

/**
 * A realize-time value a VMSD counts or sizes by but never migrates
 * (Fifo8's `capacity`, set by fifo8_create): the VMSD whose struct holds
 * `member` (a dotted path inside it), the value (a constant, or what
 * realize computes from the class's properties), and where QEMU sets it.
 * `devices` limits it to those QOM types (classes that share a VMSD and
 * realize it differently); absent, every class whose VMSDs reach `vmsd`.
 */
export interface RealizeOverride {
  vmsd: string;
  member: string;
  value: number | ((props: Props) => number);
  from: string;
  /** The QOM types whose realize sets it (absent: every class with the VMSD); a test may read it (a pointer realize sets: 1 for non-NULL). */
  devices?: readonly string[];
  /**
   * A migrated member's initial value (instance_init sets it, the reset state
   * would otherwise hold zero): set only where the struct has the member (a
   * tree whose VMSD dropped the field is left alone), a bool member as a bool.
   */
  initial?: true;
}

/**
 * A hand-written answer for a needed() or field_exists test the translator
 * leaves opaque (predicate.ts), keyed by the C function: it replaces the
 * named input, and every verdict of a class that uses it says so.
 * `test` sees the struct the VMSD describes, the device's properties, the
 * version (a field test's version_id; a needed()'s own VMSD version) and
 * the device's top state.
 */
export interface PredicateOverride {
  /** The C function (`sd_emmc_needed`). */
  fn: string;
  /** Where QEMU decides it, and why the answer holds. */
  from: string;
  test: (state: State, props: Props, version: number, device: State) => boolean;
  /** The QOM types it applies to (absent: every class whose VMSDs name the function). */
  devices?: readonly string[];
}
