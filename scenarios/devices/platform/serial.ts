/**
 * isa-serial (hw/char/serial.c, serial-isa.c; spec §9.3): the ISA wrapper
 * VMSD `serial` holds one field, the core VMSD — also named `serial` — as a
 * nested struct, so the core is always processed at the destination's own
 * version 3. The core's subsections follow its 11 bytes of registers.
 *
 * Validity (serial_post_load): tsr_retry > 0 requires LSR.TEMT clear and is
 * clamped to MAX_XMIT_RETRY; tsr_retry = 0 requires TEMT set; a missing
 * thr_ipending subsection recomputes it from IIR; the FCR is re-applied
 * through its setter, which sets or clears IIR's FIFO-enabled bits.
 */
import { EPERM } from '../../../src/wire/errors.js';
import {
  VMSTATE_INT32,
  VMSTATE_STRUCT,
  VMSTATE_TIMER_PTR,
  VMSTATE_UINT16_V,
  VMSTATE_UINT32,
  VMSTATE_UINT8,
  VMSTATE_UINT8_V,
  VMSTATE_VBUFFER_UINT32,
} from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

export const UART_FIFO_LENGTH = 16;
export const MAX_XMIT_RETRY = 4;
export const UART_LSR_TEMT = 0x40;
export const UART_LSR_THRE = 0x20;
export const UART_IER_THRI = 0x02;
export const UART_IIR_ID = 0x06;
export const UART_IIR_THRI = 0x02;
export const UART_IIR_FE = 0xc0;
export const UART_FCR_FE = 0x01;

/** util/fifo8.c: the data buffer is `capacity` bytes, taken from the destination. */
export const vmstate_fifo8: VMStateDescription = {
  name: 'Fifo8',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_VBUFFER_UINT32('data', 1, undefined, 'capacity'), VMSTATE_UINT32('head'), VMSTATE_UINT32('num')],
};

const sub = (name: string, needed: (s: State) => boolean, fields: VMStateDescription['fields']): VMStateDescription => ({
  name,
  version_id: 1,
  minimum_version_id: 1,
  needed,
  fields,
});

const fifoUsed = (f: unknown) => Number((f as State | undefined)?.num ?? 0) !== 0;

export const vmstate_serial: VMStateDescription = {
  name: 'serial',
  version_id: 3,
  minimum_version_id: 2,
  pre_save(s) {
    s.fcr_vmstate = s.fcr;
  },
  pre_load(s) {
    // the values assumed when a subsection does not come
    s.thr_ipending = -1;
    s.poll_msl = -1;
  },
  post_load(s, version) {
    if (version < 3) s.fcr_vmstate = 0;
    if (s.thr_ipending === -1) s.thr_ipending = (Number(s.iir) & UART_IIR_ID) === UART_IIR_THRI ? 1 : 0;
    const retry = Number(s.tsr_retry);
    const lsr = Number(s.lsr);
    if (retry > 0) {
      if (lsr & UART_LSR_TEMT) return { errno: EPERM, message: `inconsistent state in serial device (tsr empty, tsr_retry=${retry}` };
      if (retry > MAX_XMIT_RETRY) s.tsr_retry = MAX_XMIT_RETRY;
    } else if (!(lsr & UART_LSR_TEMT)) {
      return { errno: EPERM, message: `inconsistent state in serial device (tsr not empty, tsr_retry=${retry}` };
    }
    // serial_write_fcr: the sticky FCR bits, and IIR's FIFO-enabled bits follow FCR.FE
    const fcr = Number(s.fcr_vmstate);
    s.fcr = fcr;
    s.iir = fcr & UART_FCR_FE ? Number(s.iir) | UART_IIR_FE : Number(s.iir) & ~UART_IIR_FE & 0xff;
  },
  fields: [
    VMSTATE_UINT16_V('divider', 2),
    VMSTATE_UINT8('rbr'),
    VMSTATE_UINT8('ier'),
    VMSTATE_UINT8('iir'),
    VMSTATE_UINT8('lcr'),
    VMSTATE_UINT8('mcr'),
    VMSTATE_UINT8('lsr'),
    VMSTATE_UINT8('msr'),
    VMSTATE_UINT8('scr'),
    VMSTATE_UINT8_V('fcr_vmstate', 3),
  ],
  subsections: [
    sub(
      'serial/thr_ipending',
      (s) => (Number(s.ier) & UART_IER_THRI ? Number(s.thr_ipending) !== ((Number(s.iir) & UART_IIR_ID) === UART_IIR_THRI ? 1 : 0) : false),
      [VMSTATE_INT32('thr_ipending')],
    ),
    sub('serial/tsr', (s) => Number(s.tsr_retry) !== 0, [VMSTATE_UINT32('tsr_retry'), VMSTATE_UINT8('thr'), VMSTATE_UINT8('tsr')]),
    sub('serial/recv_fifo', (s) => fifoUsed(s.recv_fifo), [VMSTATE_STRUCT('recv_fifo', 1, vmstate_fifo8)]),
    sub('serial/xmit_fifo', (s) => fifoUsed(s.xmit_fifo), [VMSTATE_STRUCT('xmit_fifo', 1, vmstate_fifo8)]),
    sub('serial/fifo_timeout_timer', (s) => BigInt(s.fifo_timeout_timer as bigint) !== -1n, [VMSTATE_TIMER_PTR('fifo_timeout_timer')]),
    sub('serial/timeout_ipending', (s) => Number(s.timeout_ipending) !== 0, [VMSTATE_INT32('timeout_ipending')]),
    sub('serial/poll', (s) => Number(s.poll_msl) >= 0, [VMSTATE_INT32('poll_msl'), VMSTATE_TIMER_PTR('modem_status_poll')]),
  ],
};

/** The ISA wrapper: the core as a nested struct at version 0 of the wrapper. */
export const vmstate_isa_serial: VMStateDescription = {
  name: 'serial',
  version_id: 3,
  minimum_version_id: 2,
  fields: [VMSTATE_STRUCT('state', 0, vmstate_serial)],
};

const emptyFifo = (): State => ({ data: new Uint8Array(UART_FIFO_LENGTH), capacity: UART_FIFO_LENGTH, head: 0, num: 0 });

/** serial_reset: LSR says transmitter and holding register empty, IIR says no interrupt. */
export function serialReset(): State {
  return {
    divider: 0x0c,
    rbr: 0,
    ier: 0,
    iir: 0x01,
    lcr: 0,
    mcr: 0x08,
    lsr: UART_LSR_TEMT | UART_LSR_THRE,
    msr: 0xb0,
    scr: 0,
    fcr: 0,
    fcr_vmstate: 0,
    thr_ipending: 0,
    tsr_retry: 0,
    thr: 0,
    tsr: 0,
    recv_fifo: emptyFifo(),
    xmit_fifo: emptyFifo(),
    fifo_timeout_timer: -1n,
    timeout_ipending: 0,
    poll_msl: -1, // no chardev to poll: serial_update_msl gives up
    modem_status_poll: -1n,
  };
}

export function isaSerial(): DeviceClass {
  return {
    name: 'isa-serial',
    type: 'isa-serial',
    parents: ['isa-device', 'device'],
    props: {
      index: { type: 'uint32', default: 0 },
      iobase: { type: 'uint32', default: 0x3f8 },
      irq: { type: 'uint32', default: 4 },
    },
    vmsd: vmstate_isa_serial,
    idstr: 'serial',
    instanceId: 0,
    reset: () => ({ state: serialReset() }),
    examples() {
      const busy = serialReset();
      Object.assign(busy, { ier: 0x03, iir: 0xc2, lcr: 0x03, lsr: 0x01, fcr: 0x81, tsr_retry: 2, thr: 0x41, tsr: 0x42, timeout_ipending: 1 });
      busy.recv_fifo = { data: new Uint8Array(16).fill(0x61, 0, 3), capacity: 16, head: 0, num: 3 };
      return [{ state: serialReset() }, { state: busy }];
    },
  };
}
