/**
 * Hand-written answers for needed() / field tests the translator leaves
 * opaque (src/source/release/translate.ts), keyed by the C function. Each
 * replaces the named input the case would otherwise draw both ways; every
 * verdict of a class that uses one says so ("predicates answered by
 * hand"). An entry that matches no function of a tree is simply unused.
 */
import type { PredicateOverride } from '../../src/source/release/bindings.js';

export const predicateOverrides: readonly PredicateOverride[] = [
  // hw/sd/sd.c: vmstate_needed_for_emmc is sd_is_emmc(sd), sd->proto == &sd_proto_emmc; sd_instance_init copies the class's
  // proto, which emmc_class_init alone sets to sd_proto_emmc (sd-card and sd-card-spi set sd_proto_sd / sd_proto_spi)
  { fn: 'vmstate_needed_for_emmc', from: 'sd_is_emmc(): only the emmc class sets sd_proto_emmc', test: () => false, devices: ['sd-card', 'sd-card-spi'] },
  { fn: 'vmstate_needed_for_emmc', from: 'sd_is_emmc(): only the emmc class sets sd_proto_emmc', test: () => true, devices: ['emmc'] },
  // hw/net/rtl8139.c: rtl8139_hotplug_ready_needed is qdev_machine_modified(), true once a device was hot-plugged or
  // unplugged after machine init; the cases create every device on the command line
  { fn: 'rtl8139_hotplug_ready_needed', from: 'qdev_machine_modified(): false, nothing is hot-plugged in a case', test: () => false },
  // hw/i386/kvm/xen_*.c, target/i386/machine.c: xen_mode == XEN_EMULATE, which only -accel kvm,xen-version= sets; the cases run without
  ...['xen_evtchn_is_needed', 'xen_gnttab_is_needed', 'xen_overlay_is_needed', 'xen_xenstore_is_needed'].map((fn) => ({
    fn,
    from: 'xen_mode == XEN_EMULATE: no Xen emulation in the cases',
    test: () => false,
  })),
];
