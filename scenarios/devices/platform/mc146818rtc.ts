/**
 * mc146818rtc (hw/rtc/mc146818rtc.c; spec §9.4): version 3, minimum 1;
 * two placeholders both named `unused`; from version 2 the coalesced-IRQ
 * fields, from 3 the time base. Subsection irq_reinject_on_ack_count is
 * sent while the counter is non-zero.
 *
 * post_load recomputes `period` from CMOS register A's rate and register
 * B's PIE bit (rtc_periodic_clock_ticks), so a stream's `period` is
 * replaced; the timer re-arming it also does depends on the host clock and
 * is not modelled.
 */
import {
  VMSTATE_BUFFER,
  VMSTATE_INT64,
  VMSTATE_INT64_V,
  VMSTATE_TIMER_PTR,
  VMSTATE_UINT16,
  VMSTATE_UINT32_V,
  VMSTATE_UINT64_V,
  VMSTATE_UINT8,
  VMSTATE_UNUSED,
  field,
} from '../../../src/vmstate/dsl.js';
import { vmstate_info_timer } from '../../../src/vmstate/info.js';
import * as F from '../../../src/vmstate/flags.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

export const RTC_REG_A = 10;
export const RTC_REG_B = 11;
export const REG_B_PIE = 0x40;

/** rtc_periodic_clock_ticks: the periodic interrupt's period in 32 kHz cycles, 0 when off. */
export function periodicTicks(cmos: Uint8Array): number {
  if (!(cmos[RTC_REG_B]! & REG_B_PIE)) return 0;
  let code = cmos[RTC_REG_A]! & 0x0f;
  if (code === 0) return 0;
  if (code <= 2) code += 7;
  return 1 << (code - 1);
}

const VMSTATE_TIMER_PTR_V = (name: string, version: number) =>
  field(name, { info: vmstate_info_timer, flags: F.VMS_SINGLE | F.VMS_POINTER, version_id: version });

export const vmstate_rtc: VMStateDescription = {
  name: 'mc146818rtc',
  version_id: 3,
  minimum_version_id: 1,
  post_load(s) {
    s.period = periodicTicks(s.cmos_data as Uint8Array);
  },
  fields: [
    VMSTATE_BUFFER('cmos_data', 128),
    VMSTATE_UINT8('cmos_index'),
    VMSTATE_UNUSED(7 * 4),
    VMSTATE_TIMER_PTR('periodic_timer'),
    VMSTATE_INT64('next_periodic_time'),
    VMSTATE_UNUSED(3 * 8),
    VMSTATE_UINT32_V('irq_coalesced', 2),
    VMSTATE_UINT32_V('period', 2),
    VMSTATE_UINT64_V('base_rtc', 3),
    VMSTATE_UINT64_V('last_update', 3),
    VMSTATE_INT64_V('offset', 3),
    VMSTATE_TIMER_PTR_V('update_timer', 3),
    VMSTATE_UINT64_V('next_alarm_time', 3),
  ],
  subsections: [
    {
      name: 'mc146818rtc/irq_reinject_on_ack_count',
      version_id: 1,
      minimum_version_id: 1,
      needed: (s) => Number(s.irq_reinject_on_ack_count) !== 0,
      fields: [VMSTATE_UINT16('irq_reinject_on_ack_count')],
    },
  ],
};

/** A freshly reset RTC: register A 0x26 (32 kHz base, 1024 Hz rate), B 0x02 (24-hour), D 0x80 (valid RAM and time). */
export function rtcReset(): State {
  const cmos = new Uint8Array(128);
  cmos[RTC_REG_A] = 0x26;
  cmos[RTC_REG_B] = 0x02;
  cmos[13] = 0x80;
  return {
    cmos_data: cmos,
    cmos_index: 0,
    periodic_timer: -1n,
    next_periodic_time: 0n,
    irq_coalesced: 0,
    period: 0,
    base_rtc: 0n,
    last_update: 0n,
    offset: 0n,
    update_timer: -1n,
    next_alarm_time: 0n,
    irq_reinject_on_ack_count: 0,
  };
}

export function mc146818rtc(): DeviceClass {
  return {
    name: 'mc146818rtc',
    type: 'mc146818rtc',
    parents: ['isa-device', 'device'],
    props: {
      base_year: { type: 'int32', default: 1980 },
      iobase: { type: 'uint32', default: 0x70 },
      irq: { type: 'uint32', default: 8 },
      lost_tick_policy: { type: 'string', default: 'discard' },
    },
    vmsd: vmstate_rtc,
    idstr: 'mc146818rtc',
    instanceId: 0,
    reset: rtcReset,
    examples() {
      const ticking = rtcReset();
      (ticking.cmos_data as Uint8Array)[RTC_REG_B] = 0x42; // periodic interrupt on
      Object.assign(ticking, { period: periodicTicks(ticking.cmos_data as Uint8Array), periodic_timer: 1_000_000n, irq_reinject_on_ack_count: 3 });
      return [rtcReset(), ticking];
    },
  };
}
