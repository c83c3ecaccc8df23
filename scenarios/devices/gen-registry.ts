/**
 * Which generator knowledge each device model has, by device name (the
 * DeviceClass `name`). A device missing here is generated from its VMSD
 * alone, its custom codecs keeping their reset values.
 */
import fc from 'fast-check';
import type { Engine } from '../../src/machine/engine.js';
import { stateArbitrary, type DeviceGen, type StateArbitraryOptions } from '../../src/gen/index.js';
import type { State } from '../../src/vmstate/types.js';
import { isaIpmiKcsGen } from './isa-ipmi-kcs.gen.js';
import { virtioGpuGen } from './virtio-gpu.gen.js';
import { virtioNetGen } from './virtio-net.gen.js';
import { virtioBlkGen } from './virtio-blk.gen.js';
import { virtioBalloonGen } from './virtio-balloon.gen.js';
import { virtioRngGen } from './virtio-rng.gen.js';
import { e1000Gen } from './pci/e1000.gen.js';
import { e1000eGen } from './pci/e1000e.gen.js';
import { rtl8139Gen } from './pci/rtl8139.gen.js';
import { ahciGen } from './pci/ahci.gen.js';
import { ehciGen } from './pci/ehci.gen.js';
import { xhciGen } from './pci/xhci.gen.js';
import { fwCfgGen } from './platform/fw_cfg.gen.js';
import { globalstateGen } from './platform/globalstate.gen.js';
import { hpetGen } from './platform/hpet.gen.js';
import { mc146818rtcGen } from './platform/mc146818rtc.gen.js';
import { pckbdGen } from './platform/pckbd.gen.js';
import { ps2Gen } from './platform/ps2.gen.js';
import { isaSerialGen } from './platform/serial.gen.js';
import { i440fxGen, ich9LpcGen, ich9SmbGen, mchGen, piix3Gen, piix4PmGen, pvpanicPciGen } from './platform/pci-functions.gen.js';

export const genRegistry: Readonly<Record<string, DeviceGen>> = {
  'virtio-gpu': virtioGpuGen,
  'virtio-net': virtioNetGen,
  'virtio-blk': virtioBlkGen,
  'virtio-balloon': virtioBalloonGen,
  'virtio-rng': virtioRngGen,
  e1000: e1000Gen,
  e1000e: e1000eGen,
  rtl8139: rtl8139Gen,
  'ich9-ahci': ahciGen(),
  'usb-ehci': ehciGen('usb-ehci'),
  'ich9-usb-ehci1': ehciGen('ich9-usb-ehci1'),
  'qemu-xhci': xhciGen,
  'isa-ipmi-kcs': isaIpmiKcsGen,
  'isa-serial': isaSerialGen,
  mc146818rtc: mc146818rtcGen,
  hpet: hpetGen,
  fw_cfg: fwCfgGen,
  pckbd: pckbdGen,
  ps2kbd: ps2Gen,
  ps2mouse: ps2Gen,
  globalstate: globalstateGen,
  'ich9-lpc': ich9LpcGen,
  piix4_pm: piix4PmGen,
  'pvpanic-pci': pvpanicPciGen,
  mch: mchGen,
  i440fx: i440fxGen,
  PIIX3: piix3Gen,
  ich9_smb: ich9SmbGen,
};

export function deviceGen(deviceName: string): DeviceGen | undefined {
  return genRegistry[deviceName];
}

/** stateArbitrary with the registered generator of the engine's device `deviceKey`. */
export function deviceStateArbitrary(engine: Engine, deviceKey: string, options?: StateArbitraryOptions): fc.Arbitrary<State> {
  return stateArbitrary(engine, deviceKey, deviceGen(engine.instance(deviceKey).cls.name) ?? {}, options);
}
