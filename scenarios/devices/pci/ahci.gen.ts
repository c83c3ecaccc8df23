/**
 * ich9-ahci: the register file and IDE state as the VMSDs say, then what
 * a running controller keeps true and post_load checks or restores:
 *
 *   the DMA and FIS engines run exactly when the guest started them
 *   (LIST_ON = START, FIS_ON = FIS_RX); a port with START set and no
 *   command in progress has no command issued (the load would resume the
 *   command list from guest memory, which the model has not); the busy
 *   slot is -1 or a command slot; NCQ tags are command slots, a used
 *   transfer is halted and a halted one is active in SActive; the IDE
 *   end-of-transfer function is one of the six; the drive sees its bus's
 *   error status; the PIO buffer is zero or any bytes.
 */
import fc from 'fast-check';
import { biased, type CustomArbitrary, type DeviceGen } from '../../../src/gen/index.js';
import type { State } from '../../../src/vmstate/types.js';
import { pciCustom, refinePciDevice } from '../../common/pci.gen.js';
import { AHCI_MAX_CMDS, PORT_CMD_FIS_ON, PORT_CMD_FIS_RX, PORT_CMD_LIST_ON, PORT_CMD_START, ich9AhciLayout } from './ahci.js';
import { BUS_ERROR_STATUS, DRQ_STAT, IDE_RETRY_PIO, IO_BUFFER_TOTAL_LEN, TRANSFER_END_FUNCS, isZero } from './ide.js';

// An all-zero buffer travels as none: decided on the 64 bytes that can be set, or once on the reset buffer, never by scanning 128 KiB per state.
// The arbitrary draws the 64-byte head; refine makes the 128 KiB buffer only for the port in a PIO transfer (at most one: the others drop it).
const ioBuffer: CustomArbitrary = (ctx) => {
  const reset = ctx.resetState.io_buffer as Uint8Array;
  const head = (b: Uint8Array): Uint8Array => (isZero(b) ? new Uint8Array(0) : b);
  return biased(isZero(reset) ? new Uint8Array(0) : reset, fc.uint8Array({ minLength: 64, maxLength: 64 }).map(head)).map((io_buffer) => ({ io_buffer }));
};

/** The whole PIO buffer from a drawn head (or the reset buffer, already whole). */
function wholeBuffer(b: Uint8Array): Uint8Array {
  if (b.length === 0 || b.length >= IO_BUFFER_TOTAL_LEN) return b;
  const out = new Uint8Array(IO_BUFFER_TOTAL_LEN);
  out.set(b);
  return out;
}

export function ahciGen(multifunction = false): DeviceGen {
  return {
    custom: { ...pciCustom, 'uint8 varray': ioBuffer },
    refine(s, props) {
      refinePciDevice(s, 'parent_obj', ich9AhciLayout(multifunction)(props));
      let pio = false;
      for (const ad of (s.ahci as State).dev as State[]) {
        let cmd = Number(ad['port_regs.cmd']) >>> 0;
        cmd &= ~(PORT_CMD_LIST_ON | PORT_CMD_FIS_ON);
        if (cmd & PORT_CMD_START) cmd |= PORT_CMD_LIST_ON;
        if (cmd & PORT_CMD_FIS_RX) cmd |= PORT_CMD_FIS_ON;
        ad['port_regs.cmd'] = cmd >>> 0;
        const busy = Number(ad.busy_slot) | 0;
        ad.busy_slot = busy >= -1 && busy < AHCI_MAX_CMDS ? busy : -1;
        if (cmd & PORT_CMD_START && ad.busy_slot === -1) ad['port_regs.cmd_issue'] = 0;
        let act = Number(ad['port_regs.scr_act']) >>> 0;
        for (const t of ad.ncq_tfs as State[]) {
          t.tag = Number(t.tag) % AHCI_MAX_CMDS;
          if (t.used) t.halt = true;
          if (t.halt) act = (act | (1 << Number(t.tag))) >>> 0;
        }
        ad['port_regs.scr_act'] = act;
        const drive = ad['port.ifs[0]'] as State;
        drive.end_transfer_fn_idx = Number(drive.end_transfer_fn_idx) % TRANSFER_END_FUNCS;
        drive[BUS_ERROR_STATUS] = (ad.port as State).error_status;
        // at most one port in a PIO transfer: each one puts its 128 KiB buffer on the wire
        if (pio) {
          drive.status = Number(drive.status) & ~DRQ_STAT;
          if (Number(drive[BUS_ERROR_STATUS]) & IDE_RETRY_PIO) {
            (ad.port as State).error_status = drive[BUS_ERROR_STATUS] = Number(drive[BUS_ERROR_STATUS]) & ~IDE_RETRY_PIO;
          }
        }
        const inPio = (Number(drive.status) & DRQ_STAT) !== 0 || (Number(drive[BUS_ERROR_STATUS]) & IDE_RETRY_PIO) !== 0;
        pio ||= inPio;
        // the PIO buffer travels only with ide_drive/pio_state
        drive.io_buffer = inPio ? wholeBuffer(drive.io_buffer as Uint8Array) : new Uint8Array(0);
      }
      return s;
    },
  };
}
