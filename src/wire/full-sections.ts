import * as C from './constants.js';
import { readCommand, readConfiguration, readHeader, readOptionalFooter, readPartHeader, readRecordType, readSectionHeader, unknownSectionType, type FullSectionHeader } from './framing.js';
import { newRamContext, readRamPayload, type RamContext } from './ram.js';
import type { Reader } from './reader.js';

/**
 * Reads a stream from its header to EOF, skipping the configuration, the
 * commands and every RAM (iterable) section, and hands each FULL device
 * section to `full` with the reader at its payload; `full` must leave the
 * reader at the payload's end, where the optional footer is read next.
 * Used where a stream's device sections are described (Engine.describeStream,
 * describeSections), not decoded field by field.
 */
export function eachFullSection(r: Reader, pageSize: number, full: (h: FullSectionHeader, offset: number) => void): void {
  readHeader(r);
  if (r.peekByte(0) === C.QEMU_VM_CONFIGURATION) {
    r.u8();
    readConfiguration(r, (name) => {
      if (name === 'configuration/target-page-bits') r.skip(4, 'target page bits');
      else if (name === 'configuration/uuid') r.skip(16, 'uuid');
      else for (let n = r.u32('capability count'); n > 0; n--) r.skip(r.u8('capability length'), 'capability');
    });
  }
  const iterables = new Map<number, string>();
  let ram: RamContext | null = null;
  for (;;) {
    const { offset, type } = readRecordType(r);
    if (type === C.QEMU_VM_EOF) return;
    if (type === C.QEMU_VM_COMMAND) {
      const c = readCommand(r);
      r.offset = c.payloadOffset + c.payloadLength;
      continue;
    }
    let sectionId: number;
    let idstr: string;
    if (type === C.QEMU_VM_SECTION_START || type === C.QEMU_VM_SECTION_FULL) {
      const h = readSectionHeader(r, type, offset, iterables, 'described');
      ({ sectionId, idstr } = h);
      if (type === C.QEMU_VM_SECTION_FULL) {
        full(h, offset);
        readOptionalFooter(r, sectionId, idstr);
        continue;
      }
    } else if (type === C.QEMU_VM_SECTION_PART || type === C.QEMU_VM_SECTION_END) {
      ({ sectionId, idstr } = readPartHeader(r, type, offset, iterables));
    } else throw unknownSectionType(type, offset);
    readRamPayload(r, (ram ??= newRamContext(pageSize)));
    readOptionalFooter(r, sectionId, idstr);
  }
}
