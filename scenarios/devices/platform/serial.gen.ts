/**
 * isa-serial's validity rules (serial_post_load): LSR.TEMT agrees with
 * tsr_retry (set iff it is 0), tsr_retry ≤ MAX_XMIT_RETRY, IIR's FIFO bits
 * follow FCR.FE, thr_ipending agrees with IIR when IER.THRI is off (it is
 * not migrated then), FIFO heads and counts inside the 16-byte buffer, and
 * the FCR that pre_save copies into fcr_vmstate is the generated one.
 */
import type { DeviceGen } from '../../../src/gen/index.js';
import type { State } from '../../../src/vmstate/types.js';
import { MAX_XMIT_RETRY, UART_FCR_FE, UART_FIFO_LENGTH, UART_IER_THRI, UART_IIR_FE, UART_IIR_ID, UART_IIR_THRI, UART_LSR_TEMT } from './serial.js';

function fifo(f: State): void {
  f.head = Number(f.head) % UART_FIFO_LENGTH;
  f.num = Number(f.num) % (UART_FIFO_LENGTH + 1);
}

export function refineSerial(s: State): void {
  const retry = Number(s.tsr_retry) % (MAX_XMIT_RETRY + 1);
  s.tsr_retry = retry;
  s.lsr = retry > 0 ? Number(s.lsr) & ~UART_LSR_TEMT : Number(s.lsr) | UART_LSR_TEMT;
  s.fcr = Number(s.fcr_vmstate);
  s.iir = Number(s.fcr) & UART_FCR_FE ? Number(s.iir) | UART_IIR_FE : Number(s.iir) & ~UART_IIR_FE;
  const expected = (Number(s.iir) & UART_IIR_ID) === UART_IIR_THRI ? 1 : 0;
  if (!(Number(s.ier) & UART_IER_THRI)) s.thr_ipending = expected;
  else if (Number(s.thr_ipending) !== -1) s.thr_ipending = Number(s.thr_ipending) & 1;
  else s.thr_ipending = expected;
  if (Number(s.poll_msl) < -1) s.poll_msl = -1;
  for (const k of ['recv_fifo', 'xmit_fifo']) if (s[k] && typeof s[k] === 'object') fifo(s[k] as State);
}

export const isaSerialGen: DeviceGen = {
  refine(state) {
    refineSerial(state.state as State);
    return state;
  },
};
