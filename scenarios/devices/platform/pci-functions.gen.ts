/**
 * The platform's PCI functions (ICH9-LPC, PIIX4_PM, pvpanic-pci): their
 * PCIDevice members come from the PCI catalogue's arbitraries; the device
 * rule is that only the function's own INTx pin can be raised, with the
 * status bit following it.
 */
import type { DeviceGen } from '../../../src/gen/index.js';
import type { PciLayout } from '../../common/pci.js';
import { pciCustom, refinePciDevice } from '../../common/pci.gen.js';
import { ich9LpcLayout } from './ich9-lpc.js';
import { piix4PmLayout } from './piix4-pm.js';
import { pvpanicPciLayout } from './pvpanic-pci.js';

const pciFunction = (member: string, layout: PciLayout, more?: DeviceGen['refine']): DeviceGen => ({
  custom: pciCustom,
  refine(s, props) {
    refinePciDevice(s, member, layout(props));
    return more ? more(s, props) : s;
  },
});

export const ich9LpcGen = pciFunction('d', ich9LpcLayout);
export const piix4PmGen = pciFunction('parent_obj', piix4PmLayout);
export const pvpanicPciGen = pciFunction('dev', pvpanicPciLayout);
