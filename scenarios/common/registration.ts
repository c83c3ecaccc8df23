/**
 * The conditions vmstate_register*() sites sit under (src/source/reach.ts),
 * answered for the cases' configuration: a pc or q35 board on the default
 * command line. Keyed by the C function the condition is in and the
 * condition as the extractor spells it; a condition no entry answers
 * leaves its section out of the cases (not applicable, with the
 * condition), as `replay` is (replay_configure: only with -icount rr=…).
 */
import type { RegistrationFact } from '../../src/source/release/registration.js';

export const registrationFacts: readonly RegistrationFact[] = [
  // hw/i386/acpi-build.c acpi_setup(): the ACPI tables' section
  { fn: 'acpi_setup', cond: 'x86ms->fw_cfg', holds: true, why: 'pc and q35 boards create fw_cfg while setting up memory (pc_memory_init)' },
  { fn: 'acpi_setup', cond: 'pcms->acpi_build_enabled', holds: true, why: 'pc_machine_initfn copies the class flag, set for every pc-i440fx and pc-q35 type (only isapc clears it)' },
  { fn: 'acpi_setup', cond: 'x86_machine_is_acpi_enabled(X86_MACHINE(pcms))', holds: true, why: 'the acpi machine option defaults to auto, which is enabled' },
  // hw/core/cpu-system.c (10.0) / cpu.c (7.2) cpu_vmstate_register()
  {
    fn: 'cpu_vmstate_register',
    cond: 'qdev_get_vmsd(DEVICE(cpu)) == NULL',
    holds: true,
    why: "the x86 CPU class sets no dc->vmsd (its own state is the sysemu ops' legacy_vmsd, vmstate_x86_cpu), so cpu_common is registered beside it",
  },
];
