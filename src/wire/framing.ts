import { EINVAL, EIO, ENOTSUP, VmError, hex, printable } from './errors.js';
import { Reader, latin1 } from './reader.js';
import { deviceKey, findVmdesc, type LocatedVmdesc, type Vmdesc, type VmdescDevice } from './vmdesc.js';
import { checkVmdesc, type CheckedVmdesc } from './vmdesc-check.js';
import type { Writer } from './writer.js';
import * as C from './constants.js';

/** The framing pieces of a QEMU stream (spec §2), written and checked exactly as QEMU does. */

export function writeHeader(w: Writer): void {
  w.u32(C.QEMU_VM_FILE_MAGIC);
  w.u32(C.QEMU_VM_FILE_VERSION);
}

/** QEMU's qemu_loadvm_state_header: magic, then version 3 (2 is the obsolete v2 format). Returns the version. */
export function readHeader(r: Reader): number {
  const at = r.offset;
  const magic = r.u32('stream magic');
  if (magic !== C.QEMU_VM_FILE_MAGIC) {
    throw new VmError({
      kind: 'bad-magic',
      message: `Not a migration stream: expected magic ${hex(C.QEMU_VM_FILE_MAGIC, 8)} ("QEVM") at ${hex(at)}, found ${hex(magic, 8)}`,
      offset: at,
      errno: EINVAL,
      qemu: ['Not a migration stream'],
    });
  }
  const vat = r.offset;
  const version = r.u32('stream version');
  if (version === C.QEMU_VM_FILE_VERSION_COMPAT) {
    throw new VmError({
      kind: 'obsolete-version',
      message: `SaveVM v2 format is obsolete and don't work anymore: expected version ${hex(C.QEMU_VM_FILE_VERSION)} at ${hex(vat)}, found ${hex(version)}`,
      offset: vat,
      errno: ENOTSUP,
      qemu: ["SaveVM v2 format is obsolete and don't work anymore"],
    });
  }
  if (version !== C.QEMU_VM_FILE_VERSION) {
    throw new VmError({
      kind: 'bad-stream-version',
      message: `Unsupported migration stream version: expected ${hex(C.QEMU_VM_FILE_VERSION)} at ${hex(vat)}, found ${hex(version)}`,
      offset: vat,
      errno: ENOTSUP,
      qemu: ['Unsupported migration stream version'],
    });
  }
  return version;
}

export interface FullSectionHeader {
  sectionId: number;
  idstr: string;
  instanceId: number;
  versionId: number;
}

export function writeFullHeader(w: Writer, h: FullSectionHeader): void {
  w.u8(C.QEMU_VM_SECTION_FULL);
  w.u32(h.sectionId);
  w.countedString(h.idstr);
  w.u32(h.instanceId);
  w.u32(h.versionId);
}

/** Reads a FULL/START header after its type byte. */
export function readFullHeader(r: Reader): FullSectionHeader {
  const sectionId = r.u32('section id');
  const at = r.offset;
  let idstr: string;
  try {
    idstr = r.countedString('section idstr');
  } catch (e) {
    throw new VmError({
      kind: 'bad-idstr',
      message: `Unable to read ID string for section ${sectionId} at ${hex(at)}: ${(e as Error).message}`,
      offset: at,
      errno: EINVAL,
      qemu: [`Unable to read ID string for section ${sectionId}`],
    });
  }
  const instanceId = r.u32(`instance id of '${printable(idstr)}'`);
  const versionId = r.u32(`version id of '${printable(idstr)}'`);
  return { sectionId, idstr, instanceId, versionId };
}

export function writeFooter(w: Writer, sectionId: number): void {
  w.u8(C.QEMU_VM_SECTION_FOOTER);
  w.u32(sectionId);
}

/** QEMU's check_section_footer: 0x7E + be32 id equal to the header's. Returns the offset of the 0x7E byte. */
export function checkFooter(r: Reader, sectionId: number, idstr: string): number {
  return readFooter(r, sectionId, idstr, false)!;
}

/**
 * A footer if there is one: without send-section-footer (machine types < 2.4) the next
 * record's type byte follows the payload, and 0x7E is never one. A footer that is there
 * is checked as checkFooter does.
 */
export function readOptionalFooter(r: Reader, sectionId: number, idstr: string): boolean {
  return readFooter(r, sectionId, idstr, true) !== null;
}

/** The footer's offset, or null for a missing optional one. */
function readFooter(r: Reader, sectionId: number, idstr: string, optional: boolean): number | null {
  const at = r.offset;
  if (r.fault) {
    // the section's own subsection peek ran off the end: the footer read is where QEMU finds the sticky -EIO
    throw new VmError({
      kind: 'footer-read-error',
      message: `check_section_footer: Read section footer failed: -5: the input ends at ${hex(r.fault.offset)}, where ${r.fault.what} of '${idstr}' peeked past it (section ${sectionId}; the footer would be at ${hex(at)})`,
      offset: r.fault.offset,
      errno: EINVAL,
      path: idstr,
      qemu: ['check_section_footer: Read section footer failed: -5'],
    });
  }
  const b = r.peekByte();
  if (b === null) {
    const expected = optional ? `a footer 0x7e or the next record after '${printable(idstr)}'` : `footer 0x7e for '${printable(idstr)}'`;
    throw new VmError({
      kind: 'footer-read-error',
      message: `check_section_footer: Read section footer failed: -5: expected ${expected} (section ${sectionId}) at ${hex(at)}, found end of stream`,
      offset: at,
      errno: EINVAL,
      path: idstr,
      qemu: ['check_section_footer: Read section footer failed: -5'],
    });
  }
  if (b !== C.QEMU_VM_SECTION_FOOTER) {
    if (optional) return null;
    throw new VmError({
      kind: 'footer-missing',
      message: `Missing section footer for ${printable(idstr)}: expected 0x7e at ${hex(at)}, found ${hex(b, 2)}`,
      offset: at,
      errno: EINVAL,
      path: idstr,
      qemu: [`Missing section footer for ${printable(idstr)}`],
    });
  }
  r.u8('section footer');
  // QEMU reads a missing id as 0; a footer cut short is an error here whatever the id.
  const whole = r.remaining >= 4;
  const id = whole ? r.u32('footer section id') : 0;
  if (!whole || id !== sectionId) {
    const line = `Mismatched section id in footer for ${printable(idstr)} - read ${hex(id)} expected ${hex(sectionId)}`;
    throw new VmError({
      kind: 'footer-id-mismatch',
      message: `${line} (footer id at ${hex(at + 1)}${whole ? '' : `, stream ends after ${r.remaining} of its 4 bytes`})`,
      offset: at + 1,
      errno: EINVAL,
      path: idstr,
      qemu: id !== sectionId ? [line] : [],
    });
  }
  return at;
}

/* ---------- reading a whole stream ---------- */

export interface OpenedStream {
  /** The description at the stream's tail, when it ends in one. */
  located: LocatedVmdesc | null;
  /** The description to read device sections with: the stream's own, else the caller's. */
  desc: Vmdesc | null;
  /** Its devices by deviceKey. */
  devices: Map<string, VmdescDevice>;
  /** `desc` checked, with its sizes (null without a description). */
  checked: CheckedVmdesc | null;
  /** Positioned after the file header. */
  r: Reader;
  version: number;
}

/** How every parser of a whole stream starts: find the description, read the file header. */
export function openStream(buf: Uint8Array, fallback?: Vmdesc, replace = false): OpenedStream {
  const located = findVmdesc(buf);
  // A caller's description is held to the same checks as the stream's own.
  const checked = replace && fallback ? checkVmdesc(fallback, buf.length) : (located?.checked ?? (fallback ? checkVmdesc(fallback, buf.length) : null));
  const desc = checked?.desc ?? null;
  const devices = new Map<string, VmdescDevice>();
  for (const d of desc?.devices ?? []) devices.set(deviceKey(d.name, d.instance_id), d);
  const r = new Reader(buf);
  const version = readHeader(r);
  return { located, desc, devices, checked, r, version };
}

export type ConfigurationSubsection = 'configuration/target-page-bits' | 'configuration/capabilities' | 'configuration/uuid';

/** The configuration subsections QEMU's vmstate_configuration has (target page bits 3.0, capabilities 4.0, uuid 4.2 with validate-uuid). */
export const CONFIGURATION_SUBSECTIONS: readonly ConfigurationSubsection[] = ['configuration/target-page-bits', 'configuration/capabilities', 'configuration/uuid'];

/** configuration/uuid's body: the source's 16-byte QemuUUID (sent with validate-uuid when -uuid is set). */
export const UUID_LEN = 16;

/** A UUID's 16 bytes as QEMU prints them (qemu_uuid_unparse). */
export function uuidString(b: Uint8Array): string {
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The configuration record after its type byte (spec §2.2): be32 length and machine
 * name, then the subsections QEMU knows, each body read by `body` after its header.
 * Returns the machine name (as many characters as bytes).
 */
export function readConfiguration(r: Reader, body: (name: ConfigurationSubsection, version: number) => void): string {
  const len = r.u32('configuration machine-name length');
  const machine = latin1(r.bytes(len, 'configuration machine name'));
  while (r.peekByte() === C.QEMU_VM_SUBSECTION) {
    const at = r.offset;
    r.u8();
    const name = r.countedString('configuration subsection name');
    const version = r.u32(`version of subsection '${printable(name)}'`);
    if (!(CONFIGURATION_SUBSECTIONS as readonly string[]).includes(name)) {
      throw new VmError({
        kind: 'unknown-subsection',
        message: `unknown configuration subsection at ${hex(at)}: expected one of ${CONFIGURATION_SUBSECTIONS.join(', ')}, found '${printable(name)}'`,
        offset: at,
        path: 'configuration',
      });
    }
    body(name as ConfigurationSubsection, version);
  }
  return machine;
}

/* ---------- the record loop (qemu_loadvm_state_main) ---------- */

/** The next record's type byte and its offset; a stream that ends here has no EOF marker. */
export function readRecordType(r: Reader): { offset: number; type: number } {
  const offset = r.offset;
  if (r.atEnd()) {
    throw new VmError({
      kind: 'truncated',
      message: `stream ends at ${hex(offset)} where a section type byte was expected (no EOF marker 0x00)`,
      offset,
      errno: EIO,
    });
  }
  return { offset, type: r.u8('section type') };
}

/** A COMMAND record after its type byte: be16 command, be16 length; the payload is skipped. */
export function readCommand(r: Reader): { command: number; payloadOffset: number; payloadLength: number } {
  const command = r.u16('COMMAND number');
  const payloadLength = r.u16('COMMAND length');
  const payloadOffset = r.offset;
  r.skip(payloadLength, `COMMAND ${command} payload`);
  return { command, payloadOffset, payloadLength };
}

/**
 * A START/FULL header after its type byte. RAM is the only iterable section a stream
 * parser here can read (`verb` says what it does with it); a START is remembered in
 * `iterables` for its PART/END records.
 */
export function readSectionHeader(r: Reader, type: number, offset: number, iterables: Map<number, string>, verb: string): FullSectionHeader {
  const h = readFullHeader(r);
  if (type === C.QEMU_VM_SECTION_START) {
    if (h.idstr !== 'ram') {
      throw new VmError({
        kind: 'unknown-section',
        message: `START record at ${hex(offset)} for iterable section '${printable(h.idstr)}': only 'ram' can be ${verb} (expected idstr 'ram')`,
        offset,
      });
    }
    iterables.set(h.sectionId, h.idstr);
  }
  return h;
}

/** A PART/END header after its type byte: the section id of an earlier START. */
export function readPartHeader(r: Reader, type: number, offset: number, iterables: Map<number, string>): { sectionId: number; idstr: string } {
  const sectionId = r.u32('section id');
  const idstr = iterables.get(sectionId);
  if (idstr === undefined) {
    throw new VmError({
      kind: 'unknown-section',
      message: `Unknown savevm section ${sectionId}: ${C.SECTION_TYPE_NAMES[type]} record at ${hex(offset)} names a section id no START record introduced (known: ${[...iterables.keys()].join(', ') || 'none'})`,
      offset: offset + 1,
      errno: EINVAL,
      qemu: [`Unknown savevm section ${sectionId}`],
    });
  }
  return { sectionId, idstr };
}

export function unknownSectionType(type: number, offset: number): VmError {
  return new VmError({
    kind: 'unknown-section-type',
    message:
      `Unknown savevm section type ${type} at ${hex(offset)}: expected a record type (0x00 EOF, 0x01 START, 0x02 PART, 0x03 END, 0x04 FULL, 0x08 COMMAND), found ${hex(type, 2)}` +
      (type === C.QEMU_VM_SUBSECTION ? ' (a subsection marker where a record was expected: the previous section was left unfinished)' : ''),
    offset,
    errno: EINVAL,
    qemu: [`Unknown savevm section type ${type}`],
  });
}

export function writeVmdesc(w: Writer, json: string): void {
  const body = new TextEncoder().encode(json);
  w.u8(C.QEMU_VM_VMDESCRIPTION);
  w.u32(body.length);
  w.bytes(body);
}
