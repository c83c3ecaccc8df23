/**
 * ICH9-LPC, q35's LPC bridge at 00:1f.0 (hw/isa/lpc_ich9.c, hw/acpi/ich9.c):
 * VMSD `ICH9LPC` version 1 — the PCI function, the APM registers, the
 * `ich9_pm` power-management block with its four subsections, the 16 KiB
 * chip configuration (RCBA) registers and the SCI level; subsections for
 * the reset control register and the negotiated SMI features. The same
 * fields in 7.2 and 10.0 (9.2's SMI timers, which pc_compat_9_1 turns off,
 * are re-armed by post_load from smi_en and not migrated); from 9.1 the
 * memhp subsection is always sent (below).
 *
 * Validity: the PCI config space's checked bits must equal the
 * destination's own (PCIDevice); nothing else is rejected.
 */
import { VMSTATE_INT64, VMSTATE_STRUCT, VMSTATE_TIMER_PTR, VMSTATE_UINT16, VMSTATE_UINT32, VMSTATE_UINT64, VMSTATE_UINT8, VMSTATE_UINT8_ARRAY } from '../../../src/vmstate/dsl.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';
import { VMSTATE_PCI_DEVICE, pciDeviceReset, pciIdstr, pciLayout, pci_register_device, PCI_HEADER_TYPE } from '../../common/pci.js';
import {
  apmReset,
  cpuHotplugReset,
  cpuhpSubsection,
  memhpSubsection,
  memoryHotplugReset,
  pciHotplugReset,
  tcoReset,
  vmstate_apm,
  vmstate_tco_io_sts,
  VMSTATE_PCI_HOTPLUG,
} from './acpi.js';

export const ICH9_CC_SIZE = 16 * 1024;
export const ICH9_PMIO_GPE0_LEN = 16;
const PCI_HEADER_TYPE_MULTI_FUNCTION = 0x80;

/** 8086:2918 revision 2, an ISA bridge, function 0 of a multi-function device. */
export const ich9LpcLayout = pciLayout(() => {
  const d = pci_register_device({ vendor_id: 0x8086, device_id: 0x2918, revision: 0x02, class_id: 0x0601 }, false);
  d.config[PCI_HEADER_TYPE] = d.config[PCI_HEADER_TYPE]! | PCI_HEADER_TYPE_MULTI_FUNCTION;
  return d;
});

/**
 * What changed in ICH9-LPC (hw/isa/lpc_ich9.c, hw/acpi/ich9.c; the trees
 * of 7.2.0, 7.2.22 and 10.0.2, and the patches as merged):
 * - `noreboot` defaults to true in 7.2 and to false from 8.0.0 ("hw/isa:
 *   enable TCO watchdog reboot pin strap by default", mst's PULL 06/41 of
 *   2022-12-21, after 7.2.0's release; pc_compat_7_2 keeps true for the
 *   7.2 and older machine types: an array named 7_2 is 8.0's);
 * - from 9.1.0 the QOM property `memory-hotplug-support` is gone
 *   (d0226c582307 "hw/acpi/ich9: Remove 'memory-hotplug-support'
 *   property") and ich9_pm/memhp has no needed(), so it is always sent
 *   (2529ea2d561e "hw/acpi/ich9: Remove dead code related to
 *   'acpi_memory_hotplug'"): both in philmd's PULL of 2024-06-18, and a
 *   bisect between v9.0.0 and v9.1.0 on qemu-devel names 2529ea2d561e as
 *   one of its steps (it is in 9.1.0, not in 9.0.0);
 * - `x-smi-swsmi-timer` and `x-smi-periodic-timer` exist from 9.2.0
 *   (6e3c2d58e967 "hw/acpi/ich9: Add periodic and swsmi timer", mst's
 *   PULL 18/18 of 2024-09-11, after 9.1.0's release; pc_compat_9_1 turns
 *   them off); 7.2 has x-smi-broadcast, x-smi-cpu-hotplug and
 *   x-smi-cpu-hotunplug only.
 */
export type Ich9LpcVariant = '7.2' | '8.0' | '9.1' | '9.2';

export function ich9LpcVariant(release: string): Ich9LpcVariant {
  const [a, b] = release.split('.').map(Number) as [number, number];
  const v = a * 100 + b;
  return v >= 902 ? '9.2' : v >= 901 ? '9.1' : v >= 800 ? '8.0' : '7.2';
}

/** Whether the variant is 9.1's or later: no memory-hotplug-support, ich9_pm/memhp always sent. */
const memhpAlways = (v: Ich9LpcVariant) => v === '9.1' || v === '9.2';

export const vmstate_ich9_pm: VMStateDescription = {
  name: 'ich9_pm',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_UINT16('acpi_regs.pm1.evt.sts'),
    VMSTATE_UINT16('acpi_regs.pm1.evt.en'),
    VMSTATE_UINT16('acpi_regs.pm1.cnt.cnt'),
    VMSTATE_TIMER_PTR('acpi_regs.tmr.timer'),
    VMSTATE_INT64('acpi_regs.tmr.overflow_time'),
    VMSTATE_UINT8_ARRAY('acpi_regs.gpe.sts', ICH9_PMIO_GPE0_LEN),
    VMSTATE_UINT8_ARRAY('acpi_regs.gpe.en', ICH9_PMIO_GPE0_LEN),
    VMSTATE_UINT32('smi_en'),
    VMSTATE_UINT32('smi_sts'),
  ],
  subsections: [
    memhpSubsection('ich9_pm/memhp'),
    {
      name: 'ich9_pm/tco',
      version_id: 1,
      minimum_version_id: 1,
      needed: (_s, ctx) => ctx.props.enable_tco === true,
      fields: [VMSTATE_STRUCT('tco_regs', 1, vmstate_tco_io_sts)],
    },
    cpuhpSubsection('ich9_pm/cpuhp'),
    {
      name: 'ich9_pm/pcihp',
      version_id: 1,
      minimum_version_id: 1,
      needed: (_s, ctx) => ctx.props['acpi-pci-hotplug-with-bridge-support'] === true,
      fields: VMSTATE_PCI_HOTPLUG(),
    },
  ],
};

export const vmstate_ich9_lpc: VMStateDescription = {
  name: 'ICH9LPC',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_PCI_DEVICE('d', ich9LpcLayout),
    VMSTATE_STRUCT('apm', 0, vmstate_apm),
    VMSTATE_STRUCT('pm', 0, vmstate_ich9_pm),
    VMSTATE_UINT8_ARRAY('chip_config', ICH9_CC_SIZE),
    VMSTATE_UINT32('sci_level'),
  ],
  subsections: [
    // the reset control register keeps FULL_RST and SYS_RST (bits 3 and 1)
    { name: 'ICH9LPC/rst_cnt', version_id: 1, minimum_version_id: 1, needed: (s) => Number(s.rst_cnt) !== 0, fields: [VMSTATE_UINT8('rst_cnt')] },
    {
      name: 'ICH9LPC/smi_feat',
      version_id: 1,
      minimum_version_id: 1,
      needed: (s) => (s.smi_guest_features_le as number[]).some((b) => b !== 0) || Number(s.smi_features_ok) !== 0,
      fields: [VMSTATE_UINT8_ARRAY('smi_guest_features_le', 8), VMSTATE_UINT8('smi_features_ok'), VMSTATE_UINT64('smi_negotiated_features')],
    },
  ],
};

/**
 * ich9_cc_reset: the D31–D25 interrupt pin routing registers, and GCS with
 * NO_REBOOT. Kept typed (16 KiB, not 16,384 JS numbers per state): a
 * Uint8ClampedArray, because a Uint8Array is a buffer (shown as hex,
 * compared only with buffers) and this is a register file of uint8
 * elements, shown and compared as numbers (vmstate/state.ts ScalarArray).
 * Its values are 0..255, so the clamping never applies.
 */
function chipConfigReset(): Uint8ClampedArray {
  const c = new Uint8ClampedArray(ICH9_CC_SIZE);
  for (const at of [0x3140, 0x3144, 0x3146, 0x3148, 0x314c, 0x3150]) {
    c[at] = 0x10;
    c[at + 1] = 0x32;
  }
  c[0x3410] = 0x20;
  return c;
}

export function ich9PmReset(): State {
  return {
    'acpi_regs.pm1.evt.sts': 0,
    'acpi_regs.pm1.evt.en': 0,
    'acpi_regs.pm1.cnt.cnt': 0,
    'acpi_regs.tmr.timer': -1n,
    'acpi_regs.tmr.overflow_time': 0n,
    'acpi_regs.gpe.sts': new Array(ICH9_PMIO_GPE0_LEN).fill(0),
    'acpi_regs.gpe.en': new Array(ICH9_PMIO_GPE0_LEN).fill(0),
    smi_en: 0,
    smi_sts: 0,
    acpi_memory_hotplug: memoryHotplugReset(),
    tco_regs: tcoReset(),
    cpu_hotplug_legacy: true,
    cpuhp_state: cpuHotplugReset(),
    ...pciHotplugReset(),
  };
}

/** ich9_pm and ICH9LPC from 9.1.0 on: ich9_pm/memhp without needed(). */
const { needed: _memhpNeeded, ...memhp_9_1 } = memhpSubsection('ich9_pm/memhp');
const vmstate_ich9_pm_9_1: VMStateDescription = { ...vmstate_ich9_pm, subsections: [memhp_9_1, ...vmstate_ich9_pm.subsections!.slice(1)] };
const vmstate_ich9_lpc_9_1: VMStateDescription = {
  ...vmstate_ich9_lpc,
  fields: vmstate_ich9_lpc.fields.map((f) => (f.vmsd === vmstate_ich9_pm ? { ...f, vmsd: vmstate_ich9_pm_9_1 } : f)),
};

export function ich9Lpc(variant: Ich9LpcVariant = '9.2'): DeviceClass {
  const bool = (d: boolean) => ({ type: 'bool' as const, default: d });
  return {
    name: 'ich9-lpc',
    type: 'ICH9-LPC',
    parents: ['pci-device', 'device'],
    interfaces: ['conventional-pci-device'],
    props: {
      noreboot: bool(variant === '7.2'),
      'x-smi-broadcast': bool(true),
      'x-smi-cpu-hotplug': bool(true),
      'x-smi-cpu-hotunplug': bool(true),
      ...(variant === '9.2' ? { 'x-smi-swsmi-timer': bool(true), 'x-smi-periodic-timer': bool(true) } : {}),
      enable_tco: bool(true),
      ...(memhpAlways(variant) ? {} : { 'memory-hotplug-support': bool(true) }),
      'acpi-pci-hotplug-with-bridge-support': bool(true),
    },
    vmsd: memhpAlways(variant) ? vmstate_ich9_lpc_9_1 : vmstate_ich9_lpc,
    idstr: pciIdstr(0x1f, 'ICH9LPC'),
    instanceId: 0,
    reset: (p) => ({
      d: pciDeviceReset(ich9LpcLayout(p)),
      apm: apmReset(),
      pm: ich9PmReset(),
      chip_config: chipConfigReset(),
      sci_level: 0,
      rst_cnt: 0,
      smi_guest_features_le: new Array(8).fill(0),
      smi_features_ok: 0,
      smi_negotiated_features: 0n,
    }),
  };
}
