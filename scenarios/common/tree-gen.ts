/**
 * What a running guest can reach that no VMSD says, for classes of an
 * extracted release, keyed by QOM type: a rule the generator applies to
 * every state (DeviceGen.refine), with the reason each verdict of the
 * class carries. The same knowledge as the hand models' generators
 * (scenarios/devices/*.gen.ts), stated over the tree's member names.
 */
import type { StateRule } from '../../src/source/release/convert.js';
import type { State } from '../../src/vmstate/types.js';
import { hpetGen } from '../devices/platform/hpet.gen.js';

export const stateRules: Readonly<Record<string, StateRule>> = {
  // hw/timer/hpet.c: the timer count is the `timers` property (hpet_realize), which no guest access changes, and the
  // capability register realize builds from it is read-only to the guest: as the hand model's hpet.gen.ts
  hpet: {
    why: "hpet's timer count held at the timers property, its capability register at what realize builds (a guest changes neither)",
    refine: (s, p) => hpetGen.refine!(s, p),
  },
  // hw/net/e1000e_core.c (7.2): a throttled interrupt sets itr/eitr_intr_pending[i] only while that timer runs, and the timer
  // notifies when it fires; 8.0 ("e1000e: Remove pending interrupt flags") drops the flags and notifies on every expiry, so
  // 10.0 loses nothing a 7.2 guest can have pending. As e1000e.gen.ts: the 7.2 flags stay clear, the running flags follow the timers.
  e1000e: {
    why: "e1000e's 7.2 interrupt-pending flags held clear (8.0 dropped them on purpose: duplicates of the throttling timers)",
    refine(s) {
      if ('core.itr_intr_pending' in s) s['core.itr_intr_pending'] = false;
      if (Array.isArray(s['core.eitr_intr_pending'])) s['core.eitr_intr_pending'] = (s['core.eitr_intr_pending'] as unknown[]).map(() => false);
      for (const k of ['core.rdtr', 'core.radv', 'core.raid', 'core.tadv', 'core.tidv', 'core.itr']) {
        const t = s[k] as State | undefined;
        if (t && 'running' in t) t.running = BigInt(t.timer as bigint) !== -1n;
      }
      for (const t of (s['core.eitr'] as State[] | undefined) ?? []) if ('running' in t) t.running = BigInt(t.timer as bigint) !== -1n;
      return s;
    },
  },
};
