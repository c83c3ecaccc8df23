/** rtl8139: every register as the VMSD says, the PCI function as pci.gen.ts makes it. */
import type { DeviceGen } from '../../../src/gen/index.js';
import { pciCustom, refinePciDevice } from '../../common/pci.gen.js';
import { rtl8139Layout } from './rtl8139.js';

export const rtl8139Gen: DeviceGen = {
  custom: pciCustom,
  refine(s, props) {
    refinePciDevice(s, 'parent_obj', rtl8139Layout(props));
    return s;
  },
};
