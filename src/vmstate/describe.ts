import * as F from './flags.js';
import type { VMStateDescription, VMStateField } from './types.js';

/**
 * The JSON VM description QEMU writes while saving (spec §2.6). It is
 * advisory (QEMU never reads it) but tools such as analyze-migration.py
 * and our real-stream decoder do. What changed over releases is a setting
 * of the release (machine/types.ts): whether the configuration section is
 * described (vmdescConfiguration, 8.2+), how arrays are split
 * (vmdescArrays) and how a null pointer is described (vmdescNullptr).
 * save.ts writes it; a codec that saves a nested VMSD with QEMU's vmdesc
 * (tmp, queues, trees) describes it inside its field's entry.
 */
export interface VmsdDesc {
  vmsd_name: string;
  version: number;
  fields: FieldDesc[];
  subsections?: VmsdDesc[];
}

export interface FieldDesc {
  name: string;
  array_len?: number;
  index?: number;
  type: string;
  struct?: VmsdDesc;
  vmsd_name?: string;
  version?: number;
  fields?: FieldDesc[];
  subsections?: VmsdDesc[];
  size: number;
}

/** `name`, or `name[k]` when the VMSD defines that name more than once. */
export function describedName(vmsd: VMStateDescription, f: VMStateField): string {
  let total = 0;
  let ordinal = 0;
  for (const g of vmsd.fields) {
    if (g.name !== f.name) continue;
    if (g === f) ordinal = total;
    total++;
  }
  return total > 1 ? `${f.name}[${ordinal}]` : f.name;
}

/** QEMU describes an array once with `array_len` unless its elements may differ in shape. */
export function canCompress(f: VMStateField): boolean {
  if (f.field_exists) return false;
  if (f.flags & F.VMS_STRUCT) {
    const nested = f.vmsd!;
    if (nested.subsections && nested.subsections.length > 0) return false;
    return nested.fields.every(canCompress);
  }
  return true;
}

export function typeName(f: VMStateField): string {
  if (f.flags & F.VMS_STRUCT) return 'struct';
  if (f.flags & F.VMS_VSTRUCT) return 'vstruct';
  return f.info?.name ?? 'unknown';
}
