import { VmError, EINVAL, hex, printable } from './errors.js';
import type { Reader } from './reader.js';
import { checkPageSize } from './vmdesc-check.js';

/**
 * The RAM section's payload (spec Appendix C): a sequence of entries, each led by a
 * be64 whose bits below the target page size are flags and whose high bits are an
 * address inside the current block. Only what a default precopy-to-file stream uses
 * is accepted; XBZRLE, compression and RDMA hooks need capabilities we never enable.
 */
export const RAM_SAVE_FLAG_ZERO = 0x02;
export const RAM_SAVE_FLAG_MEM_SIZE = 0x04;
export const RAM_SAVE_FLAG_PAGE = 0x08;
export const RAM_SAVE_FLAG_EOS = 0x10;
export const RAM_SAVE_FLAG_CONTINUE = 0x20;
export const RAM_SAVE_FLAG_XBZRLE = 0x40;
export const RAM_SAVE_FLAG_HOOK = 0x80;
export const RAM_SAVE_FLAG_COMPRESS_PAGE = 0x100;
export const RAM_SAVE_FLAG_MULTIFD_FLUSH = 0x200;

export interface RamBlock {
  name: string;
  /** Used length in bytes. */
  length: bigint;
}

/** What one START/PART/END record's RAM payload contained. */
export interface RamPayload {
  /** From MEM_SIZE (START only): total RAM and the block list. */
  totalSize?: bigint;
  blocks?: RamBlock[];
  zeroPages: number;
  pages: number;
  multifdFlushes: number;
}

/** State that lives across records: the block a CONTINUE page refers to. */
export interface RamContext {
  pageSize: number;
  lastBlock: string | null;
  /** Known blocks (from MEM_SIZE), to catch a desynchronised walk early. */
  blocks: Map<string, bigint>;
}

export function newRamContext(pageSize = 4096): RamContext {
  checkPageSize(pageSize);
  return { pageSize, lastBlock: null, blocks: new Map() };
}

function ramError(message: string, offset: number): VmError {
  return new VmError({ kind: 'bad-input', message, offset, errno: EINVAL, path: 'ram' });
}

/** Reads RAM entries up to and including EOS; `r` is left at the footer. */
export function readRamPayload(r: Reader, ctx: RamContext): RamPayload {
  const mask = BigInt(ctx.pageSize - 1);
  const out: RamPayload = { zeroPages: 0, pages: 0, multifdFlushes: 0 };
  for (;;) {
    const at = r.offset;
    const header = r.u64('RAM entry header (be64 address | flags)');
    const flags = Number(header & mask);
    const addr = header & ~mask;

    const blockName = (): string => {
      if (flags & RAM_SAVE_FLAG_CONTINUE) {
        if (ctx.lastBlock === null) throw ramError(`RAM entry at ${hex(at)} has CONTINUE but no block was named before it`, at);
        return ctx.lastBlock;
      }
      const nameAt = r.offset;
      const name = r.countedString('RAM block name');
      if (ctx.blocks.size && !ctx.blocks.has(name)) {
        throw ramError(`expected a RAM block name from the MEM_SIZE list at ${hex(nameAt)}, found '${printable(name)}'`, nameAt);
      }
      ctx.lastBlock = name;
      return name;
    };

    switch (flags & ~RAM_SAVE_FLAG_CONTINUE) {
      case RAM_SAVE_FLAG_MEM_SIZE: {
        // Block list: counted name + be64 used length until the lengths add up.
        const blocks: RamBlock[] = [];
        let sum = 0n;
        while (sum < addr) {
          const name = r.countedString('RAM block name in MEM_SIZE list');
          const length = r.u64(`used length of RAM block '${printable(name)}'`);
          blocks.push({ name, length });
          ctx.blocks.set(name, length);
          sum += length;
        }
        if (sum !== addr) {
          throw ramError(`MEM_SIZE at ${hex(at)}: expected block lengths adding up to ${hex(addr)}, found ${hex(sum)}`, at);
        }
        out.totalSize = addr;
        out.blocks = blocks;
        break;
      }
      case RAM_SAVE_FLAG_ZERO:
        checkAddr(blockName(), addr, ctx, at);
        r.u8('zero-page fill byte');
        out.zeroPages++;
        break;
      case RAM_SAVE_FLAG_PAGE:
        checkAddr(blockName(), addr, ctx, at);
        r.skip(ctx.pageSize, `${ctx.pageSize}-byte RAM page`);
        out.pages++;
        break;
      case RAM_SAVE_FLAG_MULTIFD_FLUSH:
        out.multifdFlushes++;
        break;
      case RAM_SAVE_FLAG_EOS:
        return out;
      default:
        // QEMU's own wording for this case is "Unknown combination of migration flags".
        throw ramError(
          `Unknown combination of migration flags: ${hex(flags)} in RAM entry at ${hex(at)} ` +
            `(expected one of ZERO 0x2, MEM_SIZE 0x4, PAGE 0x8, EOS 0x10, MULTIFD_FLUSH 0x200, optionally with CONTINUE 0x20)`,
          at,
        );
    }
  }
}

function checkAddr(block: string, addr: bigint, ctx: RamContext, at: number): void {
  const len = ctx.blocks.get(block);
  if (len !== undefined && addr >= len) {
    throw ramError(`RAM page at ${hex(at)}: address ${hex(addr)} is outside block '${printable(block)}' (length ${hex(len)})`, at);
  }
}
