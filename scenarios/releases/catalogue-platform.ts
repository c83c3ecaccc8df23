/**
 * The PC platform device models per release: which variant of each
 * device a release has, and what `-M <board> -nodefaults` registers, in
 * registration order (the section order of a real stream; apic, cpu and
 * the PCI host bridges' own sections aside). Device classes are built once
 * per variant and shared by every release that has that variant.
 */
import type { DeviceClass } from '../../src/machine/types.js';
import { apic } from '../devices/platform/apic.js';
import { acpiBuild, i2cBus, kvmvapic, pciBus, pciHost, timers } from '../devices/platform/board.js';
import { fwCfg } from '../devices/platform/fw_cfg.js';
import { globalstate, type GlobalStateVariant } from '../devices/platform/globalstate.js';
import { hpet, type HpetVariant } from '../devices/platform/hpet.js';
import { i8254 } from '../devices/platform/i8254.js';
import { i8259, i8259HasLtim } from '../devices/platform/i8259.js';
import { ioapic } from '../devices/platform/ioapic.js';
import { ipmiBmcSim } from '../devices/platform/ipmi-bmc-sim.js';
import { mc146818rtc } from '../devices/platform/mc146818rtc.js';
import { pckbd } from '../devices/platform/pckbd.js';
import { ps2kbd, ps2mouse } from '../devices/platform/ps2.js';
import { isaSerial } from '../devices/platform/serial.js';
import { i8257, pcspk, port92, vmmouse } from '../devices/platform/small.js';
import { ich9Lpc, ich9LpcVariant, type Ich9LpcVariant } from '../devices/platform/ich9-lpc.js';
import { piix4Pm } from '../devices/platform/piix4-pm.js';
import { pvpanicEvents, pvpanicPci } from '../devices/platform/pvpanic-pci.js';
import { i440fx, ich9Smb, mch, piix3 } from '../devices/platform/host-bridges.js';
import type { DeviceGen } from '../../src/gen/index.js';
import { fwCfgGen } from '../devices/platform/fw_cfg.gen.js';
import { globalstateGen } from '../devices/platform/globalstate.gen.js';
import { hpetGen } from '../devices/platform/hpet.gen.js';
import { mc146818rtcGen } from '../devices/platform/mc146818rtc.gen.js';
import { pckbdGen } from '../devices/platform/pckbd.gen.js';
import { ps2Gen } from '../devices/platform/ps2.gen.js';
import { isaSerialGen } from '../devices/platform/serial.gen.js';
import { i440fxGen, ich9LpcGen, ich9SmbGen, mchGen, piix3Gen, piix4PmGen, pvpanicPciGen } from '../devices/platform/pci-functions.gen.js';

/** Orders release names: 9.0.1 < 9.1.0 < 10.0.0. */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export const since = (release: string, first: string) => compareReleases(release, first) >= 0;

const once = <T>(make: () => T) => {
  let v: T | undefined;
  return () => (v ??= make());
};
/** A device class with its generator (the class carries it: nothing looks generators up by name). */
const withGen = (make: () => DeviceClass, gen: DeviceGen) => () => ({ ...make(), gen });
const shared = {
  timer: once(timers),
  vapic: once(kvmvapic),
  pciHost: once(pciHost),
  pcie0: once(() => pciBus('pcie.0')),
  pci0: once(() => pciBus('pci.0')),
  i2c: once(i2cBus),
  acpi: once(acpiBuild),
  apic: once(apic),
  fwCfg: once(withGen(fwCfg, fwCfgGen)),
  i8257: once(i8257),
  i8259: [once(() => i8259(false)), once(() => i8259(true))] as const,
  ioapic: once(ioapic),
  rtc: once(withGen(mc146818rtc, mc146818rtcGen)),
  pit: once(i8254),
  pcspk: once(pcspk),
  ps2kbd: once(withGen(ps2kbd, ps2Gen)),
  ps2mouse: once(withGen(ps2mouse, ps2Gen)),
  pckbd: once(withGen(pckbd, pckbdGen)),
  vmmouse: once(vmmouse),
  port92: once(port92),
  serial: once(withGen(isaSerial, isaSerialGen)),
  bmc: once(ipmiBmcSim),
  lpc: {
    '7.2': once(withGen(() => ich9Lpc('7.2'), ich9LpcGen)),
    '8.0': once(withGen(() => ich9Lpc('8.0'), ich9LpcGen)),
    '9.1': once(withGen(() => ich9Lpc('9.1'), ich9LpcGen)),
    '9.2': once(withGen(() => ich9Lpc('9.2'), ich9LpcGen)),
  } as Record<Ich9LpcVariant, () => DeviceClass>,
  piix4pm: once(withGen(piix4Pm, piix4PmGen)),
  pvpanic: [once(withGen(() => pvpanicPci(3), pvpanicPciGen)), once(withGen(() => pvpanicPci(7), pvpanicPciGen))] as const,
  mch: once(withGen(mch, mchGen)),
  i440fx: once(withGen(i440fx, i440fxGen)),
  piix3: once(withGen(piix3, piix3Gen)),
  smb: once(withGen(ich9Smb, ich9SmbGen)),
};
const hpets: Partial<Record<HpetVariant, DeviceClass>> = {};
const globalstates: Partial<Record<GlobalStateVariant, DeviceClass>> = {};

/** Which variant each changed device has in `release`. */
export function platformVariants(release: string): { hpet: HpetVariant; globalstate: GlobalStateVariant } {
  return {
    // 1433e38cc840 "hpet: do not overwrite properties on post_load" (PULL of 2025-02-27, 10.0 cycle): num_timers_save, validated against the property
    hpet: since(release, '10.0.0') ? '10.0' : '7.2',
    // d3c86c99 "migration: propagate suspended runstate" (9.0: its author lists it among the commits "landed in qemu 9.0", missing from 8.2, on qemu-devel): runstate[32] + vm_was_suspended
    globalstate: since(release, '9.0.0') ? '9.0' : '7.2',
  };
}

/** The platform device classes of `release`, in registration order of a q35 machine. */
export function platformDevices(release: string): DeviceClass[] {
  const v = platformVariants(release);
  return [
    shared.timer(),
    shared.vapic(),
    shared.apic(),
    shared.fwCfg(),
    shared.mch(),
    shared.i440fx(),
    shared.pciHost(),
    shared.pcie0(),
    shared.pci0(),
    shared.i8257(),
    shared.lpc[ich9LpcVariant(release)](),
    shared.piix4pm(),
    shared.piix3(),
    shared.rtc(),
    shared.i8259[i8259HasLtim(release) ? 1 : 0](),
    shared.ioapic(),
    (hpets[v.hpet] ??= { ...hpet(v.hpet), gen: hpetGen }),
    shared.pit(),
    shared.pcspk(),
    shared.ps2kbd(),
    shared.ps2mouse(),
    shared.pckbd(),
    shared.vmmouse(),
    shared.port92(),
    shared.i2c(),
    shared.smb(),
    shared.serial(),
    shared.bmc(),
    shared.pvpanic[pvpanicEvents(release) === 7 ? 1 : 0](),
    shared.acpi(),
    (globalstates[v.globalstate] ??= { ...globalstate(v.globalstate), gen: globalstateGen }),
  ];
}

/** Devices a case adds with -device, in the order they register after the board's (acpi_build and globalstate come last). */
export const PLATFORM_ADDONS = ['isa-serial', 'ipmi-bmc-sim', 'isa-ipmi-kcs', 'pvpanic-pci'];

/** The south-bridge functions, one per board. */
export const BOARD_ONLY: Record<'pc-q35' | 'pc-i440fx', string[]> = { 'pc-q35': ['mch', 'ich9-lpc', 'ich9_smb'], 'pc-i440fx': ['i440fx', 'PIIX3', 'piix4_pm'] };

/** Registered after every device, in this order. */
export const PLATFORM_LAST = ['acpi_build', 'globalstate'];

/**
 * What `-M <board>-X -nodefaults` registers of the modelled platform
 * devices, in registration order, as seen in real 7.2 and 10.0 streams
 * (the CPU's, the south bridge's, IDE/AHCI/SMBus controllers' and the
 * floppy's sections sit between these, unmodelled here). 10.0 registers
 * the RTC before the south bridge, and on i440fx the host bridge before
 * fw_cfg and the SMBus with the south bridge — not a compatibility fact:
 * the loader finds sections by name. Repeated names are further instances
 * (the DMA and PIC pairs).
 */
export function platformDefaults(release: string, board: 'pc-q35' | 'pc-i440fx'): string[] {
  const bus = board === 'pc-q35' ? 'pcie.0' : 'pci.0';
  const cpu = ['timer', 'kvm-tpr-opt', 'apic'];
  const pics = ['i8259', 'i8259', 'ioapic', 'hpet'];
  const isa = ['i8254', 'pcspk', 'ps2kbd', 'ps2mouse', 'pckbd', 'vmmouse', 'port92'];
  const q35 = board === 'pc-q35';
  if (!since(release, '10.0.0')) {
    return q35
      ? [...cpu, 'fw_cfg', 'mch', 'PCIHost', bus, 'i8257', 'i8257', 'ich9-lpc', ...pics, 'mc146818rtc', ...isa, 'i2c_bus', 'ich9_smb']
      : [...cpu, 'fw_cfg', 'PCIHost', bus, 'i440fx', 'i8257', 'i8257', 'PIIX3', ...pics, 'mc146818rtc', ...isa, 'i2c_bus', 'piix4_pm'];
  }
  if (q35) return [...cpu, 'fw_cfg', 'mch', 'PCIHost', bus, 'i8257', 'i8257', 'mc146818rtc', 'ich9-lpc', ...pics, ...isa, 'i2c_bus', 'ich9_smb'];
  return [...cpu, 'i440fx', 'PCIHost', bus, 'fw_cfg', 'i8257', 'i8257', 'mc146818rtc', 'i2c_bus', 'piix4_pm', 'PIIX3', ...pics, ...isa];
}
