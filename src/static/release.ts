import * as F from '../vmstate/flags.js';
import { describedName } from '../vmstate/describe.js';
import { resolveProps } from '../machine/props.js';
import type { Release } from '../machine/types.js';
import type { VMStateDescription, VMStateField } from '../vmstate/types.js';
import type { Count, FieldNode, Predicate, Schema, VmsdNode } from './types.js';

/** Wire bytes per element of QEMU's primitive codecs (spec §3.6); other names are custom codecs. */
const PRIMITIVE_SIZES: Record<string, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  'uint8 equal': 1,
  int16: 2,
  uint16: 2,
  'uint16 equal': 2,
  int32: 4,
  uint32: 4,
  'int32 equal': 4,
  'uint32 equal': 4,
  'int32 le': 4,
  int64: 8,
  uint64: 8,
  'int64 equal': 8,
  timer: 8,
  CPU_Double_U: 8,
  float64: 8,
  nullptr: 1,
};

type Test = Extract<Predicate, { kind: 'fn' }>['fn'];

function fnPredicate(origin: object, fn: Test): Predicate {
  return { kind: 'fn', fn, text: origin.toString(), origin };
}

function count(f: VMStateField): Count {
  if (f.flags & F.VMS_ARRAY) return { fixed: f.num ?? 0 };
  if (f.flags & F.VMS_VARRAY_ANY) {
    const member = f.flags & F.VMS_MULTIPLY_ELEMENTS ? `${f.num_member!}×${f.num ?? 1}` : f.num_member!;
    return { member };
  }
  return { fixed: 1 };
}

function fieldNode(vmsd: VMStateDescription, f: VMStateField, seen: Map<VMStateDescription, VmsdNode>): FieldNode {
  const base = {
    name: f.name,
    label: describedName(vmsd, f),
    version_id: f.version_id,
    test: f.field_exists ? fnPredicate(f.field_exists, f.field_exists) : null,
    count: count(f),
    structVersion: null,
    nested: null,
    inline: [],
  };
  if (f.flags & F.VMS_VSTRUCT) {
    return { ...base, kind: 'vstruct', type: 'vstruct', size: null, nested: vmsdNode(f.vmsd!, seen), structVersion: f.struct_version_id ?? 0 };
  }
  if (f.flags & F.VMS_STRUCT) return { ...base, kind: 'struct', type: 'struct', size: null, nested: vmsdNode(f.vmsd!, seen) };
  const type = f.info?.name ?? 'unknown';
  if (type === 'unused_buffer') return { ...base, kind: 'unused', type, size: f.size ?? 0 };
  if (type === 'buffer' || type === 'bitmap') {
    return { ...base, kind: 'data', type, size: f.flags & F.VMS_VBUFFER ? 'var' : (f.size ?? 0) };
  }
  const primitive = PRIMITIVE_SIZES[type];
  if (primitive !== undefined) return { ...base, kind: 'data', type, size: primitive };
  return { ...base, kind: 'custom', type, size: null, inline: (f.info?.nested ?? []).map((n) => vmsdNode(n, seen)) };
}

/** A model's VMSD as a schema node; VMSTATE_VALIDATE entries are dropped (no bytes, and dumps omit them too). */
export function vmsdNode(vmsd: VMStateDescription, seen = new Map<VMStateDescription, VmsdNode>()): VmsdNode {
  const known = seen.get(vmsd);
  if (known) return known;
  const node: VmsdNode = { name: vmsd.name, version_id: vmsd.version_id, minimum_version_id: vmsd.minimum_version_id ?? 0, fields: [], subsections: [] };
  seen.set(vmsd, node);
  for (const f of vmsd.fields) {
    if (f.flags & F.VMS_MUST_EXIST && !f.vmsd && !f.info) continue;
    node.fields.push(fieldNode(vmsd, f, seen));
  }
  for (const sub of vmsd.subsections ?? []) {
    const needed = sub.needed;
    node.subsections.push({ vmsd: vmsdNode(sub, seen), needed: needed ? fnPredicate(needed, (s, _v, ctx) => needed(s, ctx)) : null });
  }
  return node;
}

/** A release model at one machine type: every device with its properties resolved by that machine's compat list. */
export function schemaFromRelease(release: Release, machineName: string): Schema {
  const machine = release.machines.find((m) => m.name === machineName);
  if (!machine) throw new Error(`release ${release.name} has no machine type ${machineName}`);
  // the devices the machine type has (all of the release's when it does not say), numbered as the engine numbers them
  const names = machine.devices ?? release.devices.map((d) => d.name);
  const seen = new Map<string, number>();
  const devices = names.flatMap((name) => {
    const cls = release.devices.find((d) => d.name === name);
    if (!cls) return [];
    const n = seen.get(cls.idstr) ?? 0;
    seen.set(cls.idstr, n + 1);
    const instance = cls.instanceId + n;
    return [
      {
        key: instance === 0 ? cls.idstr : `${cls.idstr}#${instance}`,
        type: cls.type,
        name: cls.name,
        idstr: cls.idstr,
        props: resolveProps(cls, machine.compat),
        vmsd: vmsdNode(cls.vmsd),
      },
    ];
  });
  return { kind: 'release', label: release.name, machine: machine.name, counts: true, devices };
}
