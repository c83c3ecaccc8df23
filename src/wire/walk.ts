import {
  QEMU_VM_COMMAND,
  QEMU_VM_CONFIGURATION,
  QEMU_VM_EOF,
  QEMU_VM_FILE_MAGIC,
  QEMU_VM_FILE_VERSION,
  QEMU_VM_FILE_VERSION_COMPAT,
  QEMU_VM_SECTION_END,
  QEMU_VM_SECTION_FOOTER,
  QEMU_VM_SECTION_FULL,
  QEMU_VM_SECTION_PART,
  QEMU_VM_SECTION_START,
  QEMU_VM_SUBSECTION,
  QEMU_VM_VMDESCRIPTION,
  SECTION_TYPE_NAMES,
} from './constants.js';
import { EINVAL, EIO, ENOTSUP, VmError, hex, type Result } from './errors.js';
import { newRamContext, readRamPayload, type RamBlock, type RamPayload } from './ram.js';
import { Reader, latin1 } from './reader.js';
import {
  deviceBytes,
  deviceKey,
  fieldBytes,
  findVmdesc,
  subsectionHeaderBytes,
  type Vmdesc,
  type VmdescDevice,
  type VmdescVmsd,
} from './vmdesc.js';

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
  try {
    return { ok: true, value: walkStream(buf, opts) };
  } catch (e) {
    if (e instanceof VmError) return { ok: false, error: e };
    throw e;
  }
}

/** Throws VmError naming what was expected, what was found and where. */
export function walkStream(buf: Uint8Array, opts: WalkOptions = {}): WalkedStream {
  const located = findVmdesc(buf);
  const vmdesc = located?.desc ?? opts.vmdesc ?? null;
  const r = new Reader(buf);
  const records: StreamRecord[] = [];

  const magic = r.u32('stream magic');
  if (magic !== QEMU_VM_FILE_MAGIC) {
    throw new VmError({
      kind: 'bad-magic',
      message: `Not a migration stream: expected magic ${hex(QEMU_VM_FILE_MAGIC, 8)} ("QEVM") at 0x0, found ${hex(magic, 8)}`,
      offset: 0,
      errno: EINVAL,
    });
  }
  const version = r.u32('stream version');
  if (version === QEMU_VM_FILE_VERSION_COMPAT) {
    throw new VmError({
      kind: 'obsolete-version',
      message: `SaveVM v2 format is obsolete and don't work anymore: expected version 0x3 at 0x4, found 0x2`,
      offset: 4,
      errno: ENOTSUP,
    });
  }
  if (version !== QEMU_VM_FILE_VERSION) {
    throw new VmError({
      kind: 'bad-stream-version',
      message: `Unsupported migration stream version: expected 0x3 at 0x4, found ${hex(version)}`,
      offset: 4,
      errno: ENOTSUP,
    });
  }

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
    configuration = readConfiguration(r);
    records.push({
      type: 'CONFIGURATION',
      offset: at,
      sectionId: null,
      payloadOffset: at + 1,
      payloadLength: r.offset - at - 1,
      footerOffset: null,
    });
  }

  const devices = new Map<string, VmdescDevice>();
  for (const d of vmdesc?.devices ?? []) devices.set(deviceKey(d.name, d.instance_id), d);
  const iterables = new Map<number, string>(); // START section id -> idstr
  const ram = newRamContext(vmdesc?.page_size ?? 4096);
  let ramBlocks: RamBlock[] = [];

  for (;;) {
    const at = r.offset;
    if (r.atEnd()) {
      throw new VmError({
        kind: 'truncated',
        message: `stream ends at ${hex(at)} where a section type byte was expected (no EOF marker 0x00)`,
        offset: at,
        errno: EIO,
      });
    }
    const type = r.u8();
    if (type === QEMU_VM_EOF) {
      records.push({ type: 'EOF', offset: at, sectionId: null, payloadOffset: at + 1, payloadLength: 0, footerOffset: null });
      break;
    }
    if (type === QEMU_VM_COMMAND) {
      const command = r.u16('COMMAND number');
      const len = r.u16('COMMAND length');
      const payloadOffset = r.offset;
      r.skip(len, `COMMAND ${command} payload`);
      records.push({ type: 'COMMAND', offset: at, sectionId: null, payloadOffset, payloadLength: len, footerOffset: null, command });
      continue;
    }
    if (type === QEMU_VM_SECTION_START || type === QEMU_VM_SECTION_FULL) {
      const sectionId = r.u32('section id');
      let idstr: string;
      try {
        idstr = r.countedString('section idstr');
      } catch (e) {
        throw new VmError({
          kind: 'bad-idstr',
          message: `Unable to read ID string for section ${sectionId} at ${hex(at + 5)}: ${(e as Error).message}`,
          offset: at + 5,
          errno: EINVAL,
        });
      }
      const instanceId = r.u32(`instance id of '${idstr}'`);
      const versionId = r.u32(`version id of '${idstr}'`);
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
        requireRam(idstr, at);
        iterables.set(sectionId, idstr);
        rec.ram = readRamPayload(r, ram);
        if (rec.ram.blocks) ramBlocks = rec.ram.blocks;
      } else {
        skipDevicePayload(r, rec, vmdesc, devices);
      }
      rec.payloadLength = r.offset - payloadOffset;
      rec.footerOffset = readFooter(r, sectionId, idstr);
      records.push(rec);
      continue;
    }
    if (type === QEMU_VM_SECTION_PART || type === QEMU_VM_SECTION_END) {
      const sectionId = r.u32('section id');
      const idstr = iterables.get(sectionId);
      if (idstr === undefined) {
        throw new VmError({
          kind: 'unknown-section',
          message: `Unknown savevm section ${sectionId}: ${SECTION_TYPE_NAMES[type]} record at ${hex(at)} names a section id no START record introduced (known: ${[...iterables.keys()].join(', ') || 'none'})`,
          offset: at + 1,
          errno: EINVAL,
        });
      }
      const payloadOffset = r.offset;
      const ramPayload = readRamPayload(r, ram);
      const payloadLength = r.offset - payloadOffset;
      const footerOffset = readFooter(r, sectionId, idstr);
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
    throw new VmError({
      kind: 'unknown-section-type',
      message: `Unknown savevm section type ${type} at ${hex(at)}: expected a record type (0x00 EOF, 0x01 START, 0x02 PART, 0x03 END, 0x04 FULL, 0x08 COMMAND), found ${hex(type, 2)}`,
      offset: at,
      errno: EINVAL,
    });
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
function readConfiguration(r: Reader): ConfigurationInfo {
  const len = r.u32('configuration machine-name length');
  const machine = latin1(r.bytes(len, 'configuration machine name'));
  const info: ConfigurationInfo = { machine, capabilities: [] };
  while (r.peekByte() === QEMU_VM_SUBSECTION) {
    const at = r.offset;
    r.u8();
    const name = r.countedString('configuration subsection name');
    r.u32(`version of subsection '${name}'`);
    if (name === 'configuration/target-page-bits') {
      info.targetPageBits = r.u32('target page bits');
    } else if (name === 'configuration/capabilities') {
      const n = r.u32('capability count');
      for (let i = 0; i < n; i++) info.capabilities.push(r.countedString(`capability ${i}`));
    } else {
      throw new VmError({
        kind: 'unknown-subsection',
        message: `unknown configuration subsection at ${hex(at)}: expected configuration/target-page-bits or configuration/capabilities, found '${name}'`,
        offset: at,
        path: 'configuration',
      });
    }
  }
  return info;
}

function requireRam(idstr: string, at: number): void {
  if (idstr !== 'ram') {
    throw new VmError({
      kind: 'unknown-section',
      message: `START record at ${hex(at)} for iterable section '${idstr}': only 'ram' can be walked (expected idstr 'ram')`,
      offset: at,
    });
  }
}

/**
 * Skips a FULL record's payload using the length the VM description implies, checking
 * the top-level subsection headers on the way so a wrong length is caught where it
 * starts rather than at the footer.
 */
function skipDevicePayload(r: Reader, rec: StreamRecord, vmdesc: Vmdesc | null, devices: Map<string, VmdescDevice>): void {
  const where = `FULL record '${rec.idstr}' instance ${rec.instanceId} at ${hex(rec.offset)}`;
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
  const total = deviceBytes(dev);
  if (r.remaining < total) {
    throw new VmError({
      kind: 'short-read',
      message: `short read: expected ${total} payload bytes for ${where} from ${hex(r.offset)}, found ${r.remaining} before the end of the stream`,
      offset: r.offset,
      errno: EIO,
      path: rec.idstr,
    });
  }
  skipVmsd(r, dev, rec.idstr!);
}

function skipVmsd(r: Reader, v: VmdescVmsd, path: string): void {
  let fields = 0;
  for (const f of v.fields ?? []) fields += fieldBytes(f);
  r.skip(fields, `fields of ${v.vmsd_name}`);
  for (const s of v.subsections ?? []) {
    const at = r.offset;
    const nameBytes = subsectionHeaderBytes(s.vmsd_name) - 6;
    const head = r.peek(2 + nameBytes);
    const found = head[0] === QEMU_VM_SUBSECTION && head[1] === nameBytes ? latin1(head.subarray(2)) : null;
    if (found !== s.vmsd_name) {
      throw new VmError({
        kind: 'unknown-subsection',
        message: `in '${path}': expected subsection '${s.vmsd_name}' (0x05, length ${nameBytes}, name) at ${hex(at)} as the VM description says, found bytes ${hexBytes(head)}`,
        offset: at,
        path: `${path}/${s.vmsd_name}`,
      });
    }
    r.skip(2 + nameBytes);
    const version = r.u32(`version of subsection '${s.vmsd_name}'`);
    if (version !== s.version) {
      throw new VmError({
        kind: 'unknown-subsection',
        message: `in '${path}': subsection '${s.vmsd_name}' at ${hex(at)}: expected version ${s.version} (VM description), found ${version}`,
        offset: at + 2 + nameBytes,
        path: `${path}/${s.vmsd_name}`,
      });
    }
    skipVmsd(r, s, path);
  }
}

/** Footer: 0x7E + be32 id equal to the header's (spec §2.8 step 6 wording). */
function readFooter(r: Reader, sectionId: number, idstr: string): number {
  const at = r.offset;
  const b = r.peekByte();
  if (b === null) {
    throw new VmError({
      kind: 'footer-read-error',
      message: `check_section_footer: Read section footer failed: -5: expected footer 0x7e for '${idstr}' at ${hex(at)}, found end of stream`,
      offset: at,
      errno: EIO,
      path: idstr,
    });
  }
  if (b !== QEMU_VM_SECTION_FOOTER) {
    throw new VmError({
      kind: 'footer-missing',
      message: `Missing section footer for ${idstr}: expected 0x7e at ${hex(at)}, found ${hex(b, 2)}`,
      offset: at,
      errno: EINVAL,
      path: idstr,
    });
  }
  r.u8();
  const tail = r.peek(4);
  const id = tail.length === 4 ? r.u32() : 0;
  if (id !== sectionId || tail.length < 4) {
    throw new VmError({
      kind: 'footer-id-mismatch',
      message:
        `Mismatched section id in footer for ${idstr} - read ${hex(id)} expected ${hex(sectionId)} (footer id at ${hex(at + 1)}` +
        (tail.length < 4 ? `, stream ends after ${tail.length} of its 4 bytes)` : ')'),
      offset: at + 1,
      errno: EINVAL,
      path: idstr,
    });
  }
  return at;
}

function hexBytes(b: Uint8Array): string {
  if (b.length === 0) return '(end of stream)';
  return [...b.subarray(0, 24)].map((x) => x.toString(16).padStart(2, '0')).join(' ') + (b.length > 24 ? ' …' : '');
}
