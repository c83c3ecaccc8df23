/**
 * Board-level sections every PC machine registers, each a small flat VMSD:
 *   timer        (cpu-timers.c)  the guest clocks' offsets; `timer/icount`
 *                                only under -icount
 *   kvm-tpr-opt  (hw/i386/kvmvapic.c)  the TPR-access patching state and
 *                                the guest ROM's layout it found
 *   PCIHost      (hw/pci/pci_host.c)  the config address register, sent
 *                                unless x-config-reg-migration-enabled is
 *                                off (hw_compat_5_0)
 *   PCIBUS       (hw/pci/pci.c)  per-INTx assertion counts of the root bus:
 *                                `nirq` is `_EQUAL`-checked, 8 on q35's
 *                                pcie.0, 4 on i440fx's pci.0 — two models
 *   i2c_bus      (hw/i2c/core.c)  the SMBus' selected address
 *   acpi_build   (hw/i386/acpi-build.c)  whether the guest patched the tables
 */
import {
  VMSTATE_INT32_EQUAL,
  VMSTATE_INT64,
  VMSTATE_INT64_V,
  VMSTATE_STRUCT,
  VMSTATE_UINT32,
  VMSTATE_UINT32_ARRAY,
  VMSTATE_UINT8,
  VMSTATE_UNUSED,
  VMSTATE_VARRAY_INT32,
} from '../../../src/vmstate/dsl.js';
import { vmstate_info_int32 } from '../../../src/vmstate/info.js';
import type { State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

const plain = (o: Omit<DeviceClass, 'instanceId' | 'parents'> & { parents?: string[] }): DeviceClass => ({ instanceId: 0, parents: ['device'], ...o });

export const vmstate_timers: VMStateDescription = {
  name: 'timer',
  version_id: 2,
  minimum_version_id: 1,
  fields: [VMSTATE_INT64('cpu_ticks_offset'), VMSTATE_UNUSED(8), VMSTATE_INT64_V('cpu_clock_offset', 2)],
  subsections: [
    {
      name: 'timer/icount',
      version_id: 1,
      minimum_version_id: 1,
      needed: (_s, ctx) => ctx.props.icount === true,
      fields: [VMSTATE_INT64('qemu_icount_bias'), VMSTATE_INT64('qemu_icount')],
    },
  ],
};

export function timers(): DeviceClass {
  return plain({
    name: 'timer',
    type: 'timer',
    parents: [],
    props: { icount: { type: 'bool', default: false } },
    vmsd: vmstate_timers,
    idstr: 'timer',
    reset: () => ({ cpu_ticks_offset: 0n, cpu_clock_offset: 0n, qemu_icount_bias: 0n, qemu_icount: 0n }),
  });
}

const vmstate_handlers: VMStateDescription = {
  name: 'kvmvapic-handlers',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT32('set_tpr'), VMSTATE_UINT32('set_tpr_eax'), VMSTATE_UINT32_ARRAY('get_tpr', 8), VMSTATE_UINT32('get_tpr_stack')],
};

const vmstate_guest_rom: VMStateDescription = {
  name: 'kvmvapic-guest-rom',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_UNUSED(8), // the ROM's signature
    VMSTATE_UINT32('vaddr'),
    VMSTATE_UINT32('fixup_start'),
    VMSTATE_UINT32('fixup_end'),
    VMSTATE_UINT32('vapic_vaddr'),
    VMSTATE_UINT32('vapic_size'),
    VMSTATE_UINT32('vcpu_shift'),
    VMSTATE_UINT32('real_tpr_addr'),
    VMSTATE_STRUCT('up', 0, vmstate_handlers),
    VMSTATE_STRUCT('mp', 0, vmstate_handlers),
  ],
};

export const vmstate_vapic: VMStateDescription = {
  name: 'kvm-tpr-opt',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    VMSTATE_STRUCT('rom_state', 0, vmstate_guest_rom),
    VMSTATE_UINT32('state'),
    VMSTATE_UINT32('real_tpr_addr'),
    VMSTATE_UINT32('rom_state_vaddr'),
    VMSTATE_UINT32('vapic_paddr'),
    VMSTATE_UINT32('rom_state_paddr'),
  ],
};

const handlers = (): State => ({ set_tpr: 0, set_tpr_eax: 0, get_tpr: new Array(8).fill(0), get_tpr_stack: 0 });

export function kvmvapic(): DeviceClass {
  return plain({
    name: 'kvm-tpr-opt',
    type: 'kvmvapic',
    parents: ['sys-bus-device', 'device'],
    props: {},
    vmsd: vmstate_vapic,
    idstr: 'kvm-tpr-opt',
    reset: () => ({
      rom_state: { vaddr: 0, fixup_start: 0, fixup_end: 0, vapic_vaddr: 0, vapic_size: 0, vcpu_shift: 0, real_tpr_addr: 0, up: handlers(), mp: handlers() },
      state: 0,
      real_tpr_addr: 0,
      rom_state_vaddr: 0,
      vapic_paddr: 0,
      rom_state_paddr: 0,
    }),
  });
}

export const vmstate_pcihost: VMStateDescription = {
  name: 'PCIHost',
  version_id: 1,
  minimum_version_id: 1,
  needed: (_s, ctx) => ctx.props['x-config-reg-migration-enabled'] === true,
  fields: [VMSTATE_UINT32('config_reg')],
};

export function pciHost(): DeviceClass {
  return plain({
    name: 'PCIHost',
    type: 'pci-host-bridge',
    parents: ['sys-bus-device', 'device'],
    props: { 'x-config-reg-migration-enabled': { type: 'bool', default: true } },
    vmsd: vmstate_pcihost,
    idstr: 'PCIHost',
    reset: () => ({ config_reg: 0 }),
  });
}

export const vmstate_pcibus: VMStateDescription = {
  name: 'PCIBUS',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_INT32_EQUAL('nirq'), VMSTATE_VARRAY_INT32('irq_count', 'nirq', 0, vmstate_info_int32)],
};

/** The root PCI bus; `bus` names it as QEMU does (q35's PCI Express `pcie.0` has 8 IRQ lines, i440fx's `pci.0` 4). */
export function pciBus(bus: 'pcie.0' | 'pci.0'): DeviceClass {
  const nirq = bus === 'pcie.0' ? 8 : 4;
  return plain({
    name: bus,
    type: bus === 'pcie.0' ? 'PCIE' : 'PCI',
    parents: bus === 'pcie.0' ? ['PCI', 'bus'] : ['bus'],
    props: {},
    vmsd: vmstate_pcibus,
    idstr: 'PCIBUS',
    reset: () => ({ nirq, irq_count: new Array(nirq).fill(0) }),
  });
}

export const vmstate_i2c_bus: VMStateDescription = {
  name: 'i2c_bus',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT8('saved_address')],
};

export function i2cBus(): DeviceClass {
  return plain({
    name: 'i2c_bus',
    type: 'i2c-bus',
    parents: ['bus'],
    props: {},
    vmsd: vmstate_i2c_bus,
    idstr: 'i2c_bus',
    // pre_save writes the selected slave's address, 0xff when none is
    reset: () => ({ saved_address: 0xff }),
  });
}

export const vmstate_acpi_build: VMStateDescription = {
  name: 'acpi_build',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT8('patched')],
};

export function acpiBuild(): DeviceClass {
  return plain({ name: 'acpi_build', type: 'acpi_build', parents: [], props: {}, vmsd: vmstate_acpi_build, idstr: 'acpi_build', reset: () => ({ patched: 0 }) });
}
