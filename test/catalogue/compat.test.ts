/**
 * Every compat entry of every release model against the fact table, with
 * the rule of which arrays a release's tree holds; the override order on a
 * property two arrays set; and the machine types each release offers.
 */
import { describe, expect, it } from 'vitest';
import { releases } from '../../scenarios/releases/index.js';
import { compareReleases } from '../../scenarios/releases/catalogue-platform.js';
import { machineVersions } from '../../scenarios/releases/build.js';
import { resolveProps } from '../../src/machine/props.js';
import type { DeviceClass } from '../../src/machine/types.js';
import { COMPAT_FACTS, EMPTY_ARRAYS, Q35_DEFAULTS_SINCE } from './compat-facts.js';

const NEWEST: Record<string, string> = {
  '7.2.0': '7.2', '7.2.1': '7.2', '7.2.3': '7.2', '8.0.0': '8.0', '8.0.1': '8.0', '8.1.0': '8.1', '8.2.0': '8.2', '9.0.0': '9.0', '9.0.1': '9.0', '9.1.0': '9.1', '9.2.0': '9.2', '10.0.0': '10.0',
};
const VERSIONS = ['7.0', '7.1', '7.2', '8.0', '8.1', '8.2', '9.0', '9.1', '9.2', '10.0'];
const arrayVersion = (a: string) => a.replace(/^(hw|pc)_compat_/, '').replace('_', '.');
const older = (a: string, b: string) => VERSIONS.indexOf(a) < VERSIONS.indexOf(b);

describe('compat arrays against the facts', () => {
  it.each(releases.map((r) => r.name))('%s holds exactly the arrays and entries its tree has', (name) => {
    const r = releases.find((x) => x.name === name)!;
    const expected: Record<string, string[]> = {};
    for (const a of [...new Set([...COMPAT_FACTS.map((x) => x.array), ...EMPTY_ARRAYS])]) {
      if (older(arrayVersion(a), NEWEST[name]!)) expected[a] = [];
    }
    for (const fact of COMPAT_FACTS) {
      if (!(fact.array in expected)) continue;
      if (fact.since && compareReleases(name, fact.since) < 0) continue;
      if (fact.before && compareReleases(name, fact.before) >= 0) continue;
      expected[fact.array]!.push(`${fact.driver}.${fact.property}=${fact.value}`);
    }
    const got = Object.fromEntries(Object.entries(r.compatArrays).map(([a, es]) => [a, es.map((e) => `${e.driver}.${e.property}=${e.value}`)]));
    expect(got).toEqual(expected);
  });

  it("virtio-net's USO entries: in hw_compat_8_0 in 8.2.0 and 9.0.0, in hw_compat_8_1 from 9.0.1 (9710401276a0)", () => {
    const where = (n: string) => {
      const a = releases.find((r) => r.name === n)!.compatArrays;
      return ['hw_compat_8_0', 'hw_compat_8_1'].filter((k) => (a[k] ?? []).some((e) => e.property === 'host_uso'));
    };
    expect(['8.1.0', '8.2.0', '9.0.0', '9.0.1', '10.0.0'].map(where)).toEqual([[], ['hw_compat_8_0'], ['hw_compat_8_0'], ['hw_compat_8_1'], ['hw_compat_8_1']]);
  });

  it('9.0.0 lacks the virtio-gpu entry of hw_compat_8_2 and 9.0.1 has it (the stable fix)', () => {
    const line = (n: string) => releases.find((r) => r.name === n)!.compatArrays.hw_compat_8_2!.some((e) => e.driver === 'virtio-gpu-device');
    expect([line('9.0.0'), line('9.0.1'), line('10.0.0')]).toEqual([false, true, true]);
  });

  it('every machine type applies the board defaults, then every array from the newest older version down to its own', () => {
    for (const r of releases) {
      for (const m of r.machines) {
        const [, board, v] = /^pc-(q35|i440fx)-(.+)$/.exec(m.name)!;
        const arrays = VERSIONS.filter((x) => !older(x, v!) && older(x, NEWEST[r.name]!)).reverse();
        const want = [
          ...(board === 'q35' && compareReleases(r.name, Q35_DEFAULTS_SINCE) >= 0 ? ['virtio-iommu-pci.aw-bits=39'] : []),
          ...arrays.flatMap((x) => [x.replace('.', '_')].flatMap((u) => [...(r.compatArrays[`hw_compat_${u}`] ?? []), ...(r.compatArrays[`pc_compat_${u}`] ?? [])])).map((e) => `${e.driver}.${e.property}=${e.value}`),
        ];
        expect(m.compat.map((e) => `${e.driver}.${e.property}=${e.value}`), `${r.name} ${m.name}`).toEqual(want);
      }
    }
  });
});

describe('override order', () => {
  // virtio-iommu-pci.aw-bits is set by q35's board defaults (39) and by hw_compat_8_2 (64): the later, older array wins
  const iommu: DeviceClass = {
    name: 'virtio-iommu-pci',
    type: 'virtio-iommu-pci',
    parents: ['virtio-pci', 'pci-device', 'device'],
    props: { 'aw-bits': { type: 'uint8', default: 64 }, granule: { type: 'string', default: 'host' } },
    vmsd: { name: 'x', version_id: 1, fields: [] },
    idstr: 'x',
    instanceId: 0,
    reset: () => ({}),
  };
  const at = (release: string, machine: string) => {
    const r = releases.find((x) => x.name === release)!;
    return resolveProps(iommu, r.machines.find((m) => m.name === machine)!.compat);
  };
  it('a property two arrays set takes the value of the array applied last (the oldest machine version)', () => {
    expect(at('10.0.0', 'pc-q35-10.0')['aw-bits']).toBe(39);
    expect(at('10.0.0', 'pc-q35-9.0')['aw-bits']).toBe(39);
    expect(at('10.0.0', 'pc-q35-8.2')).toEqual({ 'aw-bits': 64, granule: '4k' });
    expect(at('10.0.0', 'pc-q35-7.0')['aw-bits']).toBe(64);
    expect(at('10.0.0', 'pc-i440fx-10.0')['aw-bits']).toBe(64); // no board default: the class default
    expect(at('8.2.0', 'pc-q35-8.2')).toEqual({ 'aw-bits': 64, granule: 'host' }); // 8.2.0 has neither
  });
});

describe('machine types', () => {
  it('each release offers pc-q35 and pc-i440fx from 7.0 to its own version', () => {
    for (const r of releases) {
      const vs = VERSIONS.filter((v) => !older(NEWEST[r.name]!, v));
      expect(machineVersions(r)).toEqual(vs);
      expect(r.machines.map((m) => m.name).sort()).toEqual(vs.flatMap((v) => [`pc-q35-${v}`, `pc-i440fx-${v}`]).sort());
    }
  });

  it('each release has at least 32 device models and every machine lists only devices of its release', () => {
    for (const r of releases) {
      expect(r.devices.length, r.name).toBeGreaterThanOrEqual(32);
      const names = new Set(r.devices.map((d) => d.name));
      for (const m of r.machines) for (const d of m.devices ?? []) expect(names.has(d), `${r.name} ${m.name} ${d}`).toBe(true);
    }
  });
});
