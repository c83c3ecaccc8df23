import * as C from './constants.js';
import { EINVAL, EIO, VmError, hex, result, type Result, printable } from './errors.js';
import { openStream, readCommand, readConfiguration, readOptionalFooter, readPartHeader, readRecordType, readSectionHeader, unknownSectionType, UUID_LEN } from './framing.js';
import {
  RAM_SAVE_FLAG_CONTINUE,
  RAM_SAVE_FLAG_EOS,
  RAM_SAVE_FLAG_MEM_SIZE,
  RAM_SAVE_FLAG_MULTIFD_FLUSH,
  RAM_SAVE_FLAG_PAGE,
  RAM_SAVE_FLAG_ZERO,
} from './ram.js';
import { Reader, latin1 } from './reader.js';
import { INLINE_VMSD_TYPES, INT_TYPES, type FieldPart, type FieldState, type SubsectionState, type Value, type VmsdState } from './tree.js';
import { deviceKey, type Vmdesc, type VmdescField, type VmdescVmsd } from './vmdesc.js';
import { STEPS_PER_BYTE, STEP_SLACK, checkPageSize } from './vmdesc-check.js';

/**
 * Full decoding of a real QEMU migration stream (spec §2, Appendix C): every record
 * with everything needed to write it back byte for byte (see encode.ts). Device
 * sections are decoded into a state tree with the trailing JSON description's field
 * list; RAM pages are kept as views into the input buffer, not copies.
 */

export type RamEntry =
  | { kind: 'mem-size'; flags: number; total: number; blocks: { name: string; length: number }[] }
  | { kind: 'zero'; flags: number; addr: number; block: string; fill: number }
  | { kind: 'page'; flags: number; addr: number; block: string; data: Uint8Array }
  | { kind: 'multifd-flush'; flags: number; addr: number }
  | { kind: 'eos'; flags: number; addr: number };

interface RecordBase {
  /** Offset of the record's type byte. */
  offset: number;
}

export interface ConfigurationRecord extends RecordBase {
  type: 'CONFIGURATION';
  machine: string;
  state: VmsdState;
  /** False when the description had no `configuration` entry (7.2) and the layout was inferred. */
  described: boolean;
}

export interface RamRecord extends RecordBase {
  type: 'START' | 'PART' | 'END';
  sectionId: number;
  idstr: string;
  /** START only. */
  instanceId?: number;
  versionId?: number;
  entries: RamEntry[];
  /** Whether a section footer followed (send-section-footer, on for machine types ≥ 2.4). */
  footer: boolean;
}

export interface DeviceRecord extends RecordBase {
  type: 'FULL';
  sectionId: number;
  idstr: string;
  instanceId: number;
  versionId: number;
  state: VmsdState;
  footer: boolean;
  /** Payload bytes (between header and footer). */
  payloadOffset: number;
  payloadLength: number;
  /** The payload as QEMU wrote it (a view into the input; encode ignores it). */
  raw?: Uint8Array;
}

export interface CommandRecord extends RecordBase {
  type: 'COMMAND';
  command: number;
  payload: Uint8Array;
}

export interface EofRecord extends RecordBase {
  type: 'EOF';
}

export type DecodedRecord = ConfigurationRecord | RamRecord | DeviceRecord | CommandRecord | EofRecord;

export interface DecodedStream {
  version: number;
  records: DecodedRecord[];
  /** The description exactly as QEMU wrote it (re-encoded verbatim), and parsed. */
  vmdesc: { offset: number; json: Uint8Array; desc: Vmdesc } | null;
  /** Bytes after EOF that are not a description QEMU would skip (QEMU ignores them too). */
  trailing: Uint8Array | null;
  /** Input length. */
  length: number;
}

export interface DecodeOptions {
  /** Description to decode device sections with when the stream carries none of its own. */
  vmdesc?: Vmdesc;
  /** Decode with `vmdesc` even where the stream has its own (which is still kept, for re-encoding). */
  replace?: boolean;
}

/** Like decodeStream, but failures are values. */
export function decode(buf: Uint8Array, opts: DecodeOptions = {}): Result<DecodedStream> {
  return result(() => decodeStream(buf, opts));
}

/** Throws VmError naming what was expected, what was found and where. */
export function decodeStream(buf: Uint8Array, opts: DecodeOptions = {}): DecodedStream {
  const { located, desc, devices, r, version } = openStream(buf, opts.vmdesc, opts.replace);
  const records: DecodedRecord[] = [];
  const ram = new RamDecoder(buf, desc?.page_size ?? 4096);
  // Every element decoded costs a step; a stream gets steps in proportion to its bytes,
  // so no description (elements of size 0, one device's sections repeated) can make the
  // decoder spin without consuming input.
  const steps: Steps = { left: STEPS_PER_BYTE * buf.length + STEP_SLACK };
  const iterables = new Map<number, string>();

  if (r.peekByte() === C.QEMU_VM_CONFIGURATION) {
    const offset = r.offset;
    r.u8();
    const cdesc = desc?.configuration ?? inferConfiguration(r);
    const state = decodeVmsd(r, cdesc, 'configuration', steps);
    const nameField = state.fields.find((f) => f.name === 'name')?.values[0];
    const machine = nameField instanceof Uint8Array ? latin1(nameField) : '';
    records.push({ type: 'CONFIGURATION', offset, machine, state, described: desc?.configuration !== undefined });
  }

  for (;;) {
    const { offset, type } = readRecordType(r);
    if (type === C.QEMU_VM_EOF) {
      records.push({ type: 'EOF', offset });
      break;
    }
    if (type === C.QEMU_VM_COMMAND) {
      const { command, payloadOffset, payloadLength } = readCommand(r);
      records.push({ type: 'COMMAND', offset, command, payload: buf.slice(payloadOffset, payloadOffset + payloadLength) });
      continue;
    }
    if (type === C.QEMU_VM_SECTION_START || type === C.QEMU_VM_SECTION_FULL) {
      const { sectionId, idstr, instanceId, versionId } = readSectionHeader(r, type, offset, iterables, 'decoded');
      if (type === C.QEMU_VM_SECTION_START) {
        const entries = ram.read(r);
        const footer = readOptionalFooter(r, sectionId, idstr);
        records.push({ type: 'START', offset, sectionId, idstr, instanceId, versionId, entries, footer });
        continue;
      }
      const where = `FULL record '${printable(idstr)}' instance ${instanceId} at ${hex(offset)}`;
      if (!desc) {
        throw new VmError({
          kind: 'vmdesc-missing',
          message: `cannot decode ${where}: the stream has no VM description (expected 0x06 + be32 length + JSON ending exactly at the end of the stream)`,
          offset,
        });
      }
      const dev = devices.get(deviceKey(idstr, instanceId));
      if (!dev) {
        throw new VmError({
          kind: 'unknown-section',
          message: `${where} is not in the VM description's devices list (${desc.devices.length} devices described)`,
          offset,
        });
      }
      const payloadOffset = r.offset;
      const state = decodeVmsd(r, dev, idstr, steps);
      const payloadLength = r.offset - payloadOffset;
      const footer = readOptionalFooter(r, sectionId, idstr);
      const raw = buf.subarray(payloadOffset, payloadOffset + payloadLength);
      records.push({ type: 'FULL', offset, sectionId, idstr, instanceId, versionId, state, footer, payloadOffset, payloadLength, raw });
      continue;
    }
    if (type === C.QEMU_VM_SECTION_PART || type === C.QEMU_VM_SECTION_END) {
      const { sectionId, idstr } = readPartHeader(r, type, offset, iterables);
      const entries = ram.read(r);
      const footer = readOptionalFooter(r, sectionId, idstr);
      records.push({ type: type === C.QEMU_VM_SECTION_PART ? 'PART' : 'END', offset, sectionId, idstr, entries, footer });
      continue;
    }
    throw unknownSectionType(type, offset);
  }

  let vmdesc: DecodedStream['vmdesc'] = null;
  let trailing: Uint8Array | null = null;
  if (located && located.offset === r.offset) {
    vmdesc = { offset: located.offset, json: buf.slice(located.jsonOffset, located.jsonOffset + located.jsonLength), desc: located.desc };
  } else if (!r.atEnd()) {
    trailing = buf.slice(r.offset);
  }
  return { version, records, vmdesc, trailing, length: buf.length };
}

/* ---------- RAM (Appendix C) ---------- */

class RamDecoder {
  private readonly view: DataView;
  private readonly mask: number;
  private lastBlock: string | null = null;
  private readonly blocks = new Map<string, number>();

  constructor(
    private readonly buf: Uint8Array,
    private readonly pageSize: number,
  ) {
    checkPageSize(pageSize);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.mask = pageSize - 1;
  }

  private fail(message: string, offset: number, kind: 'bad-input' | 'short-read' = 'bad-input'): VmError {
    return new VmError({ kind, message, offset, errno: kind === 'short-read' ? EIO : EINVAL, path: 'ram' });
  }

  /** Entries up to and including EOS; `r` is left after EOS. */
  read(r: Reader): RamEntry[] {
    const out: RamEntry[] = [];
    const end = r.end;
    for (;;) {
      const at = r.offset;
      if (at + 8 > end) throw this.fail(`short read: expected an 8-byte RAM entry header at ${hex(at)}, found ${end - at} byte(s) before the end of the stream`, at, 'short-read');
      const hi = this.view.getUint32(at);
      const lo = this.view.getUint32(at + 4);
      r.offset = at + 8;
      if (hi > 0x1fffff) throw this.fail(`RAM entry at ${hex(at)}: header ${hex(hi, 8)}${lo.toString(16).padStart(8, '0')} is beyond 2^53 (desynchronised?)`, at);
      const flags = lo & this.mask;
      const addr = hi * 0x1_0000_0000 + (lo - flags);
      switch (flags & ~RAM_SAVE_FLAG_CONTINUE) {
        case RAM_SAVE_FLAG_MEM_SIZE: {
          const blocks: { name: string; length: number }[] = [];
          let sum = 0;
          while (sum < addr) {
            const name = r.countedString('RAM block name in MEM_SIZE list');
            const length = Number(r.u64(`used length of RAM block '${printable(name)}'`));
            blocks.push({ name, length });
            this.blocks.set(name, length);
            sum += length;
          }
          if (sum !== addr) throw this.fail(`MEM_SIZE at ${hex(at)}: expected block lengths adding up to ${hex(addr)}, found ${hex(sum)}`, at);
          out.push({ kind: 'mem-size', flags, total: addr, blocks });
          break;
        }
        case RAM_SAVE_FLAG_ZERO: {
          const block = this.block(r, flags, at, addr);
          out.push({ kind: 'zero', flags, addr, block, fill: r.u8('zero-page fill byte') });
          break;
        }
        case RAM_SAVE_FLAG_PAGE: {
          const block = this.block(r, flags, at, addr);
          const from = r.offset;
          if (from + this.pageSize > end) {
            throw this.fail(`short read: expected a ${this.pageSize}-byte RAM page at ${hex(from)}, found ${end - from} byte(s) before the end of the stream`, from, 'short-read');
          }
          r.offset = from + this.pageSize;
          out.push({ kind: 'page', flags, addr, block, data: this.buf.subarray(from, from + this.pageSize) });
          break;
        }
        case RAM_SAVE_FLAG_MULTIFD_FLUSH:
          out.push({ kind: 'multifd-flush', flags, addr });
          break;
        case RAM_SAVE_FLAG_EOS:
          out.push({ kind: 'eos', flags, addr });
          return out;
        default:
          throw this.fail(
            `Unknown combination of migration flags: ${hex(flags)} in RAM entry at ${hex(at)} ` +
              `(expected one of ZERO 0x2, MEM_SIZE 0x4, PAGE 0x8, EOS 0x10, MULTIFD_FLUSH 0x200, optionally with CONTINUE 0x20)`,
            at,
          );
      }
    }
  }

  private block(r: Reader, flags: number, at: number, addr: number): string {
    let name: string;
    if (flags & RAM_SAVE_FLAG_CONTINUE) {
      if (this.lastBlock === null) throw this.fail(`RAM entry at ${hex(at)} has CONTINUE but no block was named before it`, at);
      name = this.lastBlock;
    } else {
      const nameAt = r.offset;
      name = r.countedString('RAM block name');
      if (this.blocks.size && !this.blocks.has(name)) {
        throw this.fail(`expected a RAM block name from the MEM_SIZE list at ${hex(nameAt)}, found '${printable(name)}'`, nameAt);
      }
      this.lastBlock = name;
    }
    const len = this.blocks.get(name);
    if (len !== undefined && addr >= len) throw this.fail(`RAM page at ${hex(at)}: address ${hex(addr)} is outside block '${printable(name)}' (length ${hex(len)})`, at);
    return name;
  }
}

/* ---------- device sections, by the description ---------- */

function decodeError(message: string, offset: number, path: string, vmsd: string): VmError {
  return new VmError({ kind: 'bad-input', message, offset, path, vmsd });
}

/** What is left of a decode's element budget (see decodeStream). */
export interface Steps {
  left: number;
}

function spend(steps: Steps, n: number, r: Reader, path: string, vmsd: string): void {
  steps.left -= n;
  if (steps.left < 0) {
    throw new VmError({
      kind: 'bad-vmdesc',
      message: `${path}: the VM description names more elements than a stream of ${r.buf.length} bytes can hold (decoding stopped at ${hex(r.offset)})`,
      offset: r.offset,
      path,
      vmsd,
    });
  }
}

/**
 * Fields in order (grouped by name), then each described subsection with its header.
 * `d` must come from a checked description (vmdesc-check.ts): its nesting is bounded.
 */
export function decodeVmsd(r: Reader, d: VmdescVmsd, path: string, steps: Steps = { left: STEPS_PER_BYTE * r.buf.length + STEP_SLACK }): VmsdState {
  const fields: FieldState[] = [];
  const list = d.fields ?? [];
  for (let i = 0; i < list.length; ) {
    const name = list[i]!.name;
    const parts: FieldPart[] = [];
    while (i < list.length && list[i]!.name === name) {
      const f = list[i++]!;
      parts.push({ type: f.type, size: f.size, count: f.array_len ?? 1, desc: f });
    }
    const array = parts.length > 1 || parts[0]!.desc.array_len !== undefined || parts[0]!.desc.index !== undefined;
    const values: Value[] = [];
    let k = 0;
    for (const part of parts) {
      spend(steps, part.count, r, `${path}.${name}`, d.vmsd_name);
      for (let e = 0; e < part.count; e++, k++) {
        values.push(decodeElement(r, part, path, array ? k : -1, name, d.vmsd_name, steps));
      }
    }
    fields.push({ name, parts, array, values });
  }
  const subsections: SubsectionState[] = [];
  for (const s of d.subsections ?? []) {
    const at = r.offset;
    const sub = `${path}/${s.vmsd_name}`;
    if (r.peekByte() !== C.QEMU_VM_SUBSECTION) {
      const b = r.peekByte();
      throw decodeError(
        `${printable(sub)}: expected subsection header 0x05 at ${hex(at)} as the VM description says, found ${b === null ? 'end of stream' : hex(b, 2)}`,
        at,
        sub,
        d.vmsd_name,
      );
    }
    r.u8();
    const name = r.countedString('subsection name');
    const version = r.u32(`version of subsection '${printable(name)}'`);
    if (name !== s.vmsd_name || version !== s.version) {
      throw decodeError(
        `${printable(sub)}: expected subsection '${printable(s.vmsd_name)}' version ${s.version} at ${hex(at)} as the VM description says, found '${printable(name)}' version ${version}`,
        at,
        sub,
        d.vmsd_name,
      );
    }
    spend(steps, 1, r, sub, d.vmsd_name);
    subsections.push({ name, version, state: decodeVmsd(r, s, `${path}.${name}`, steps) });
  }
  return { vmsd_name: d.vmsd_name, version: d.version, fields, subsections };
}

/** `index` is -1 for a non-array field; the element's path is only spelled out when needed (hot loop). */
function decodeElement(r: Reader, part: FieldPart, prefix: string, index: number, name: string, vmsd: string, steps: Steps): Value {
  const { type, size, desc } = part;
  const int = INT_TYPES[type];
  if (int && int.bytes === size && r.remaining >= size) {
    switch (size) {
      case 1:
        return int.signed ? r.i8() : r.u8();
      case 2:
        return int.signed ? r.i16() : r.u16();
      case 4:
        return int.signed ? r.i32() : r.u32();
      default:
        return int.signed ? r.i64() : r.u64();
    }
  }
  const path = `${prefix}.${index < 0 ? name : `${name}[${index}]`}`;
  if (r.remaining < size) {
    throw new VmError({
      kind: 'short-read',
      message: `short read: expected ${size} byte(s) for ${path} (${type}) at ${hex(r.offset)}, found ${r.remaining} before the end of the stream`,
      offset: r.offset,
      errno: EIO,
      path,
      vmsd,
    });
  }
  // before 10.0 a null element of an array of struct pointers is described as `struct: {}` of size 1: its nullptr marker
  const nullStruct = type === 'struct' && size === 1 && desc.struct !== undefined && desc.struct.vmsd_name === undefined && !desc.struct.fields?.length && !desc.struct.subsections?.length;
  const nested = nullStruct ? undefined : type === 'struct' ? desc.struct : INLINE_VMSD_TYPES.has(type) && desc.fields ? inlineVmsd(desc) : undefined;
  if (nested) {
    const at = r.offset;
    const state = decodeVmsd(r, nested, path, steps);
    if (r.offset - at !== size) {
      throw decodeError(
        `${path}: the description says ${size} byte(s) for this ${type} element, decoding its fields took ${r.offset - at} (from ${hex(at)})`,
        at,
        path,
        vmsd,
      );
    }
    return state;
  }
  if (type === 'bool' && size === 1) {
    const b = r.peekByte()!;
    if (b <= 1) return r.u8() === 1;
  }
  if (type === 'capability' && size >= 1 && r.peekByte() === size - 1) return r.countedString('capability');
  // buffers, unused_buffer, nullptr markers and every custom codec the description only sizes
  if (size === 0) return EMPTY;
  return r.bytes(size, `${size}-byte ${type} ${path}`);
}

/** Every element of size 0 shares one value (nothing to change in it, nothing to copy). */
const EMPTY = new Uint8Array(0);

function inlineVmsd(f: VmdescField): VmdescVmsd {
  return { vmsd_name: f.vmsd_name ?? f.name, version: f.version ?? 0, fields: f.fields, subsections: f.subsections };
}

/**
 * 7.2 does not describe its configuration record: infer the layout from the bytes
 * (be32 len, name, then the two subsections QEMU knows, spec §2.2).
 */
function inferConfiguration(r0: Reader): VmdescVmsd {
  const subsections: VmdescVmsd[] = [];
  const r = new Reader(r0.buf, r0.offset, r0.end);
  const machine = readConfiguration(r, (name, version) => {
    if (name === 'configuration/target-page-bits') {
      r.skip(4, 'target page bits');
      subsections.push({ vmsd_name: name, version, fields: [{ name: 'target_page_bits', type: 'uint32', size: 4 }] });
    } else if (name === 'configuration/uuid') {
      r.skip(UUID_LEN, 'uuid');
      subsections.push({ vmsd_name: name, version, fields: [{ name: 'uuid.data', type: 'uint8', size: 1, array_len: UUID_LEN }] });
    } else {
      const n = r.u32('capability count');
      const fields: VmdescField[] = [{ name: 'caps_count', type: 'uint32', size: 4 }];
      for (let i = 0; i < n; i++) {
        const l = r.u8('capability length');
        r.skip(l, 'capability');
        fields.push({ name: 'capabilities', type: 'capability', size: 1 + l, ...(n > 1 ? { index: i } : {}) });
      }
      subsections.push({ vmsd_name: name, version, fields });
    }
  });
  const fields: VmdescField[] = [
    { name: 'len', type: 'uint32', size: 4 },
    { name: 'name', type: 'buffer', size: machine.length },
  ];
  return { vmsd_name: 'configuration', version: 1, fields, subsections };
}

/** The device records of a decoded stream, keyed `idstr (instance)`. */
export function deviceRecords(s: DecodedStream): Map<string, DeviceRecord> {
  const out = new Map<string, DeviceRecord>();
  for (const rec of s.records) if (rec.type === 'FULL') out.set(deviceLabel(rec.idstr, rec.instanceId), rec);
  return out;
}

export function deviceLabel(idstr: string, instanceId: number): string {
  return `${idstr} (${instanceId})`;
}
