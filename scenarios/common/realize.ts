/**
 * Values a device's realize sets that its VMSDs count or size by but never
 * migrate, keyed by the C names they stand for: the VMSD whose struct holds
 * the member, and the member path inside it. An extracted release applies
 * them to the reset state (src/source/release/convert.ts) and every verdict
 * of a class that uses one says so ("realize-time size from the override
 * table").
 *
 * Each entry names where QEMU sets it, so it can be checked against the
 * tree; an entry that matches nothing in a tree is simply unused.
 */
import type { RealizeOverride } from '../../src/source/release/bindings.js';
import { xhciNumintrs } from './msix-realize.js';

/** usb_xhci_realize: numports_2 and numports_3 (the p2 / p3 properties of the inner XHCIState, 4 each, at most 15) added up. */
const xhciNumports = (p: Record<string, unknown>) => Math.min(Number(p.p2 ?? 4), 15) + Math.min(Number(p.p3 ?? 4), 15);
const clampSlots = (n: number) => Math.max(1, Math.min(n, 64));

export const realizeOverrides: readonly RealizeOverride[] = [
  // hw/char/serial.c serial_realize: fifo8_create(&s->recv_fifo / &s->xmit_fifo, UART_FIFO_LENGTH), 16 (include/hw/char/serial.h)
  { vmsd: 'serial', member: 'recv_fifo.capacity', value: 16, from: 'serial_realize: fifo8_create(&s->recv_fifo, UART_FIFO_LENGTH)' },
  { vmsd: 'serial', member: 'xmit_fifo.capacity', value: 16, from: 'serial_realize: fifo8_create(&s->xmit_fifo, UART_FIFO_LENGTH)' },
  // hw/scsi/esp.c esp_init / realize: fifo8_create(&s->fifo, ESP_FIFO_SZ) 16, (&s->cmdfifo, ESP_CMDFIFO_SZ) 32 (include/hw/scsi/esp.h)
  { vmsd: 'esp', member: 'fifo.capacity', value: 16, from: 'esp realize: fifo8_create(&s->fifo, ESP_FIFO_SZ)' },
  { vmsd: 'esp', member: 'cmdfifo.capacity', value: 32, from: 'esp realize: fifo8_create(&s->cmdfifo, ESP_CMDFIFO_SZ)' },
  // hw/block/fdc.c fdctrl_realize_common: fdctrl->fifo_size = 512
  { vmsd: 'fdc', member: 'fifo_size', value: 512, from: 'fdctrl_realize_common: fdctrl->fifo_size = 512' },
  // hw/ide/core.c ide_init1: s->io_buffer_total_len = IDE_DMA_BUF_SECTORS * 512 + 4, IDE_DMA_BUF_SECTORS 256
  { vmsd: 'ide_drive/pio_state', member: 'io_buffer_total_len', value: 256 * 512 + 4, from: 'ide_init1: io_buffer_total_len = IDE_DMA_BUF_SECTORS*512 + 4' },
  // hw/acpi/memory_hotplug.c acpi_memory_hotplug_init: state->dev_count = machine->ram_slots (0: the cases start no slots)
  { vmsd: 'memory hotplug state', member: 'dev_count', value: 0, from: 'acpi_memory_hotplug_init: dev_count = machine->ram_slots (no -m slots=)' },
  // hw/acpi/cpu.c cpu_hotplug_hw_init: state->dev_count = the possible CPUs' count (1: the cases run one vCPU)
  { vmsd: 'CPU hotplug state', member: 'dev_count', value: 1, from: 'cpu_hotplug_hw_init: dev_count = possible_cpus->len (-smp 1)' },
  // hw/display/vmware_vga.c vmsvga_init: s->scratch_size = SVGA_SCRATCH_SIZE 0x8000
  { vmsd: 'vmware_vga_internal', member: 'scratch_size', value: 0x8000, from: 'vmsvga_init: scratch_size = SVGA_SCRATCH_SIZE' },
  // hw/usb/hcd-xhci.c usb_xhci_realize: numports = numports_2 + numports_3 (p2, p3 of the XHCIState the PCI and sysbus classes embed)
  { vmsd: 'xhci-core', member: 'numports', value: xhciNumports, from: 'usb_xhci_realize: numports = numports_2 + numports_3 (p2, p3: 4 each)' },
  // hw/usb/hcd-xhci-pci.c qemu_xhci_instance_init: numintrs = XHCI_MAXINTRS 16, numslots = XHCI_MAXSLOTS 64
  { vmsd: 'xhci-core', member: 'numintrs', value: 16, from: 'qemu_xhci_instance_init: numintrs = XHCI_MAXINTRS', device: ['qemu-xhci'] },
  { vmsd: 'xhci-core', member: 'numslots', value: 64, from: 'qemu_xhci_instance_init: numslots = XHCI_MAXSLOTS', device: ['qemu-xhci'] },
  // hw/usb/hcd-xhci-nec.c nec_xhci_instance_init: numintrs = the intrs property, numslots = slots; usb_xhci_realize clamps them
  { vmsd: 'xhci-core', member: 'numintrs', value: (p) => xhciNumintrs(Number(p.intrs ?? 16)), from: 'nec_xhci_instance_init: numintrs = intrs (clamped by usb_xhci_realize)', device: ['nec-usb-xhci'] },
  { vmsd: 'xhci-core', member: 'numslots', value: (p) => clampSlots(Number(p.slots ?? 64)), from: 'nec_xhci_instance_init: numslots = slots (clamped by usb_xhci_realize)', device: ['nec-usb-xhci'] },
  // hw/ide/ahci.c (7.2) sysbus_ahci_realize: ahci_realize(&s->ahci, …, s->num_ports) sets ahci.ports from num-ports (10.0's property sets ahci.ports itself)
  { vmsd: 'ahci', member: 'ports', value: (p) => Number(p['num-ports'] ?? 1), from: 'sysbus_ahci_realize: ahci_realize(…, num_ports) sets ports', device: ['sysbus-ahci'] },
];
