import { EINVAL, ENOTSUP, VmError, hex } from './errors.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';
import * as C from './constants.js';

/** The framing pieces of a QEMU stream (spec §2), written and checked exactly as QEMU does. */

export function writeHeader(w: Writer): void {
  w.u32(C.QEMU_VM_FILE_MAGIC);
  w.u32(C.QEMU_VM_FILE_VERSION);
}

export function readHeader(r: Reader): void {
  const at = r.offset;
  const magic = r.u32('file magic');
  if (magic !== C.QEMU_VM_FILE_MAGIC) {
    throw new VmError({
      kind: 'bad-magic',
      message: `not a migration stream: expected magic 0x5145564d ("QEVM") at ${hex(at)}, found ${hex(magic, 8)}`,
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
      message: `stream version 2 at ${hex(vat)} is the obsolete v2 format`,
      offset: vat,
      errno: ENOTSUP,
      qemu: ["SaveVM v2 format is obsolete and don't work anymore"],
    });
  }
  if (version !== C.QEMU_VM_FILE_VERSION) {
    throw new VmError({
      kind: 'bad-stream-version',
      message: `unsupported stream version ${version} at ${hex(vat)} (expected 3)`,
      offset: vat,
      errno: ENOTSUP,
      qemu: ['Unsupported migration stream version'],
    });
  }
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
  let idstr: string;
  try {
    idstr = r.countedString('section idstr');
  } catch (e) {
    throw new VmError({
      kind: 'bad-idstr',
      message: `unable to read the idstr of section ${sectionId} at ${hex(r.offset)}`,
      offset: r.offset,
      errno: EINVAL,
      qemu: [`Unable to read ID string for section ${sectionId}`],
    });
  }
  const instanceId = r.u32(`instance id of '${idstr}'`);
  const versionId = r.u32(`version id of '${idstr}'`);
  return { sectionId, idstr, instanceId, versionId };
}

export function writeFooter(w: Writer, sectionId: number): void {
  w.u8(C.QEMU_VM_SECTION_FOOTER);
  w.u32(sectionId);
}

/** QEMU's check_section_footer. */
export function checkFooter(r: Reader, sectionId: number, idstr: string): void {
  const at = r.offset;
  if (r.atEnd()) {
    throw new VmError({
      kind: 'footer-read-error',
      message: `the stream ends at ${hex(at)} where the footer of '${idstr}' (section ${sectionId}) was expected`,
      offset: at,
      errno: EINVAL,
      qemu: ['check_section_footer: Read section footer failed: -5'],
    });
  }
  const b = r.u8('section footer');
  if (b !== C.QEMU_VM_SECTION_FOOTER) {
    throw new VmError({
      kind: 'footer-missing',
      message: `missing section footer for '${idstr}': expected 0x7e at ${hex(at)}, found ${hex(b, 2)}`,
      offset: at,
      errno: EINVAL,
      qemu: [`Missing section footer for ${idstr}`],
    });
  }
  const id = r.remaining >= 4 ? r.u32('footer section id') : 0;
  if (id !== sectionId) {
    throw new VmError({
      kind: 'footer-id-mismatch',
      message: `footer of '${idstr}' at ${hex(at)} names section ${hex(id)}, expected ${hex(sectionId)}`,
      offset: at + 1,
      errno: EINVAL,
      qemu: [`Mismatched section id in footer for ${idstr} - read ${hex(id)} expected ${hex(sectionId)}`],
    });
  }
}

export function writeVmdesc(w: Writer, json: string): void {
  const body = new TextEncoder().encode(json);
  w.u8(C.QEMU_VM_VMDESCRIPTION);
  w.u32(body.length);
  w.bytes(body);
}
