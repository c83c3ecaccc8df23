import { QEMU_VM_VMDESCRIPTION } from './constants.js';
import { VmError, hex, printable } from './errors.js';
import { checkVmdesc, type CheckedVmdesc } from './vmdesc-check.js';

/**
 * The JSON "VM description" QEMU appends after the EOF byte (spec §2.6). QEMU never
 * reads it back; we use it to learn how long each FULL record's payload is, because
 * the stream itself has no length framing inside a section.
 */
export interface VmdescVmsd {
  vmsd_name: string;
  version: number;
  fields?: VmdescField[];
  subsections?: VmdescVmsd[];
}

export interface VmdescField {
  name: string;
  type: string;
  /** Bytes written for one element (nested structs include their subsections). */
  size: number;
  /** Compressed array: only element 0 is described and stands for all. */
  array_len?: number;
  /** One object per element; 10.0 omits it on the last element, 7.2 writes it on all. */
  index?: number;
  /** VMS_STRUCT only. */
  struct?: VmdescVmsd;
  /** VSTRUCT / tmp fields carry the nested vmsd keys inline. */
  vmsd_name?: string;
  version?: number;
  fields?: VmdescField[];
  subsections?: VmdescVmsd[];
}

export interface VmdescDevice extends VmdescVmsd {
  /** The section idstr. */
  name: string;
  instance_id: number;
  /** Old-style (non-vmsd) handlers only. */
  size?: number;
}

export interface Vmdesc {
  /** 8.2+ only. */
  configuration?: VmdescVmsd;
  page_size: number;
  devices: VmdescDevice[];
}

export interface LocatedVmdesc {
  /** Offset of the 0x06 byte. */
  offset: number;
  /** Offset and length of the JSON text. */
  jsonOffset: number;
  jsonLength: number;
  desc: Vmdesc;
  /** Its sizes, measured while it was checked. */
  checked: CheckedVmdesc;
}

/**
 * Finds `0x06, be32 N, N bytes of JSON` that ends exactly at the end of `buf`. JSON
 * text never contains a raw 0x06, so scanning back for that byte is unambiguous.
 * Returns null when there is none (suppressed, truncated or followed by garbage).
 * Throws VmError 'vmdesc-missing' when the framing is there but the JSON is broken, and
 * 'bad-vmdesc' when the JSON is not a description QEMU could have written (see
 * vmdesc-check.ts): nothing in it is used before it has been checked.
 */
export function findVmdesc(buf: Uint8Array): LocatedVmdesc | null {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let p = buf.length - 6; p >= 0; p--) {
    if (buf[p] !== QEMU_VM_VMDESCRIPTION) continue;
    const len = view.getUint32(p + 1);
    if (p + 5 + len !== buf.length || buf[p + 5] !== 0x7b /* '{' */) continue;
    const text = new TextDecoder().decode(buf.subarray(p + 5));
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new VmError({
        kind: 'vmdesc-missing',
        message: `VM description at ${hex(p)} (${len} bytes) is not valid JSON: ${printable((e as Error).message, 200)}`,
        offset: p + 5,
      });
    }
    const checked = checkVmdesc(raw, p, p + 5);
    return { offset: p, jsonOffset: p + 5, jsonLength: len, desc: checked.desc, checked };
  }
  return null;
}

/** Wire bytes of one field entry: per-element size, times array_len when compressed. */
export function fieldBytes(f: VmdescField): number {
  return f.size * (f.array_len ?? 1);
}

/** Wire bytes of a subsection header: 0x05, u8 name length, name, be32 version. */
export function subsectionHeaderBytes(name: string): number {
  return 1 + 1 + new TextEncoder().encode(name).length + 4;
}

/**
 * Wire bytes of a vmsd's content: its fields, then each subsection with its header.
 * For a checked description, CheckedVmdesc.bytes has it without the walk.
 */
export function vmsdBytes(v: VmdescVmsd): number {
  let n = 0;
  for (const f of v.fields ?? []) n += fieldBytes(f);
  for (const s of v.subsections ?? []) n += subsectionHeaderBytes(s.vmsd_name) + vmsdBytes(s);
  return n;
}

/** Payload length of a device's FULL record (between header and footer). */
export function deviceBytes(d: VmdescDevice): number {
  return vmsdBytes(d);
}

export function deviceKey(name: string, instanceId: number): string {
  return `${name}\u0000${instanceId}`;
}
