/**
 * e1000e: the PCI function (with MSI-X) as pci.gen.ts makes it, the
 * register file as e1000's generator does, the rest as the VMSD says;
 * then: the subsystem ids are the device's own (the destination compares
 * them with its properties), the 7.2 pending-interrupt flags stay clear
 * (later releases drop them on purpose), the timers' running flags follow
 * whether they are armed. One generator per AER mask behaviour
 * (uncMaskMode), since the config space it refines against depends on it.
 */
import type { DeviceGen } from '../../../src/gen/index.js';
import type { State } from '../../../src/vmstate/types.js';
import { pciCustom, refinePciDevice } from '../../common/pci.gen.js';
import { macRegArbitrary } from './e1000.gen.js';
import type { UncMaskMode } from '../../common/pcie.js';
import { E1000E_MSIX_VEC_NUM, e1000eLayout } from './e1000e.js';

const gens = new Map<UncMaskMode, DeviceGen>();

export function e1000eGenOf(uncMask: UncMaskMode): DeviceGen {
  let g = gens.get(uncMask);
  if (!g) gens.set(uncMask, (g = makeGen(uncMask)));
  return g;
}

const makeGen = (uncMask: UncMaskMode): DeviceGen => ({
  custom: { ...pciCustom, 'uint32 array': macRegArbitrary },
  refine(s, props) {
    refinePciDevice(s, 'parent_obj', e1000eLayout(uncMask)(props));
    s.subsys = Number(props.subsys);
    s.subsys_ven = Number(props.subsys_ven);
    if ('core.itr_intr_pending' in s) {
      s['core.itr_intr_pending'] = false;
      s['core.eitr_intr_pending'] = new Array<boolean>(E1000E_MSIX_VEC_NUM).fill(false);
    }
    for (const t of [...['core.rdtr', 'core.radv', 'core.raid', 'core.tadv', 'core.tidv', 'core.itr'].map((k) => s[k] as State), ...(s['core.eitr'] as State[])]) {
      t.running = BigInt(t.timer as bigint) !== -1n;
    }
    return s;
  },
});
