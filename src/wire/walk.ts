import {
  QEMU_VM_COMMAND,
  QEMU_VM_CONFIGURATION,
  QEMU_VM_EOF,
  QEMU_VM_SECTION_END,
  QEMU_VM_SECTION_FULL,
  QEMU_VM_SECTION_PART,
  QEMU_VM_SECTION_START,
  QEMU_VM_SUBSECTION,
  QEMU_VM_VMDESCRIPTION,
} from './constants.js';
import { EINVAL, EIO, VmError, hex, result, type Result, printable } from './errors.js';
import { checkFooter, openStream, readCommand, readConfiguration, readPartHeader, readRecordType, readSectionHeader, unknownSectionType, UUID_LEN, uuidString } from './framing.js';
import { newRamContext, readRamPayload, type RamBlock, type RamPayload } from './ram.js';
import { Reader, latin1 } from './reader.js';
import { deviceKey, subsectionHeaderBytes, type Vmdesc, type VmdescDevice, type VmdescVmsd } from './vmdesc.js';
import type { CheckedVmdesc } from './vmdesc-check.js';

/**
 * Walks the framing of a real QEMU migration stream, magic to VM description, without
 * decoding device contents: RAM entries are parsed (there is no other way to find the
 * end of an iterable record), FULL payloads are skipped using the lengths the trailing
 * JSON description implies, and every footer is checked against its header.
 */

export type RecordType = 'CONFIGURATION' | 'START' | 'PART' | 'END' | 'FULL' | 'COMMAND' | 'EOF' | 'VMDESCRIPTION';

export interface StreamRecord {
  type: RecordType;
  /** Offset of the record's type byte. */
  offset: number;
  /** START/PART/END/FULL only. */
  sectionId: number | null;
  /** START/FULL only (PART/END get the idstr of their START for convenience). */
  idstr?: string;
  instanceId?: number;
  versionId?: number;
  payloadOffset: number;
  payloadLength: number;
  /** Offset of the 0x7E byte; null for records without a footer. */
  footerOffset: number | null;
  /** COMMAND only: the command number (11 = switchover-start in 10.x). */
  command?: number;
  /** START/PART/END of `ram`. */
  ram?: RamPayload;
}

export interface ConfigurationInfo {
  machine: string;
  /** Present only when the configuration/target-page-bits subsection was sent. */
  targetPageBits?: number;
  capabilities: string[];
  /** The source's UUID, present only when it sent configuration/uuid (validate-uuid with -uuid set). */
  uuid?: string;
}

export interface WalkedStream {
  version: number;
  machine: string | null;
  configuration: ConfigurationInfo | null;
  records: StreamRecord[];
  vmdesc: Vmdesc | null;
  ramBlocks: RamBlock[];
}

export interface WalkOptions {
  /**
   * Description to size FULL records with when the stream has none of its own (e.g. it
   * was truncated): normally taken from the stream's tail.
   */
  vmdesc?: Vmdesc;
  /** The destination's send-configuration (on for every machine type ≥ 2.4). */
  expectConfiguration?: boolean;
}

/** Like walkStream, but failures are values. */
export function walk(buf: Uint8Array, opts: WalkOptions = {}): Result<WalkedStream> {
  return result(() => walkStream(buf, opts));
}

/** Throws VmError naming what was expected, what was found and where. */
export function walkStream(buf: Uint8Array, opts: WalkOptions = {}): WalkedStream {
  const { located, desc: vmdesc, devices, checked, r, version } = openStream(buf, opts.vmdesc);
  const records: StreamRecord[] = [];

  let configuration: ConfigurationInfo | null = null;
  if (opts.expectConfiguration ?? true) {
    const at = r.offset;
    const b = r.peekByte();
    if (b !== QEMU_VM_CONFIGURATION) {
      throw new VmError({
        kind: 'config-missing',
        message: `Configuration section missing: expected 0x07 at ${hex(at)}, found ${b === null ? 'end of stream' : hex(b, 2)}`,
        offset: at,
        errno: EINVAL,
      });
    }
    r.u8();
    configuration = readConfigurationInfo(r);
    records.push({
      type: 'CONFIGURATION',
      offset: at,
      sectionId: null,
      payloadOffset: at + 1,
      payloadLength: r.offset - at - 1,
      footerOffset: null,
    });
  }

  const iterables = new Map<number, string>(); // START section id -> idstr
  const ram = newRamContext(vmdesc?.page_size ?? 4096);
  let ramBlocks: RamBlock[] = [];

  for (;;) {
    const { offset: at, type } = readRecordType(r);
    if (type === QEMU_VM_EOF) {
      records.push({ type: 'EOF', offset: at, sectionId: null, payloadOffset: at + 1, payloadLength: 0, footerOffset: null });
      break;
    }
    if (type === QEMU_VM_COMMAND) {
      const { command, payloadOffset, payloadLength } = readCommand(r);
      records.push({ type: 'COMMAND', offset: at, sectionId: null, payloadOffset, payloadLength, footerOffset: null, command });
      continue;
    }
    if (type === QEMU_VM_SECTION_START || type === QEMU_VM_SECTION_FULL) {
      const { sectionId, idstr, instanceId, versionId } = readSectionHeader(r, type, at, iterables, 'walked');
      const payloadOffset = r.offset;
      const rec: StreamRecord = {
        type: type === QEMU_VM_SECTION_START ? 'START' : 'FULL',
        offset: at,
        sectionId,
        idstr,
        instanceId,
        versionId,
        payloadOffset,
        payloadLength: 0,
        footerOffset: null,
      };
      if (type === QEMU_VM_SECTION_START) {
        rec.ram = readRamPayload(r, ram);
        if (rec.ram.blocks) ramBlocks = rec.ram.blocks;
      } else {
        skipDevicePayload(r, rec, checked, devices);
      }
      rec.payloadLength = r.offset - payloadOffset;
      rec.footerOffset = checkFooter(r, sectionId, idstr);
      records.push(rec);
      continue;
    }
    if (type === QEMU_VM_SECTION_PART || type === QEMU_VM_SECTION_END) {
      const { sectionId, idstr } = readPartHeader(r, type, at, iterables);
      const payloadOffset = r.offset;
      const ramPayload = readRamPayload(r, ram);
      const payloadLength = r.offset - payloadOffset;
      const footerOffset = checkFooter(r, sectionId, idstr);
      records.push({
        type: type === QEMU_VM_SECTION_PART ? 'PART' : 'END',
        offset: at,
        sectionId,
        idstr,
        payloadOffset,
        payloadLength,
        footerOffset,
        ram: ramPayload,
      });
      continue;
    }
    throw unknownSectionType(type, at);
  }

  // After EOF: nothing (vmdesc suppressed), or exactly the description we located.
  if (!r.atEnd()) {
    const at = r.offset;
    const b = r.peekByte()!;
    if (b !== QEMU_VM_VMDESCRIPTION) {
      throw new VmError({
        kind: 'vmdesc-missing',
        message: `Expected vmdescription section, but got ${b}: expected 0x06 at ${hex(at)} after the EOF marker, found ${hex(b, 2)}`,
        offset: at,
      });
    }
    if (!located || located.offset !== at) {
      throw new VmError({
        kind: 'trailing-data',
        message: `VM description at ${hex(at)} does not end exactly at the end of the stream (${hex(buf.length)}): its be32 length or the bytes after it are wrong`,
        offset: at,
      });
    }
    records.push({
      type: 'VMDESCRIPTION',
      offset: at,
      sectionId: null,
      payloadOffset: located.jsonOffset,
      payloadLength: located.jsonLength,
      footerOffset: null,
    });
  }

  return { version, machine: configuration?.machine ?? null, configuration, records, vmdesc: located?.desc ?? null, ramBlocks };
}

/** The configuration vmsd (spec §2.2): be32 len, name, then its subsections. */
function readConfigurationInfo(r: Reader): ConfigurationInfo {
  const capabilities: string[] = [];
  let targetPageBits: number | undefined;
  let uuid: string | undefined;
  const machine = readConfiguration(r, (name) => {
    if (name === 'configuration/target-page-bits') {
      targetPageBits = r.u32('target page bits');
    } else if (name === 'configuration/uuid') {
      uuid = uuidString(r.bytes(UUID_LEN, 'configuration/uuid uuid.data'));
    } else {
      const n = r.u32('capability count');
      for (let i = 0; i < n; i++) capabilities.push(r.countedString(`capability ${i}`));
    }
  });
  return { machine, ...(targetPageBits !== undefined ? { targetPageBits } : {}), capabilities, ...(uuid !== undefined ? { uuid } : {}) };
}

/**
 * Skips a FULL record's payload using the length the VM description implies, checking
 * the top-level subsection headers on the way so a wrong length is caught where it
 * starts rather than at the footer.
 */
function skipDevicePayload(r: Reader, rec: StreamRecord, checked: CheckedVmdesc | null, devices: Map<string, VmdescDevice>): void {
  const vmdesc = checked?.desc;
  const where = `FULL record '${printable(rec.idstr ?? '')}' instance ${rec.instanceId} at ${hex(rec.offset)}`;
  if (!vmdesc) {
    throw new VmError({
      kind: 'vmdesc-missing',
      message: `cannot size ${where}: the stream has no VM description (expected 0x06 + be32 length + JSON ending exactly at the end of the stream)`,
      offset: rec.offset,
    });
  }
  const dev = devices.get(deviceKey(rec.idstr!, rec.instanceId!));
  if (!dev) {
    throw new VmError({
      kind: 'unknown-section',
      message: `${where} is not in the VM description's devices list (expected one of ${vmdesc.devices.length} described devices)`,
      offset: rec.offset,
    });
  }
  const total = checked!.bytes.get(dev)!;
  if (r.remaining < total) {
    throw new VmError({
      kind: 'short-read',
      message: `short read: expected ${total} payload bytes for ${where} from ${hex(r.offset)}, found ${r.remaining} before the end of the stream`,
      offset: r.offset,
      errno: EIO,
      path: rec.idstr,
    });
  }
  skipVmsd(r, dev, rec.idstr!, checked!);
}

/** Recursion is as deep as the description's subsections, which the check bounds. */
function skipVmsd(r: Reader, v: VmdescVmsd, path: string, checked: CheckedVmdesc): void {
  r.skip(checked.fieldBytes.get(v)!, `fields of ${v.vmsd_name ?? path}`);
  for (const s of v.subsections ?? []) {
    const at = r.offset;
    const nameBytes = subsectionHeaderBytes(s.vmsd_name) - 6;
    const head = r.peek(2 + nameBytes);
    const found = head[0] === QEMU_VM_SUBSECTION && head[1] === nameBytes ? latin1(head.subarray(2)) : null;
    if (found !== s.vmsd_name) {
      throw new VmError({
        kind: 'unknown-subsection',
        message: `in '${path}': expected subsection '${printable(s.vmsd_name)}' (0x05, length ${nameBytes}, name) at ${hex(at)} as the VM description says, found bytes ${hexBytes(head)}`,
        offset: at,
        path: `${path}/${s.vmsd_name}`,
      });
    }
    r.skip(2 + nameBytes);
    const version = r.u32(`version of subsection '${printable(s.vmsd_name)}'`);
    if (version !== s.version) {
      throw new VmError({
        kind: 'unknown-subsection',
        message: `in '${path}': subsection '${printable(s.vmsd_name)}' at ${hex(at)}: expected version ${s.version} (VM description), found ${version}`,
        offset: at + 2 + nameBytes,
        path: `${path}/${s.vmsd_name}`,
      });
    }
    skipVmsd(r, s, path, checked);
  }
}

function hexBytes(b: Uint8Array): string {
  if (b.length === 0) return '(end of stream)';
  return [...b.subarray(0, 24)].map((x) => x.toString(16).padStart(2, '0')).join(' ') + (b.length > 24 ? ' …' : '');
}
