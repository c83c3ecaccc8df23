import type { DecodedStream, RamEntry } from './decode.js';
import { VmError, hex } from './errors.js';

/**
 * Guest memory of a decoded stream, block by block, as `decode -x` writes it:
 * each block's pages in stream order (a page sent again overwrites the earlier
 * send, as on load). The size of what is written comes from the pages the
 * stream holds, never from the MEM_SIZE lengths it claims: a block's extent
 * (the end of its highest page) may not exceed its page entries times the page
 * size, so a stream of N bytes never makes more than about N × page size / 9
 * bytes of output (a zero page costs 9 bytes on the wire).
 */

export type RamPage = Extract<RamEntry, { kind: 'zero' | 'page' }>;

export interface RamBlockPages {
  name: string;
  /** The used length MEM_SIZE claims (untrusted; reported, never used to size anything). */
  claimed: number | null;
  pages: RamPage[];
  /** End of the highest page: the length of the block's file. */
  extent: number;
}

export function ramBlockPages(s: DecodedStream, pageSize: number): RamBlockPages[] {
  const blocks = new Map<string, RamBlockPages>();
  const get = (name: string) => {
    let b = blocks.get(name);
    if (!b) blocks.set(name, (b = { name, claimed: null, pages: [], extent: 0 }));
    return b;
  };
  for (const r of s.records) {
    if (r.type !== 'START' && r.type !== 'PART' && r.type !== 'END') continue;
    for (const e of r.entries) {
      if (e.kind === 'mem-size') for (const b of e.blocks) get(b.name).claimed = b.length;
      if (e.kind !== 'zero' && e.kind !== 'page') continue;
      const b = get(e.block);
      b.pages.push(e);
      b.extent = Math.max(b.extent, e.addr + pageSize);
    }
  }
  for (const b of blocks.values()) {
    if (b.extent > b.pages.length * pageSize) {
      throw new VmError({
        kind: 'bad-input',
        message: `RAM block '${b.name}': its highest page ends at ${hex(b.extent)} but the stream holds only ${b.pages.length} page(s) of it (${hex(b.pages.length * pageSize)} bytes): not a whole save of the block, so it is not extracted`,
        path: 'ram',
      });
    }
  }
  return [...blocks.values()];
}

/** A RAM block name as one file name: `/rom@etc/acpi/tables` → `rom@etc_acpi_tables.bin`. */
export function blockFileName(name: string): string {
  const safe = name.replace(/^\/+/, '').replace(/[^A-Za-z0-9._@:+-]+/g, '_').replace(/^\.+/, '_');
  return `${safe || '_'}.bin`;
}

/** analyze-migration.py -m's RAM contents: `<block> (0x<addr, 16 digits>)` → hex bytes, or what a zero page is filled with. */
export function ramContents(s: DecodedStream): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of s.records) {
    if (r.type !== 'START' && r.type !== 'PART' && r.type !== 'END') continue;
    for (const e of r.entries) {
      if (e.kind !== 'zero' && e.kind !== 'page') continue;
      const key = `${e.block} (0x${e.addr.toString(16).padStart(16, '0')})`;
      out[key] = e.kind === 'zero' ? `Filled with 0x${e.fill.toString(16).padStart(2, '0')}` : Buffer.from(e.data).toString('hex').replace(/(..)(?!$)/g, '$1 ');
    }
  }
  return out;
}
