/**
 * A SCSI device's queued requests (hw/scsi/scsi-bus.c
 * vmstate_info_scsi_requests): put_scsi_requests writes, per request that
 * is not cancelled, a marker byte (1 to retry, 2 otherwise), the 16-byte
 * CDB, be32 tag and lun, then what the HBA's save_request and the device
 * class's save_request add; a 0 byte ends the list. get_scsi_requests
 * reads until a byte that is not positive and rebuilds each request with
 * scsi_req_new, so a queued request's bytes are the HBA's and the device's.
 *
 * The model has no HBA or device request savers: it carries the queue
 * empty (the end byte alone), which is what a device with no I/O in flight
 * at the switch-over sends, and refuses with a typed error to save or load
 * a queued request rather than guess its layout. Verdicts say so.
 */
import fc from 'fast-check';
import type { CustomArbitrary } from '../../src/gen/types.js';
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import { VmError } from '../../src/wire/errors.js';
import type { ElementCtx, VMStateInfo } from '../../src/vmstate/types.js';

export const vmstate_info_scsi_requests: VMStateInfo = {
  name: 'scsi-requests',
  put(w: Writer, v: unknown, el: ElementCtx) {
    const q = v ?? [];
    if (!Array.isArray(q)) throw new VmError({ kind: 'bad-input', message: `${el.field.name}: the SCSI request queue must be a list, got ${typeof q}` });
    if (q.length) {
      throw new VmError({ kind: 'bad-input', message: `${el.field.name}: ${q.length} queued SCSI request(s): the model has no HBA or device save_request, so only an empty queue is saved` });
    }
    w.u8(0);
  },
  get(r: Reader, _current: unknown, el: ElementCtx) {
    const at = r.offset;
    const marker = r.u8('SCSI request marker');
    if (marker !== 0 && marker < 0x80) {
      throw new VmError({
        kind: 'bad-input',
        message: `${el.field.name}: a queued SCSI request (marker ${marker}) at 0x${at.toString(16)}: the model has no HBA or device load_request to read it`,
        offset: at,
      });
    }
    // get_scsi_requests stops at any byte that is not positive (a negative int8 ends the list as 0 does)
    return [];
  },
};

/** The queue is generated empty: the model saves no queued request (see above). */
export const scsiRequestsArbitrary: CustomArbitrary = (ctx) => fc.constant({ [ctx.field.member!]: [] });
