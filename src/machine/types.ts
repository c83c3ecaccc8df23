import type { Props, PropValue, State, VMStateDescription, VmCtx } from '../vmstate/types.js';
import type { DeviceGen } from '../gen/types.js';

/** One global property a machine type applies: (driver, property, value), as QEMU's GlobalProperty. */
export interface CompatEntry {
  driver: string;
  property: string;
  value: string;
  optional?: boolean;
}

export type PropType = 'bool' | 'uint8' | 'uint16' | 'uint32' | 'int32' | 'uint64' | 'string' | 'onoffauto';

export interface PropDef {
  type: PropType;
  default: PropValue;
}

/**
 * A device class: its QOM type and ancestors (compat entries match either),
 * its properties, its VMSD and what identifies its section in a stream.
 */
export interface DeviceClass {
  /** The name cases use (`virtio-gpu`, `isa-ipmi-kcs`). */
  name: string;
  /** QOM type the compat tables name (`virtio-gpu-device`). */
  type: string;
  /** QOM ancestors, nearest first (`virtio-gpu-base`, `virtio-device`, `device`). */
  parents: string[];
  /**
   * QOM interfaces the type or an ancestor implements (`pci-express-device`,
   * `conventional-pci-device`): a global property names one as its driver
   * and reaches every device that implements it (object_dynamic_cast).
   */
  interfaces?: string[];
  props: Record<string, PropDef>;
  /**
   * The PCI proxy a virtio device sits in (`virtio-rng-pci` around
   * `virtio-rng-device`): a distinct QOM object with its own type chain and
   * properties. Globals for the proxy's types set its properties and, through
   * the aliases the proxy adds for every property of its device, the
   * device's; globals for the device's types set only the device's. The
   * device's globals apply first (it is created inside the proxy's
   * instance_init), then the proxy's.
   */
  proxy?: VirtioProxy;
  vmsd: VMStateDescription;
  /** Section idstr (`0000:00:02.0/virtio-gpu`, `ipmi-interface`) and instance id. */
  idstr: string;
  instanceId: number;
  /**
   * A second instance id the loader accepts for this section (QEMU's
   * alias_id, set by qdev_set_legacy_instance_id: the PIC's and the RTC's
   * I/O base from before qdev). A section idstr with a device path
   * (`0000:00:1f.0/ICH9LPC`) is also found by its legacy idstr, the bare
   * VMSD name, as QEMU's SaveStateEntry compat entry does.
   */
  aliasId?: number;
  /**
   * The alias id of one instance from its properties, as a realize that
   * calls qdev_set_legacy_instance_id(dev, s->iobase, …) has it (the two
   * PICs' 0x20 and 0xa0); wins over `aliasId`.
   */
  aliasIdOf?(props: Props): number;
  /**
   * Properties the board sets on its n-th instance of this class before
   * realize (i8259_init_chip's iobase, elcr_addr, elcr_mask, master for
   * the master and the slave PIC): they win over defaults and globals.
   */
  instanceProps?: readonly Props[];
  /**
   * Whether the device registers its section at all on this machine type
   * with these properties (QEMU registers some only for some machine types
   * or configurations, and some devices never: no dc->vmsd). Default: yes.
   */
  registers?(props: Props, machine: string): boolean;
  /**
   * How many sections of this VMSD the device registers (one per CPU, per
   * port …), numbered by instance id from `instanceId`; default 1. Their
   * states are keyed `name`, `name#1`, `name#2` …
   */
  sectionCount?(props: Props): number;
  /**
   * Further sections the same device registers beside its main one (an
   * early-setup or per-function section), each modelled as its own class;
   * they take this device's properties and are keyed `name/<their name>`.
   */
  extraSections?: DeviceClass[];
  /** The state of a freshly reset device under these properties. */
  reset(props: Props): State;
  /**
   * Members a guest can observe that must survive migration. A model lists
   * them when the VMSD does not carry them all (a post_load may rebuild them);
   * a same-release round trip that loses one is reported as state loss.
   */
  guestVisible?: string[];
  /** Hand-written states for the given-state case runner (states a running guest could reach); property runs check them first. */
  examples?(props: Props): State[];
  /**
   * What generates this device's states beyond its VMSD: arbitraries for its
   * custom codecs, its validity rules, the fields it holds fixed. The class
   * carries it, so a model is generated as itself whatever it is named.
   */
  gen?: DeviceGen;
  /** A class built from a QEMU source tree: what its model leaves out, so verdicts can say so. */
  extracted?: ExtractedNotes;
  /**
   * A class that is not user-creatable: it is in a VM only where the board
   * creates it. `machines`: the machine types whose board code may; at any
   * other the case cannot apply (skipped, saying `why`). Absent: pluggable
   * anywhere.
   */
  boardOnly?: { machines: readonly string[]; why: string };
  /**
   * A section QEMU registers only under a condition the cases' configuration
   * does not meet (`replay`: only with -icount rr=…): no case can apply
   * (skipped, saying `why`). Absent: registered whenever the device is there.
   */
  onlyWhen?: { why: string };
  /**
   * QEMU refuses to migrate a VM that has this device (its VMSD is
   * `.unmigratable`, or its realize adds a migration blocker): there is no
   * stream to check, so no case can apply (skipped, saying `why`, never a
   * pass). Absent: migratable.
   */
  unmigratable?: { why: string };
}

/** What an extracted class's model does not carry (src/source/release). */
export interface ExtractedNotes {
  /** Where the class comes from (file:line of its TypeInfo). */
  at: string;
  /** Custom VMStateInfo codecs with no hand-written binding, by C name, with the field: its cases cannot be checked. */
  unmodelled: string[];
  /** pre_save / post_load / pre_load / post_save hooks with no translation (`vmsd.post_load = fn`). */
  hooks: string[];
  /** Named inputs (opaque predicates and helpers the model cannot answer), with why; each is a bool property drawn both ways. */
  inputs: { name: string; reason: string }[];
  /** Realize-time values taken from the override table (scenarios/common/realize.ts), said on every verdict. */
  overrides?: string[];
  /** Opaque predicates answered by the hand-written table (scenarios/common/predicates.ts), said on every verdict. */
  predicates?: string[];
  /** A section a `vmstate_register*()` call registers (no class has it as dc->vmsd): the call, its place and the section it makes. */
  registered?: string;
}

export interface VirtioProxy {
  /** The proxy's QOM type (`virtio-rng-pci`). */
  type: string;
  /** Its ancestors, nearest first (`virtio-rng-pci-base`, `virtio-pci`, `pci-device`, `device`). */
  parents: string[];
  interfaces?: string[];
  /** Which of the class's `props` are the proxy's own (`vectors`, `disable-legacy` …); the rest are the device's. */
  props: readonly string[];
}

export interface MachineType {
  /** Versioned name, as sent in the configuration section (`pc-q35-8.2`). */
  name: string;
  /** The devices `-M <name> -nodefaults` registers, in registration order (device names of the release). */
  devices?: string[];
  /** The cumulative compat list, in application order (last match wins). */
  compat: CompatEntry[];
}

export interface Release {
  /** `8.2.0`, `9.0.1` … */
  name: string;
  machines: MachineType[];
  /** Device classes in registration order. */
  devices: DeviceClass[];
  /** The compat arrays this release's tree defines, by QEMU name (`hw_compat_8_2`). */
  compatArrays: Record<string, CompatEntry[]>;
  /**
   * Properties QEMU's types declare that no device model here carries (they
   * shape no migration state), by the QOM type that declares them
   * (`pci-device`: `x-pcie-ari-nextfn-1`). A compat entry may name one; an
   * entry naming a property neither a model nor this list declares is an
   * error of the release model (src/machine/compat-check.ts).
   */
  typeProps?: Record<string, string[]>;
  /**
   * How this release's JSON writer describes arrays (never on the wire, only
   * in the trailing description): `runs` from 10.0 (35049eb0d2fc, also in
   * 9.1.3 and 9.2.1), where an element counts as part of an array only while
   * elements follow it (so the last element of an array that cannot be
   * compressed has no `index`) and mixed null/non-null pointer arrays are
   * described run by run; `whole` before.
   */
  vmdescArrays?: 'whole' | 'runs';
  /**
   * How this release's JSON writer describes a null element of an array of
   * pointers (on the wire it is the 1-byte nullptr marker either way):
   * `struct` before 10.0, where the element is described as the field it
   * stands in for (a struct field gets an empty `struct: {}`, size 1);
   * `nullptr` from 10.0 (9867c3a7ced1, also in 9.1.3 and 9.2.1), a field
   * of type `nullptr`. Absent: `nullptr` when vmdescArrays is `runs`
   * (the two commits landed together), else `struct`.
   */
  vmdescNullptr?: 'struct' | 'nullptr';
  /**
   * Whether the JSON description has a `configuration` entry (the
   * configuration section's VMSD): from 8.2 (2aae1eb8da65, "migration: Add
   * the configuration vmstate to the json writer"); 7.2–8.1 streams have
   * none. Absent: true.
   */
  vmdescConfiguration?: boolean;
}

/** The release's JSON writer style for nulls in arrays of pointers (Release.vmdescNullptr and its default). */
export function vmdescNullptrOf(r: Pick<Release, 'vmdescArrays' | 'vmdescNullptr'>): 'struct' | 'nullptr' {
  return r.vmdescNullptr ?? (r.vmdescArrays === 'runs' ? 'nullptr' : 'struct');
}

export type { Props, PropValue, State, VmCtx };
