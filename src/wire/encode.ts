import { ChunkWriter } from './chunks.js';
import * as C from './constants.js';
import { VmError } from './errors.js';
import { RAM_SAVE_FLAG_CONTINUE } from './ram.js';
import type { DecodedRecord, DecodedStream, RamEntry } from './decode.js';
import { INLINE_VMSD_TYPES, INT_TYPES, isVmsdState, type FieldPart, type Value, type VmsdState } from './tree.js';

/**
 * Writes a decoded stream back: decode → encode is byte-identical for every stream
 * decode accepts. Values changed in the tree are written with their description's
 * type and size; a value that does not fit its field is an error, never a silent
 * truncation (the description, and so the vmdesc JSON, stays valid).
 */
export function encodeStream(s: DecodedStream): Uint8Array {
  const w = new ChunkWriter();
  w.u32(C.QEMU_VM_FILE_MAGIC);
  w.u32(s.version);
  for (const rec of s.records) encodeRecord(w, rec);
  if (s.vmdesc) {
    w.u8(C.QEMU_VM_VMDESCRIPTION);
    w.u32(s.vmdesc.json.length);
    w.bytes(s.vmdesc.json);
  }
  if (s.trailing) w.bytes(s.trailing);
  return w.finish();
}

function encodeRecord(w: ChunkWriter, rec: DecodedRecord): void {
  switch (rec.type) {
    case 'CONFIGURATION':
      w.u8(C.QEMU_VM_CONFIGURATION);
      encodeVmsd(w, rec.state, 'configuration');
      return;
    case 'EOF':
      w.u8(C.QEMU_VM_EOF);
      return;
    case 'COMMAND':
      w.u8(C.QEMU_VM_COMMAND);
      w.u16(rec.command);
      w.u16(rec.payload.length);
      w.bytes(rec.payload);
      return;
    case 'START':
    case 'FULL':
      w.u8(rec.type === 'START' ? C.QEMU_VM_SECTION_START : C.QEMU_VM_SECTION_FULL);
      w.u32(rec.sectionId);
      w.countedString(rec.idstr);
      w.u32(rec.instanceId!);
      w.u32(rec.versionId!);
      if (rec.type === 'FULL') encodeVmsd(w, rec.state, rec.idstr);
      else encodeRam(w, rec.entries);
      break;
    case 'PART':
    case 'END':
      w.u8(rec.type === 'PART' ? C.QEMU_VM_SECTION_PART : C.QEMU_VM_SECTION_END);
      w.u32(rec.sectionId);
      encodeRam(w, rec.entries);
      break;
  }
  if (rec.footer) {
    w.u8(C.QEMU_VM_SECTION_FOOTER);
    w.u32(rec.sectionId);
  }
}

function encodeRam(w: ChunkWriter, entries: readonly RamEntry[]): void {
  for (const e of entries) {
    if (e.kind === 'mem-size') {
      w.u64n(e.total + e.flags);
      for (const b of e.blocks) {
        w.countedString(b.name);
        w.u64n(b.length);
      }
      continue;
    }
    w.u64n(e.addr + e.flags);
    if (e.kind === 'zero' || e.kind === 'page') {
      if (!(e.flags & RAM_SAVE_FLAG_CONTINUE)) w.countedString(e.block);
      if (e.kind === 'zero') w.u8(e.fill);
      else w.bytes(e.data);
    }
  }
}

/** A vmsd's fields, then its subsections with their headers (spec §4). */
export function encodeVmsd(w: ChunkWriter, s: VmsdState, path: string): void {
  for (const f of s.fields) {
    let i = 0;
    for (const part of f.parts) {
      for (let k = 0; k < part.count; k++, i++) {
        if (i >= f.values.length) throw bad(`${path}.${f.name}: the description has more elements than the tree (${f.values.length})`, path);
        encodeElement(w, part, f.values[i]!, path, f.array ? i : -1, f.name);
      }
    }
    if (i !== f.values.length) throw bad(`${path}.${f.name}: the tree has ${f.values.length} elements, the description ${i}`, path);
  }
  for (const sub of s.subsections) {
    w.u8(C.QEMU_VM_SUBSECTION);
    w.countedString(sub.name);
    w.u32(sub.version);
    encodeVmsd(w, sub.state, `${path}.${sub.name}`);
  }
}

function bad(message: string, path: string): VmError {
  return new VmError({ kind: 'bad-state', message, path });
}

/** `index` is -1 for a non-array field; the element's path is only spelled out for errors (hot loop). */
function encodeElement(w: ChunkWriter, part: FieldPart, v: Value, prefix: string, index: number, name: string): void {
  const { type, size } = part;
  if (typeof v === 'number' && size <= 4) {
    const int = INT_TYPES[type];
    if (int && int.bytes === size && Number.isInteger(v)) {
      const lo = int.signed ? -(2 ** (size * 8 - 1)) : 0;
      const hi = int.signed ? 2 ** (size * 8 - 1) - 1 : 2 ** (size * 8) - 1;
      if (v >= lo && v <= hi) {
        if (size === 1) w.u8(v);
        else if (size === 2) w.u16(v);
        else w.u32(v);
        return;
      }
    }
  }
  const path = `${prefix}.${index < 0 ? name : `${name}[${index}]`}`;
  const start = w.offset;
  if (isVmsdState(v)) {
    if (type !== 'struct' && !INLINE_VMSD_TYPES.has(type)) throw bad(`${path}: a nested state for a field of type ${type}`, path);
    encodeVmsd(w, v, path);
  } else if (v instanceof Uint8Array) {
    w.bytes(v);
  } else if (typeof v === 'boolean') {
    w.u8(v ? 1 : 0);
  } else if (typeof v === 'string') {
    w.countedString(v);
  } else {
    const int = INT_TYPES[type];
    if (!int || int.bytes !== size) throw bad(`${path}: an integer for a ${size}-byte field of type ${type}`, path);
    writeInt(w, int.bytes, int.signed, v, path);
  }
  if (w.offset - start !== size) {
    throw bad(`${path}: ${type} element is ${size} byte(s) in the description, the value encodes to ${w.offset - start}`, path);
  }
}

function writeInt(w: ChunkWriter, bytes: number, signed: boolean, v: number | bigint, path: string): void {
  const n = BigInt(v);
  const bits = BigInt(bytes * 8);
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (n < min || n > max) throw bad(`${path}: ${n} does not fit a ${signed ? 'signed' : 'unsigned'} ${bytes * 8}-bit field`, path);
  if (bytes === 1) w.u8(Number(n));
  else if (bytes === 2) w.u16(Number(n));
  else if (bytes === 4) w.u32(Number(BigInt.asUintN(32, n)));
  else w.u64(n);
}
