/**
 * qemu-xhci: the PCI function (with MSI-X) as pci.gen.ts makes it, the
 * controller as the VMSD says, then: no slot is addressed (the load would
 * read its context from guest memory, which the model has not), and the
 * MSI-X use flags are whatever the guest set.
 */
import fc from 'fast-check';
import type { DeviceGen } from '../../../src/gen/index.js';
import type { State } from '../../../src/vmstate/types.js';
import { pciCustom, refinePciDevice } from '../../common/pci.gen.js';
import { xhciLayout } from './xhci.js';

export const xhciGen: DeviceGen = {
  // the event queue never travels (its test is always false)
  custom: { ...pciCustom, 'xhci-event array': () => fc.constant({}) },
  refine(s, props) {
    refinePciDevice(s, 'parent_obj', xhciLayout(props));
    for (const slot of (s.xhci as State).slots as State[]) slot.addressed = false;
    return s;
  },
};
