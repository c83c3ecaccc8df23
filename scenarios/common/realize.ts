/**
 * Values a device's realize sets that its VMSDs count or size by but never
 * migrate, keyed by the C names they stand for: the VMSD whose struct holds
 * the member, and the member path inside it. An extracted release applies
 * them to the reset state (src/source/release/convert.ts) and every verdict
 * of a class that uses one says so ("realize-time size from the override
 * table").
 *
 * Each entry names where QEMU sets it, so it can be checked against the
 * tree; an entry that matches nothing in a tree is simply unused.
 */
import type { RealizeOverride } from '../../src/source/release/bindings.js';

export const realizeOverrides: readonly RealizeOverride[] = [
  // hw/char/serial.c serial_realize: fifo8_create(&s->recv_fifo / &s->xmit_fifo, UART_FIFO_LENGTH), 16 (include/hw/char/serial.h)
  { vmsd: 'serial', member: 'recv_fifo.capacity', value: 16, from: 'serial_realize: fifo8_create(&s->recv_fifo, UART_FIFO_LENGTH)' },
  { vmsd: 'serial', member: 'xmit_fifo.capacity', value: 16, from: 'serial_realize: fifo8_create(&s->xmit_fifo, UART_FIFO_LENGTH)' },
];
