/** mc146818rtc's post_load recomputes `period` from the CMOS registers: generate it that way. */
import type { DeviceGen } from '../../../src/gen/index.js';
import { periodicTicks } from './mc146818rtc.js';

export const mc146818rtcGen: DeviceGen = {
  refine(s) {
    s.period = periodicTicks(s.cmos_data as Uint8Array);
    return s;
  },
};
