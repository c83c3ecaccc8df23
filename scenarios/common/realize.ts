/**
 * Values a device's realize sets that its VMSDs count or size by but never
 * migrate, keyed by the C names they stand for: the VMSD whose struct holds
 * the member, and the member path inside it; an entry marked `initial` is
 * a migrated member's initial value instead (instance_init's, where the
 * reset state would hold zero). An extracted release applies
 * them to the reset state (src/source/release/convert.ts) and every verdict
 * of a class that uses one says so ("realize-time size from the override
 * table").
 *
 * Each entry names where QEMU sets it, so it can be checked against the
 * tree; an entry that matches nothing in a tree is simply unused.
 */
import type { State } from '../../src/vmstate/types.js';
import type { ReachableRule, RealizeOverride } from '../../src/source/release/bindings.js';
import { xhciNumintrs } from './msix-realize.js';

/** usb_xhci_realize: numports_2 and numports_3 (the p2 / p3 properties of the inner XHCIState, 4 each, at most 15) added up. */
const xhciNumports = (p: Record<string, unknown>) => Math.min(Number(p.p2 ?? 4), 15) + Math.min(Number(p.p3 ?? 4), 15);
const clampSlots = (n: number) => Math.max(1, Math.min(n, 64));

/** pflash_cfi01_realize's writeblock_size from the width, device-width and old-multiple-chip-handling properties. */
export function pflashWriteblockSize(p: Record<string, unknown>): number {
  const bank = Number(p.width ?? 0);
  const dev = Number(p['device-width'] ?? 0);
  const chips = dev ? Math.trunc(bank / dev) : 1;
  const size = 1 << (bank === 1 ? 0x08 : 0x0b);
  return p['old-multiple-chip-handling'] !== true && chips > 1 ? size * chips : size;
}

/** SDHC_CAPAB_REG_DEFAULT (hw/sd/sdhci-internal.h), the capareg property's default. */
export const SDHC_CAPAB_REG_DEFAULT = 0x057834b4n;
/** sdhci_get_fifolen: 1 << (9 + MAXBLOCKLENGTH), the two capareg bits at 16. */
export function sdhciFifolen(p: Record<string, unknown>): number {
  const cap = BigInt((p.capareg as bigint | number | undefined) ?? SDHC_CAPAB_REG_DEFAULT);
  return 1 << (9 + Number((cap >> 16n) & 3n));
}

export const realizeOverrides: readonly RealizeOverride[] = [
  // hw/char/serial.c serial_realize: fifo8_create(&s->recv_fifo / &s->xmit_fifo, UART_FIFO_LENGTH), 16 (include/hw/char/serial.h)
  { vmsd: 'serial', member: 'recv_fifo.capacity', value: 16, from: 'serial_realize: fifo8_create(&s->recv_fifo, UART_FIFO_LENGTH)' },
  { vmsd: 'serial', member: 'xmit_fifo.capacity', value: 16, from: 'serial_realize: fifo8_create(&s->xmit_fifo, UART_FIFO_LENGTH)' },
  // hw/scsi/esp.c esp_init / realize: fifo8_create(&s->fifo, ESP_FIFO_SZ) 16, (&s->cmdfifo, ESP_CMDFIFO_SZ) 32 (include/hw/scsi/esp.h)
  { vmsd: 'esp', member: 'fifo.capacity', value: 16, from: 'esp realize: fifo8_create(&s->fifo, ESP_FIFO_SZ)' },
  { vmsd: 'esp', member: 'cmdfifo.capacity', value: 32, from: 'esp realize: fifo8_create(&s->cmdfifo, ESP_CMDFIFO_SZ)' },
  // hw/scsi/esp-pci.c esp_pci_scsi_realize: s->dma_memory_read / dma_memory_write = the PCI DMA helpers (non-NULL: esp/pdma is never needed)
  { vmsd: 'esp/pdma', member: 'dma_memory_read', value: 1, from: 'esp_pci_scsi_realize: s->dma_memory_read = esp_pci_dma_memory_read', devices: ['am53c974', 'dc390'] },
  { vmsd: 'esp/pdma', member: 'dma_memory_write', value: 1, from: 'esp_pci_scsi_realize: s->dma_memory_write = esp_pci_dma_memory_write', devices: ['am53c974', 'dc390'] },
  // hw/block/fdc.c fdctrl_realize_common: fdctrl->fifo_size = 512
  { vmsd: 'fdc', member: 'fifo_size', value: 512, from: 'fdctrl_realize_common: fdctrl->fifo_size = 512' },
  // hw/ide/core.c ide_init1: s->io_buffer_total_len = IDE_DMA_BUF_SECTORS * 512 + 4, IDE_DMA_BUF_SECTORS 256
  { vmsd: 'ide_drive/pio_state', member: 'io_buffer_total_len', value: 256 * 512 + 4, from: 'ide_init1: io_buffer_total_len = IDE_DMA_BUF_SECTORS*512 + 4' },
  // hw/acpi/memory_hotplug.c acpi_memory_hotplug_init: state->dev_count = machine->ram_slots (0: the cases start no slots)
  { vmsd: 'memory hotplug state', member: 'dev_count', value: 0, from: 'acpi_memory_hotplug_init: dev_count = machine->ram_slots (no -m slots=)' },
  // hw/acpi/ich9.c ich9_pm_add_properties (instance_init): pm->acpi_memory_hotplug.is_enabled = true, which ich9_pm/memhp's needed() reads
  // (7.2.22; 10.0.2 sets it too and sends the subsection unconditionally); an object property, not a Property array entry
  { vmsd: 'ich9_pm', member: 'acpi_memory_hotplug.is_enabled', value: 1, from: 'ich9_pm_add_properties: acpi_memory_hotplug.is_enabled = true' },
  // hw/acpi/cpu.c cpu_hotplug_hw_init: state->dev_count = the possible CPUs' count (1: the cases run one vCPU)
  { vmsd: 'CPU hotplug state', member: 'dev_count', value: 1, from: 'cpu_hotplug_hw_init: dev_count = possible_cpus->len (-smp 1)' },
  // hw/display/vmware_vga.c vmsvga_init: s->scratch_size = SVGA_SCRATCH_SIZE 0x8000
  { vmsd: 'vmware_vga_internal', member: 'scratch_size', value: 0x8000, from: 'vmsvga_init: scratch_size = SVGA_SCRATCH_SIZE' },
  // hw/usb/hcd-xhci.c usb_xhci_realize: numports = numports_2 + numports_3 (p2, p3 of the XHCIState the PCI and sysbus classes embed)
  { vmsd: 'xhci-core', member: 'numports', value: xhciNumports, from: 'usb_xhci_realize: numports = numports_2 + numports_3 (p2, p3: 4 each)' },
  // hw/usb/hcd-xhci-pci.c qemu_xhci_instance_init: numintrs = XHCI_MAXINTRS 16, numslots = XHCI_MAXSLOTS 64
  { vmsd: 'xhci-core', member: 'numintrs', value: 16, from: 'qemu_xhci_instance_init: numintrs = XHCI_MAXINTRS', devices: ['qemu-xhci'] },
  { vmsd: 'xhci-core', member: 'numslots', value: 64, from: 'qemu_xhci_instance_init: numslots = XHCI_MAXSLOTS', devices: ['qemu-xhci'] },
  // hw/usb/hcd-xhci-nec.c nec_xhci_instance_init: numintrs = the intrs property, numslots = slots; usb_xhci_realize clamps them
  { vmsd: 'xhci-core', member: 'numintrs', value: (p) => xhciNumintrs(Number(p.intrs ?? 16)), from: 'nec_xhci_instance_init: numintrs = intrs (clamped by usb_xhci_realize)', devices: ['nec-usb-xhci'] },
  { vmsd: 'xhci-core', member: 'numslots', value: (p) => clampSlots(Number(p.slots ?? 64)), from: 'nec_xhci_instance_init: numslots = slots (clamped by usb_xhci_realize)', devices: ['nec-usb-xhci'] },
  // hw/ide/ahci.c (7.2) sysbus_ahci_realize: ahci_realize(&s->ahci, …, s->num_ports) sets ahci.ports from num-ports (10.0's property sets ahci.ports itself)
  { vmsd: 'ahci', member: 'ports', value: (p) => Number(p['num-ports'] ?? 1), from: 'sysbus_ahci_realize: ahci_realize(…, num_ports) sets ports', devices: ['sysbus-ahci'] },
  // hw/block/pflash_cfi01.c pflash_cfi01_realize: writeblock_size = 1 << cfi_table[0x2A], 0x08 for a bank width of 1 and 0x0B
  // otherwise, times the chip count (bank width / device width, 1 without a device width) unless old-multiple-chip-handling
  { vmsd: 'pflash_cfi01_blk_write', member: 'writeblock_size', value: pflashWriteblockSize, from: 'pflash_cfi01_realize: writeblock_size = 1 << cfi_table[0x2A], times the chip count' },
  // hw/sd/sd.c sd_reset: wp_group_bits = the card's write-protect groups + 1 (0 + 1 without a drive: the cases attach none)
  { vmsd: 'sd-card', member: 'wp_group_bits', value: 1, from: 'sd_reset: wp_group_bits = sd_addr_to_wpnum(size) + 1 (no drive: size 0)' },
  // hw/sd/sd.c (7.2) sd_instance_init: sd->enable = true, a migrated bool (10.0 removed it: VMSTATE_UNUSED(1), the entry is unused there)
  { vmsd: 'sd-card', member: 'enable', value: 1, from: 'sd_instance_init: enable = true', initial: true },
  // hw/sd/sdhci.c sdhci_common_realize: buf_maxsz = sdhci_get_fifolen, 1 << (9 + the capareg MAXBLOCKLENGTH field, bits 16-17)
  { vmsd: 'sdhci', member: 'buf_maxsz', value: sdhciFifolen, from: 'sdhci_common_realize: buf_maxsz = sdhci_get_fifolen(s), 512 << capareg.MAXBLOCKLENGTH' },
];

/**
 * What a guest can reach, per VMSD (VMStateDescription.reachable): members
 * no guest access can change under the struct's realize-time values stay
 * at what realize left. The hand models' VMSDs of the same name take the
 * same rule (scenarios/devices/platform/acpi.ts), an extracted release
 * sets it on the VMSD it converts, and the state generators apply it to
 * every instance of the struct, in any device.
 */
export const reachableRules: readonly ReachableRule[] = [
  {
    // hw/acpi/memory_hotplug.c: acpi_memory_hotplug_init returns before memory_region_init_io when dev_count (ram_slots) is 0,
    // so no guest write reaches acpi_memory_hotplug_write and the selector keeps its reset value; with slots, a write to
    // offset 0 stores any value (only the other registers check selector < dev_count), and no post_load checks it
    vmsd: 'memory hotplug state',
    from: 'acpi_memory_hotplug_init: no I/O region without slots (dev_count 0), so selector stays 0',
    rule: (s) => {
      if (!Number(s.dev_count)) s.selector = 0;
    },
  },
];

/** The reachability rule of the VMSD named `vmsd`, if the table has one. */
export function reachableRule(vmsd: string): ((state: State) => void) | undefined {
  return reachableRules.find((r) => r.vmsd === vmsd)?.rule;
}
