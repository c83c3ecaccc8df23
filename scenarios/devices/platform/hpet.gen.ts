/**
 * hpet: the number of timers is a property a guest cannot change, so a
 * state a running guest reaches has the configured count (7.2 … 9.2 would
 * accept any count in 3..32 and overwrite the property with it; 10.0 only
 * the configured one). The capability register is read-only to the guest:
 * it is what realize built for the count (hpet.ts's reset).
 */
import type { DeviceGen } from '../../../src/gen/index.js';
import type { State } from '../../../src/vmstate/types.js';

export const hpetGen: DeviceGen = {
  refine(s, props) {
    const n = Number(props.timers);
    s.num_timers = n;
    if ('num_timers_save' in s) s.num_timers_save = n;
    const timers = (s.timer as State[]) ?? [];
    if (timers.length > n) s.timer = timers.slice(0, n);
    if ('capability' in s) s.capability = 0x8086a001n | (BigInt(n - 1) << 8n) | (10_000_000n << 32n);
    return s;
  },
};
