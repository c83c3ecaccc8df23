/**
 * EHCI: every register as the VMSD says; frindex a multiple of 8, as
 * pre_save leaves it (a state with a finer frame index is saved rounded
 * down, with last_run_ns moved back to match).
 */
import type { DeviceGen } from '../../../src/gen/index.js';
import type { State } from '../../../src/vmstate/types.js';
import { pciCustom, refinePciDevice } from '../../common/pci.gen.js';
import { ehciLayouts, type EhciType } from './ehci.js';

export function ehciGen(type: EhciType): DeviceGen {
  return {
    custom: pciCustom,
    refine(s, props) {
      refinePciDevice(s, 'pcidev', ehciLayouts[type](props));
      const ehci = s.ehci as State;
      ehci.frindex = (Number(ehci.frindex) & ~7) >>> 0;
      return s;
    },
  };
}
