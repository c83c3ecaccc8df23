/**
 * hpet (hw/timer/hpet.c): VMSD `hpet` version 2, minimum 1, a variable
 * array of `hpet_timer` structs counted by a uint8 that travels first, a
 * VMSTATE_VALIDATE between them, and two subsections.
 *
 * 7.2 … 9.2: the count is the member `num_timers` itself; pre_load sets it
 * to 3 (all a v1 stream has) and the load overwrites the device's property
 * with the stream's value, validated to 3..32; post_load re-derives the
 * HPET_ID capability from it.
 * 10.0 (1433e38cc840 "hpet: do not overwrite properties on post_load",
 * Paolo Bonzini's PULL 02/34 of 2025-02-27, before 10.0's freeze): the
 * stream's count goes into a copy, `num_timers_save`, that pre_save fills
 * from the property; the validation requires it to equal the
 * destination's own count, and the array is counted by that own
 * `num_timers` (not on the wire). pre_load is gone. Same bytes on the wire.
 */
import {
  VMSTATE_STRUCT_VARRAY_UINT8,
  VMSTATE_TIMER_PTR,
  VMSTATE_UINT64,
  VMSTATE_UINT8,
  VMSTATE_UINT8_V,
  VMSTATE_VALIDATE,
} from '../../../src/vmstate/dsl.js';
import type { FieldExists, State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

export type HpetVariant = '7.2' | '10.0';

export const HPET_MIN_TIMERS = 3;
export const HPET_MAX_TIMERS = 32;
export const HPET_TN_FSB_CAP = 0x8000n;
const HPET_ID_NUM_TIM_SHIFT = 8n;
const HPET_ID_NUM_TIM_MASK = 0x1f00n;

export const vmstate_hpet_timer: VMStateDescription = {
  name: 'hpet_timer',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_UINT8('tn'),
    VMSTATE_UINT64('config'),
    VMSTATE_UINT64('cmp'),
    VMSTATE_UINT64('fsb'),
    VMSTATE_UINT64('period'),
    VMSTATE_UINT8('wrap_flag'),
    VMSTATE_TIMER_PTR('qemu_timer'),
  ],
};

const subsections: VMStateDescription[] = [
  {
    name: 'hpet/rtc_irq_level',
    version_id: 1,
    minimum_version_id: 1,
    needed: (s) => Number(s.rtc_irq_level) !== 0,
    fields: [VMSTATE_UINT8('rtc_irq_level')],
  },
  {
    name: 'hpet/offset',
    version_id: 1,
    minimum_version_id: 1,
    // sent only while the HPET is enabled, and only by machines that keep the offset (hw_compat_2_11 turns it off)
    needed: (s, ctx) => (BigInt(s.config as bigint) & 1n) === 1n && ctx.props['hpet-offset-saved'] === true,
    fields: [VMSTATE_UINT64('hpet_offset')],
  },
];

const validate72: FieldExists = (s) => Number(s.num_timers) >= HPET_MIN_TIMERS && Number(s.num_timers) <= HPET_MAX_TIMERS;
const validate10: FieldExists = (s) => Number(s.num_timers_save) === Number(s.num_timers);

export function vmstate_hpet(variant: HpetVariant): VMStateDescription {
  if (variant === '7.2') {
    return {
      name: 'hpet',
      version_id: 2,
      minimum_version_id: 1,
      pre_load(s) {
        s.num_timers = HPET_MIN_TIMERS;
      },
      post_load(s) {
        // the number of timers goes into the capability the guest reads from HPET_ID
        const cap = BigInt(s.capability as bigint) & ~HPET_ID_NUM_TIM_MASK;
        s.capability = cap | (BigInt(Number(s.num_timers) - 1) << HPET_ID_NUM_TIM_SHIFT);
      },
      fields: [
        VMSTATE_UINT64('config'),
        VMSTATE_UINT64('isr'),
        VMSTATE_UINT64('hpet_counter'),
        VMSTATE_UINT8_V('num_timers', 2),
        VMSTATE_VALIDATE('num_timers in range', validate72),
        VMSTATE_STRUCT_VARRAY_UINT8('timer', 'num_timers', 0, vmstate_hpet_timer),
      ],
      subsections,
    };
  }
  return {
    name: 'hpet',
    version_id: 2,
    minimum_version_id: 1,
    pre_save(s) {
      s.num_timers_save = s.num_timers;
    },
    fields: [
      VMSTATE_UINT64('config'),
      VMSTATE_UINT64('isr'),
      VMSTATE_UINT64('hpet_counter'),
      VMSTATE_UINT8_V('num_timers_save', 2),
      VMSTATE_VALIDATE('num_timers must match', validate10),
      VMSTATE_STRUCT_VARRAY_UINT8('timer', 'num_timers', 0, vmstate_hpet_timer),
    ],
    subsections,
  };
}

/** hpet_reset: every comparator at all-ones, periodic and 64-bit capable, IOAPIC input 2 routable. */
function timer(tn: number): State {
  return { tn, config: (0x4n << 32n) | 0x30n, cmp: 0xffffffffffffffffn, fsb: 0n, period: 0n, wrap_flag: 0, qemu_timer: -1n };
}

export function hpet(variant: HpetVariant): DeviceClass {
  return {
    name: 'hpet',
    type: 'hpet',
    parents: ['sys-bus-device', 'device'],
    props: {
      timers: { type: 'uint8', default: HPET_MIN_TIMERS },
      msi: { type: 'bool', default: false },
      'hpet-intcap': { type: 'uint32', default: 0 },
      'hpet-offset-saved': { type: 'bool', default: true },
    },
    vmsd: vmstate_hpet(variant),
    idstr: 'hpet',
    instanceId: 0,
    guestVisible: variant === '7.2' ? ['capability'] : undefined,
    reset(p) {
      const n = Number(p.timers);
      const s: State = {
        config: 0n,
        isr: 0n,
        hpet_counter: 0n,
        timer: Array.from({ length: n }, (_, i) => timer(i)),
        rtc_irq_level: 0,
        hpet_offset: 0n,
        capability: 0x8086a001n | (BigInt(n - 1) << HPET_ID_NUM_TIM_SHIFT) | (10_000_000n << 32n),
      };
      s.num_timers = n; // 10.0: the property itself, never loaded
      if (variant === '10.0') s.num_timers_save = n;
      return s;
    },
  };
}
