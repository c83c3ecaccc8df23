/**
 * The platform's PCI functions (ICH9-LPC, PIIX4_PM, pvpanic-pci, the host
 * bridges, PIIX3): their
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
import { i440fxLayout, ich9SmbLayout, mchLayout, piix3Layout } from './host-bridges.js';

const pciFunction = (member: string, layout: PciLayout, more?: DeviceGen['refine']): DeviceGen => ({
  custom: pciCustom,
  refine(s, props) {
    refinePciDevice(s, member, layout(props));
    return more ? more(s, props) : s;
  },
});

/** PIIX3's reset control register keeps only SYS_RST (bit 1): a 4 resets the machine instead. */
const rcr: DeviceGen['refine'] = (s) => ((s.rcr = Number(s.rcr) & 0x02), s);

export const ich9LpcGen = pciFunction('d', ich9LpcLayout, (s) => ((s.rst_cnt = Number(s.rst_cnt) & 0x0a), s));
export const piix4PmGen = pciFunction('parent_obj', piix4PmLayout);
export const pvpanicPciGen = pciFunction('dev', pvpanicPciLayout);
export const mchGen = pciFunction('parent_obj', mchLayout);
export const i440fxGen = pciFunction('parent_obj', i440fxLayout);
export const piix3Gen = pciFunction('dev', piix3Layout, rcr);
export const ich9SmbGen = pciFunction('dev', ich9SmbLayout);
