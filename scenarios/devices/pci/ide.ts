/**
 * The IDE bus and drive VMSDs AHCI ports carry (hw/ide/core.c), the same
 * from 7.2.0 to 10.0.0.
 *
 *   ide_bus (v1)        cmd, unit; subsection `ide_bus/error` (v2) when an
 *                       error is pending: error_status, and from version 2
 *                       the retry sector, count and unit
 *   ide_drive (v3, min 0)  the task-file registers, identify_data (512
 *                       bytes) only once IDENTIFY ran, cdrom_changed from
 *                       v3; subsections `ide_drive/pio_state` while a PIO
 *                       transfer is under way (DRQ, or a PIO retry pending
 *                       on the bus), `ide_drive/tray_state` with the tray
 *                       open or locked, `ide_drive/atapi/gesn_state` with a
 *                       media event pending
 *
 * pio_state's post_load rejects an end-of-transfer function index past
 * the table (6 entries) with -EINVAL. Its pre_save derives the buffer
 * offset, length and function index from pointers the model does not
 * have: the model carries those three as state.
 */
import { EINVAL } from '../../../src/wire/errors.js';
import type { Reader } from '../../../src/wire/reader.js';
import type { Writer } from '../../../src/wire/writer.js';
import type { ElementCtx, State, VMStateDescription, VMStateInfo } from '../../../src/vmstate/types.js';
import {
  VMSTATE_BOOL,
  VMSTATE_BUFFER_TEST,
  VMSTATE_INT32,
  VMSTATE_INT64_V,
  VMSTATE_UINT32,
  VMSTATE_UINT32_V,
  VMSTATE_UINT8,
  VMSTATE_UINT8_V,
  field,
} from '../../../src/vmstate/dsl.js';
import * as F from '../../../src/vmstate/flags.js';
import { zeroRun } from '../../common/runs.js';

export const DRQ_STAT = 0x08;
export const IDE_RETRY_PIO = 0x10;
/** ARRAY_SIZE(transfer_end_table) */
export const TRANSFER_END_FUNCS = 6;
/** IDE_DMA_BUF_SECTORS * 512 + 4 */
export const IO_BUFFER_TOTAL_LEN = 256 * 512 + 4;
/** The bus's error_status as the drive's needed() sees it through s->bus. */
export const BUS_ERROR_STATUS = 'bus->error_status';

/** True when every byte is 0 (a plain loop: 128 KiB per port per load). */
export function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

export const vmstate_ide_error_status: VMStateDescription = {
  name: 'ide_bus/error',
  version_id: 2,
  minimum_version_id: 1,
  needed: (s) => Number(s.error_status) !== 0,
  fields: [VMSTATE_INT32('error_status'), VMSTATE_INT64_V('retry_sector_num', 2), VMSTATE_UINT32_V('retry_nsector', 2), VMSTATE_UINT8_V('retry_unit', 2)],
};

export const vmstate_ide_bus: VMStateDescription = {
  name: 'ide_bus',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT8('cmd'), VMSTATE_UINT8('unit')],
  subsections: [vmstate_ide_error_status],
};

/**
 * VMSTATE_VARRAY_INT32(io_buffer, …, io_buffer_total_len, 1, uint8): one
 * byte per element (128 KiB + 4). The model keeps the bytes as a buffer,
 * empty while they are all zero, so that six idle ports do not cost
 * three quarters of a megabyte per state.
 */
const vmstate_info_io_buffer: VMStateInfo = {
  name: 'uint8 varray',
  recordsOwnLeaves: true,
  put(w: Writer, _v: unknown, el: ElementCtx) {
    const n = Number(el.state.io_buffer_total_len) | 0;
    const b = el.state.io_buffer as Uint8Array;
    const at = w.offset;
    w.bytes(b.length > n ? b.subarray(0, n) : b);
    if (b.length < n) w.zeros(n - b.length);
    el.ctx.record({ keys: [...el.at, 'io_buffer'], vmsd: el.vmsd.name, field: el.field.name, offset: at, size: n, what: 'field' });
  },
  get(r: Reader, _current: unknown, el: ElementCtx) {
    const n = Number(el.state.io_buffer_total_len) | 0;
    const at = r.offset;
    const b = r.bytes(Math.max(0, n), 'io_buffer');
    el.state.io_buffer = isZero(b) ? new Uint8Array(0) : b;
    el.ctx.record({ keys: [...el.at, 'io_buffer'], vmsd: el.vmsd.name, field: el.field.name, offset: at, size: n, what: 'field' });
    return undefined;
  },
  // the compiled engine's: an all-zero buffer (an idle port's) is compared in place, not copied out and looped over
  fast: {
    put: (w, v, el) => vmstate_info_io_buffer.put(w, v, el),
    get(r: Reader, current: unknown, el: ElementCtx) {
      const n = Math.max(0, Number(el.state.io_buffer_total_len) | 0);
      const at = r.offset;
      if (r.remaining < n || !zeroRun(r.buf, at, n)) return vmstate_info_io_buffer.get(r, current, el);
      r.offset = at + n;
      el.state.io_buffer = new Uint8Array(0);
      el.ctx.record({ keys: [...el.at, 'io_buffer'], vmsd: el.vmsd.name, field: el.field.name, offset: at, size: Number(el.state.io_buffer_total_len) | 0, what: 'field' });
      return undefined;
    },
  },
};

export const vmstate_ide_drive_pio_state: VMStateDescription = {
  name: 'ide_drive/pio_state',
  version_id: 1,
  minimum_version_id: 1,
  needed: (s) => (Number(s.status) & DRQ_STAT) !== 0 || (Number(s[BUS_ERROR_STATUS] ?? 0) & IDE_RETRY_PIO) !== 0,
  fields: [
    VMSTATE_INT32('req_nb_sectors'),
    { ...field('io_buffer', { info: vmstate_info_io_buffer, flags: F.VMS_SINGLE, version_id: 1 }), member: null },
    VMSTATE_INT32('cur_io_buffer_offset'),
    VMSTATE_INT32('cur_io_buffer_len'),
    VMSTATE_UINT8('end_transfer_fn_idx'),
    VMSTATE_INT32('elementary_transfer_size'),
    VMSTATE_INT32('packet_transfer_size'),
  ],
  post_load(s) {
    if (Number(s.end_transfer_fn_idx) >= TRANSFER_END_FUNCS) {
      return { errno: EINVAL, message: `ide_drive/pio_state: end_transfer_fn_idx ${String(s.end_transfer_fn_idx)} is past the ${TRANSFER_END_FUNCS}-entry table` };
    }
  },
};

export const vmstate_ide_tray_state: VMStateDescription = {
  name: 'ide_drive/tray_state',
  version_id: 1,
  minimum_version_id: 1,
  needed: (s) => s.tray_open === true || s.tray_locked === true,
  fields: [VMSTATE_BOOL('tray_open'), VMSTATE_BOOL('tray_locked')],
};

export const vmstate_ide_atapi_gesn_state: VMStateDescription = {
  name: 'ide_drive/atapi/gesn_state',
  version_id: 1,
  minimum_version_id: 1,
  needed: (s) => s['events.new_media'] === true || s['events.eject_request'] === true,
  fields: [VMSTATE_BOOL('events.new_media'), VMSTATE_BOOL('events.eject_request')],
};

const is_identify_set = (s: State) => Number(s.identify_set) !== 0;

export const vmstate_ide_drive: VMStateDescription = {
  name: 'ide_drive',
  version_id: 3,
  minimum_version_id: 0,
  fields: [
    VMSTATE_INT32('mult_sectors'),
    VMSTATE_INT32('identify_set'),
    VMSTATE_BUFFER_TEST('identify_data', 512, (s) => is_identify_set(s)),
    VMSTATE_UINT8('feature'),
    VMSTATE_UINT8('error'),
    VMSTATE_UINT32('nsector'),
    VMSTATE_UINT8('sector'),
    VMSTATE_UINT8('lcyl'),
    VMSTATE_UINT8('hcyl'),
    VMSTATE_UINT8('hob_feature'),
    VMSTATE_UINT8('hob_sector'),
    VMSTATE_UINT8('hob_nsector'),
    VMSTATE_UINT8('hob_lcyl'),
    VMSTATE_UINT8('hob_hcyl'),
    VMSTATE_UINT8('select'),
    VMSTATE_UINT8('status'),
    VMSTATE_UINT8('lba48'),
    VMSTATE_UINT8('sense_key'),
    VMSTATE_UINT8('asc'),
    VMSTATE_UINT8_V('cdrom_changed', 3),
  ],
  subsections: [vmstate_ide_drive_pio_state, vmstate_ide_tray_state, vmstate_ide_atapi_gesn_state],
};

export function ideBusReset(): State {
  return { cmd: 0, unit: 0, error_status: 0, retry_sector_num: 0n, retry_nsector: 0, retry_unit: 0 };
}

/** An IDEState after ide_reset with no medium attached (what an empty AHCI port holds). */
export function ideDriveReset(): State {
  return {
    mult_sectors: 16,
    identify_set: 0,
    identify_data: new Uint8Array(512),
    feature: 0,
    error: 0,
    nsector: 1,
    sector: 1,
    lcyl: 0xff,
    hcyl: 0xff,
    hob_feature: 0,
    hob_sector: 0,
    hob_nsector: 0,
    hob_lcyl: 0,
    hob_hcyl: 0,
    select: 0xa0,
    status: 0x50,
    lba48: 0,
    sense_key: 0,
    asc: 0,
    cdrom_changed: 0,
    req_nb_sectors: 0,
    io_buffer_total_len: IO_BUFFER_TOTAL_LEN,
    io_buffer: new Uint8Array(0),
    cur_io_buffer_offset: 0,
    cur_io_buffer_len: 0,
    end_transfer_fn_idx: 0,
    elementary_transfer_size: 0,
    packet_transfer_size: 0,
    tray_open: false,
    tray_locked: false,
    'events.new_media': false,
    'events.eject_request': false,
    [BUS_ERROR_STATUS]: 0,
  };
}
