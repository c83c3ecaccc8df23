/**
 * A release model is its predecessor plus its changes: the machine version
 * it adds, the compat arrays its tree adds (or changes, as a stable fix
 * does), q35's board defaults, and the device variants of its version.
 */
import { buildMachines } from '../../src/machine/compat.js';
import type { CompatEntry, DeviceClass, MachineType, Release } from '../../src/machine/types.js';
import { isaIpmiKcs } from '../devices/isa-ipmi-kcs.js';
import { virtioGpu, type VirtioGpuVariant } from '../devices/virtio-gpu.js';
import { pciDevices, withGen } from './catalogue-pci.js';
import { isaIpmiKcsGen } from '../devices/isa-ipmi-kcs.gen.js';
import { virtioGpuGen } from '../devices/virtio-gpu.gen.js';
import { BOARD_ONLY, PLATFORM_ADDONS, PLATFORM_LAST, platformDefaults, platformDevices, since } from './catalogue-platform.js';

export interface ReleaseStep {
  name: string;
  /** The machine version this release adds as its newest; a stable release adds none. */
  machine?: string;
  /** Compat arrays this release's tree adds, or replaces (a stable backport). */
  arrays?: Record<string, CompatEntry[]>;
  /** q35's own default globals, when they change. */
  q35Defaults?: CompatEntry[];
  /** The JSON writer's array style, when it changes (Release.vmdescArrays). */
  vmdescArrays?: 'whole' | 'runs';
  /** Properties this release adds to QOM types that no model carries (Release.typeProps). */
  typeProps?: Record<string, string[]>;
  /** How it describes a null pointer, when that changes (Release.vmdescNullptr). */
  vmdescNullptr?: 'struct' | 'nullptr';
  /** Whether the description has a `configuration` entry, when that changes (Release.vmdescConfiguration). */
  vmdescConfiguration?: boolean;
}

interface Lineage {
  versions: string[];
  q35Defaults: CompatEntry[];
}

const lineage = new WeakMap<Release, Lineage>();

/** Oldest machine version the models offer (QEMU has many more; see the report on issue 6). */
export const OLDEST_MACHINE = '7.0';

function gpuVariant(release: string): VirtioGpuVariant {
  if (since(release, '9.0.1')) return '9.0.1';
  if (since(release, '9.0.0')) return '9.0.0';
  if (since(release, '8.2.0')) return '8.2';
  return '7.2';
}

const gpus = new Map<VirtioGpuVariant, DeviceClass>();
let kcs: DeviceClass | undefined;

/**
 * Every device class of `release` in registration order: the platform
 * devices, the PCI catalogue (which may bring its own virtio-gpu), the
 * add-ons a case lists, and globalstate, which the migration core
 * registers last.
 */
function devicesOf(release: string): DeviceClass[] {
  const pci = pciDevices(release);
  const taken = new Set(pci.map((d) => d.name));
  const platform = platformDevices(release).filter((d) => !taken.has(d.name));
  const last = platform.filter((d) => PLATFORM_LAST.includes(d.name));
  const own: DeviceClass[] = [];
  if (!taken.has('virtio-gpu')) {
    const v = gpuVariant(release);
    if (!gpus.has(v)) gpus.set(v, withGen(virtioGpu(v), virtioGpuGen));
    own.push(gpus.get(v)!);
  }
  if (!taken.has('isa-ipmi-kcs')) own.push((kcs ??= withGen(isaIpmiKcs(), isaIpmiKcsGen)));
  return [...platform.filter((d) => !PLATFORM_LAST.includes(d.name)), ...pci, ...own, ...last];
}

/** -M <machine> -nodefaults plus every add-on device of the release, in registration order. */
function machineDevices(release: string, board: 'pc-q35' | 'pc-i440fx', devices: DeviceClass[]): string[] {
  const defaults = platformDefaults(release, board);
  const known = new Set(devices.map((d) => d.name));
  // the other board's root bus is not on this board
  const elsewhere = new Set(['pcie.0', 'pci.0', ...Object.values(BOARD_ONLY).flat(), ...defaults, ...PLATFORM_LAST]);
  const addons = devices.map((d) => d.name).filter((n) => !elsewhere.has(n));
  // the platform add-ons register in the order a command line lists them, after the PCI ones
  const ordered = [...addons.filter((n) => !PLATFORM_ADDONS.includes(n)), ...PLATFORM_ADDONS.filter((n) => known.has(n))];
  return [...defaults.filter((n) => known.has(n)), ...ordered, ...PLATFORM_LAST.filter((n) => known.has(n))];
}

export function deriveRelease(prev: Release | null, step: ReleaseStep): Release {
  const base = prev ? lineage.get(prev) : undefined;
  if (prev && !base) throw new Error(`release ${prev.name} was not built by deriveRelease`);
  const versions = [...(base?.versions ?? []), ...(step.machine ? [step.machine] : [])];
  const q35Defaults = step.q35Defaults ?? base?.q35Defaults ?? [];
  const compatArrays = { ...(prev?.compatArrays ?? {}), ...(step.arrays ?? {}) };
  const devices = devicesOf(step.name);
  const machines: MachineType[] = buildMachines(
    [
      { family: 'pc-q35', defaults: q35Defaults, boardArray: 'pc_compat', versions },
      { family: 'pc-i440fx', defaults: [], boardArray: 'pc_compat', versions },
    ],
    compatArrays,
  ).map((m) => ({ ...m, devices: machineDevices(step.name, m.name.startsWith('pc-q35') ? 'pc-q35' : 'pc-i440fx', devices) }));
  const vmdescArrays = step.vmdescArrays ?? prev?.vmdescArrays ?? 'whole';
  const typeProps: Record<string, string[]> = { ...(prev?.typeProps ?? {}) };
  for (const [type, props] of Object.entries(step.typeProps ?? {})) typeProps[type] = [...(typeProps[type] ?? []), ...props];
    const vmdescNullptr = step.vmdescNullptr ?? prev?.vmdescNullptr ?? 'struct';
  const vmdescConfiguration = step.vmdescConfiguration ?? prev?.vmdescConfiguration ?? false;
  const release: Release = { name: step.name, compatArrays, machines, devices, vmdescArrays, vmdescNullptr, vmdescConfiguration, typeProps };
  lineage.set(release, { versions, q35Defaults });
  return release;
}

/** The machine versions a release offers, oldest first. */
export function machineVersions(release: Release): string[] {
  return lineage.get(release)?.versions ?? [];
}
