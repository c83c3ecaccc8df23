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

/**
 * A queue, list or tree (and a tmp struct) saves its nested VMSD into its
 * field's one open JSON object, once per element: QEMU's text repeats
 * `vmsd_name`, `version`, `fields` (and `subsections` when that element has
 * any) per element, in save order (put_qtailq, put_qlist, put_gtree: key
 * then value per node). The description object holds the parsed form (for
 * each key its last occurrence, as JSON.parse and analyze-migration.py
 * keep it); the per-element sequence rides along under this symbol, not
 * enumerable, for the writer (vmdescText) to emit the repeated keys.
 */
export const REPEATED = Symbol('vmdesc: one nested description per saved element');

export type Repeats = VmsdDesc[];

export function repeatsOf(d: object): Repeats | undefined {
  return (d as { [REPEATED]?: Repeats })[REPEATED];
}

/** Appends one saved element's own keys to `d`'s sequence. */
export function addRepeat(d: object, r: VmsdDesc): void {
  const list = repeatsOf(d);
  if (list) list.push(r);
  else Object.defineProperty(d, REPEATED, { value: [r], enumerable: false, writable: false });
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
