/**
 * Sections a QEMU source tree registers with vmstate_register*() and no
 * class (the board's clocks, the local APIC, the buses, acpi_build,
 * globalstate, the IPMI devices), held against the section list of real
 * streams: the Debian 7.2.22 and 10.0.2 binaries save -M pc-q35-7.2 with
 * an IPMI BMC and its KCS interface, and each stream's JSON description is
 * the oracle for names, instance ids, VMSD names and versions. Then the
 * sections have cases that run; the ACPI memory hotplug selector is not
 * drawn without slots in the extracted ICH9-LPC and PIIX4_PM; the i8259
 * tree scenario holds. Nothing is skipped: a missing tree or binary fails.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCase, runPlannedCase, type StateMode } from '../src/check/run.js';
import { planMatrix } from '../src/check/matrix.js';
import { Engine } from '../src/machine/engine.js';
import type { Release } from '../src/machine/types.js';
import { locateQemu, SETUP_HINT } from '../src/qemu/binaries.js';
import { saveToFile } from '../src/qemu/driver.js';
import { decodeStream } from '../src/wire/decode.js';
import { SOURCE_SETUP_HINT } from '../src/source/extract.js';
import type { State } from '../src/vmstate/types.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';
import { loadReleases } from './releases.js';
import { loadScenarios } from './scenarios.js';

const TREES = ['.cache/src/qemu-7.2.22', '.cache/src/qemu-10.0.2'].map((t) => resolve(t));
interface DescEntry {
  name: string;
  instance_id: number;
  vmsd_name: string;
  version: number;
}
const trees = {} as Record<'7.2' | '10.0', Release>;
const real = {} as Record<'7.2' | '10.0', DescEntry[]>;

beforeAll(async () => {
  for (const t of TREES) if (!existsSync(join(t, 'VERSION'))) throw new Error(`${t}: QEMU source tree missing; ${SOURCE_SETUP_HINT}`);
  const all = await loadReleases(TREES);
  trees['7.2'] = all.find((r) => r.name === '7.2.22')!;
  trees['10.0'] = all.find((r) => r.name === '10.0.2')!;
  for (const bin of ['7.2', '10.0'] as const) {
    let binary;
    try {
      binary = await locateQemu(bin);
    } catch (e) {
      throw new Error(`QEMU ${bin} is needed here and is missing: ${(e as Error).message} (${SETUP_HINT})`);
    }
    const bytes = await saveToFile({ binary, vm: { machine: 'pc-q35-7.2', devices: ['isa-serial'], args: ['-device', 'ipmi-bmc-sim,id=bmc0', '-device', 'isa-ipmi-kcs,bmc=bmc0'] } });
    const vmdesc = decodeStream(bytes).vmdesc;
    if (!vmdesc) throw new Error(`the real ${bin} stream has no JSON description`);
    real[bin] = (vmdesc.desc as unknown as { devices: DescEntry[] }).devices;
  }
}, 900_000);

/** The sections every pc-q35 stream holds that vmstate_register*() sites make (plus the IPMI pair the command line adds). */
const REGISTERED = ['timer', 'apic', 'PCIBUS', 'i2c_bus', 'ipmi-bmc-sim', 'ipmi-interface', 'acpi_build', 'globalstate'];

describe.each(['7.2', '10.0'] as const)('the %s tree’s registered sections against the real stream', (bin) => {
  test('each the stream has is there with its idstr, instance id, VMSD name and version', () => {
    const r = trees[bin];
    const registered = r.devices.filter((d) => d.extracted?.registered);
    for (const idstr of REGISTERED) {
      const entry = real[bin].find((e) => e.name === idstr);
      expect(entry, `the real ${bin} stream has no section ${idstr}`).toBeDefined();
      const d = registered.find((x) => x.idstr === idstr);
      expect(d, `${r.name} has no registered section ${idstr}`).toBeDefined();
      expect({ idstr: d!.idstr, instance_id: d!.instanceId, vmsd_name: d!.vmsd.name, version: d!.vmsd.version_id }).toEqual({
        idstr: entry!.name,
        instance_id: entry!.instance_id,
        vmsd_name: entry!.vmsd_name,
        version: entry!.version,
      });
    }
  });

  test('every section of the stream is a device of the tree but the CPU’s own', () => {
    const r = trees[bin];
    const unaccounted = real[bin].filter((e) => !r.devices.some((d) => d.vmsd.name === e.vmsd_name && (d.idstr === e.name || e.name.endsWith(`/${d.idstr}`)) && d.vmsd.version_id === e.version));
    // target/i386/machine.c's cpu (the CPU class's VMSD comes from its sysemu ops), and 7.2's cpu_common (registered in cpu.c, which is not read)
    expect(unaccounted.map((e) => e.name)).toEqual(bin === '7.2' ? ['cpu_common', 'cpu'] : ['cpu']);
  });
});

const mode: StateMode = { kind: 'property', runs: 25, seed: 7, arbitrary: deviceStateArbitrary };

describe('registered sections have cases', () => {
  // globalstate: runstate is 100 bytes in 7.2 and 32 plus has_vm_was_suspended, vm_was_suspended and unused[66] in 10.0 (compared by its
  // wire bytes), drawn as a NUL-padded RunState name with size = strnlen + 1 (scenarios/common/tree-domains.ts)
  test.each(['timer', 'apic', 'PCIBUS', 'i2c_bus', 'acpi_build', 'ipmi-bmc-sim', 'isa-ipmi-kcs', 'globalstate'])('%s passes both ways 7.2.22 ⇄ 10.0.2 at pc-q35-7.2, on generated states', (device) => {
    for (const [from, to] of [[trees['7.2'], trees['10.0']], [trees['10.0'], trees['7.2']]] as const) {
      const r = runCase({ device, from, to, machine: 'pc-q35-7.2' }, null, mode);
      expect(r.status, `${device} ${from.name} → ${to.name}: ${r.message ?? ''}`).toBe('pass');
      expect(r.states).toBeGreaterThanOrEqual(25);
    }
  });
});

describe('sections registered only under a condition', () => {
  test.each(['7.2', '10.0'] as const)('%s: replay (replay_configure, with -icount rr=…) is not applicable, saying so; acpi_build, whose conditions hold on pc boards, is', (bin) => {
    const r = trees[bin];
    expect(r.devices.find((d) => d.name === 'replay')!.onlyWhen?.why).toMatch(/^registered only when opts \(replay_configure, replay\/replay\.c:\d+\) and rr \(replay_configure/);
    const acpi = r.devices.find((d) => d.name === 'acpi_build')!;
    expect(acpi.onlyWhen).toBeUndefined();
    expect(acpi.extracted!.registered).toMatch(/registered when x86ms->fw_cfg \(acpi_setup/);
    // the real stream agrees: no replay section without -icount rr, an acpi_build one
    expect(real[bin].some((e) => e.name === 'replay')).toBe(false);
    expect(real[bin].some((e) => e.name === 'acpi_build')).toBe(true);
  });
});

describe('the ACPI memory hotplug selector in extracted models', () => {
  test.each([
    ['ICH9-LPC', 'pc-q35-7.2', (s: State) => ((s.pm as State)['acpi_memory_hotplug'] as State).selector],
    ['PIIX4_PM', 'pc-i440fx-7.2', (s: State) => (s['acpi_memory_hotplug'] as State).selector],
  ])('%s at %s: never drawn without slots (dev_count 0), in a subsection that is sent', (device, machine, selector) => {
    for (const r of [trees['7.2'], trees['10.0']]) {
      const e = new Engine(r, machine, { devices: [device] });
      // the memhp subsection is on the wire (memory-hotplug-support, or ICH9's instance_init value from the override table), so the selector is a sent field
      const desc = JSON.stringify(e.save({ [device]: e.resetState(device) }).desc.devices[0]);
      expect(desc, `${r.name} ${device}`).toMatch(/"vmsd_name":"[a-z0-9_]+\/memhp"/);
      const samples = fc.sample(deviceStateArbitrary(e, device), { numRuns: 100, seed: 5 });
      expect(samples.length).toBe(100);
      for (const s of samples) expect(selector(s)).toBe(0);
    }
  });

  test('ICH9-LPC passes both ways at pc-q35-7.2 (the false alarm was a drawn selector)', () => {
    for (const [from, to] of [[trees['7.2'], trees['10.0']], [trees['10.0'], trees['7.2']]] as const) {
      const r = runCase({ device: 'ICH9-LPC', from, to, machine: 'pc-q35-7.2' }, null, { ...mode, runs: 100, seed: 1 });
      expect(r.status, `${from.name} → ${to.name}: ${r.message ?? ''}`).toBe('pass');
    }
  });
});

test('scenarios/trees: isa-i8259 10.0.2 → 7.2.22 fails as expected (unknown-subsection), 7.2.22 → 10.0.2 passes', () => {
  const scenarioCases = loadScenarios([resolve('scenarios/trees')]).flatMap((s) => s.cases);
  const releases = [trees['7.2'], trees['10.0']];
  const plan = planMatrix(releases, { scenarioCases, filters: { pairs: ['7.2.22:10.0.2'], device: ['isa-i8259'], machine: ['pc-q35-7.2'] } });
  expect(plan.cases.map((c) => [c.from, c.to, c.expect])).toEqual([
    ['7.2.22', '10.0.2', { status: 'pass' }],
    ['10.0.2', '7.2.22', { status: 'fail', kind: 'unknown-subsection' }],
  ]);
  for (const c of plan.cases) {
    const r = runPlannedCase(c, releases.find((x) => x.name === c.from)!, releases.find((x) => x.name === c.to)!, mode);
    expect(r.unexpected, `${c.id}: ${r.status} ${r.kind ?? ''} ${r.message ?? ''}`).toBe(false);
  }
});
