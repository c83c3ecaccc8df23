import fc from 'fast-check';
import { releases } from '../../scenarios/releases/index.js';
import { stateArbitrary } from '../../src/gen/index.js';
import { Engine } from '../../src/machine/engine.js';
import type { State } from '../../src/vmstate/types.js';

/** One stream to mutate, and the engine that can load it (engine-saved streams only). */
export interface Seed {
  name: string;
  bytes: Uint8Array;
  /** Loads a (mutated) stream the way the model destination does; absent for real QEMU streams. */
  engine?: Engine;
  /** How often random mutations pick it, relative to the others (default 1). */
  weight?: number;
}

/**
 * Streams the engine saves: for each built-in release picked, its first and last
 * machine type, one stream per device (small, so thousands of mutations stay cheap),
 * at reset and with generated states (fixed seeds), so that every kind of field,
 * struct, subsection and custom codec the models know is in the corpus.
 */
export function engineSeeds(opts: { releases?: string[]; generated?: number; maxBytes?: number } = {}): Seed[] {
  const picked = opts.releases ? releases.filter((r) => opts.releases!.includes(r.name)) : releases;
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  const out: Seed[] = [];
  for (const rel of picked) {
    const machines = rel.machines.length > 1 ? [rel.machines[0]!, rel.machines[rel.machines.length - 1]!] : rel.machines;
    for (const m of machines) {
      const names = new Engine(rel, m.name).instances.map((i) => i.key.split('#')[0]!);
      for (const dev of new Set(names)) {
        let engine: Engine;
        try {
          engine = new Engine(rel, m.name, { devices: [dev] });
        } catch {
          continue;
        }
        const key = engine.instances[0]!.key;
        const tries: [string, () => State][] = [['reset', () => engine.resetState(key)]];
        for (let k = 0; k < (opts.generated ?? 1); k++) tries.push([`generated #${k}`, () => fc.sample(stateArbitrary(engine, key, engine.instances[0]!.cls.gen), { numRuns: 1, seed: 1000 + k })[0]!]);
        for (const [what, state] of tries) {
          try {
            const bytes = engine.save({ [key]: state() }, { trace: false }).bytes;
            if (bytes.length <= maxBytes) out.push({ name: `${rel.name}@${m.name} ${dev} ${what}`, bytes, engine });
          } catch {
            /* a device whose generator or pre_save refuses: the others cover it */
          }
        }
      }
    }
  }
  return out;
}

/**
 * Devices whose real streams cover virtio (self-managed saves), PCI, ISA, USB and IPMI.
 * The NICs bring option ROMs (most of a stream's bytes); ROM_FREE_DEVICES keeps a
 * stream small for the bounded test.
 */
export const ROM_FREE_DEVICES = ['isa-serial', 'virtio-gpu-pci', 'ipmi-bmc-sim,id=bmc0', 'isa-ipmi-kcs,bmc=bmc0', 'usb-ehci', 'virtio-rng-pci'];
export const REAL_DEVICES = ['isa-serial', 'virtio-gpu-pci', 'e1000', 'virtio-net-pci', 'ipmi-bmc-sim,id=bmc0', 'isa-ipmi-kcs,bmc=bmc0', 'usb-ehci'];

/**
 * Streams real QEMU 7.2 and 10.0 write (a paused guest with REAL_DEVICES), at an old
 * and a new machine type each: RAM sections, 7.2's undescribed configuration, 10.0's
 * switchover-start command. Needs both provisioned binaries (npm run qemu:setup).
 */
export async function qemuSeeds(opts: { memMb?: number; devices?: string[]; machines?: RegExp } = {}): Promise<Seed[]> {
  const { provisioned } = await import('../../src/qemu/binaries.js');
  const { saveToFile } = await import('../../src/qemu/driver.js');
  const { q72, q10 } = await provisioned();
  const runs: [string, typeof q72, string][] = [
    ['7.2', q72, 'pc-q35-7.2'],
    ['7.2', q72, 'pc-i440fx-2.4'],
    ['10.0', q10, 'pc-q35-10.0'],
    ['10.0', q10, 'pc-i440fx-7.2'],
  ];
  const out: Seed[] = [];
  for (const [v, bin, machine] of runs) {
    if (opts.machines && !opts.machines.test(machine)) continue;
    const vm = { machine, devices: opts.devices ?? REAL_DEVICES, memMb: opts.memMb ?? 16 };
    out.push({ name: `QEMU ${v} ${machine}`, bytes: await saveToFile({ binary: bin, vm }) });
  }
  return out;
}
