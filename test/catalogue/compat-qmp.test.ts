/**
 * The 10.0.0 model's machine types and compat lists against what the real
 * 10.0 binary says over QMP (`query-machines` with compat-props, QEMU ≥ 9.1):
 * the same pc-q35/pc-i440fx machine types from 7.0 up, and for each the
 * same (driver, property, value) list in the same order.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { locateQemu } from '../../src/qemu/binaries.js';
import { withQemu } from '../../src/qemu/driver.js';
import { findRelease } from '../../scenarios/releases/index.js';

interface QmpMachine {
  name: string;
  'compat-props'?: { 'qom-type': string; property: string; value: string }[];
}

let machines: QmpMachine[] = [];

beforeAll(async () => {
  const binary = await locateQemu('10.0');
  machines = await withQemu({ binary, vm: { machine: 'pc-q35-10.0' } }, (q) => q.qmp!.execute<QmpMachine[]>('query-machines', { 'compat-props': true }));
}, 30_000);

const modelled = (name: string) => {
  const m = /^pc-(q35|i440fx)-(\d+)\.(\d+)$/.exec(name);
  return m !== null && Number(m[2]) >= 7;
};

describe('10.0.0 against the real 10.0 binary', () => {
  const release = findRelease('10.0.0')!;

  it('offers the same x86 machine types (7.0 and newer)', () => {
    const real = machines.map((m) => m.name).filter(modelled).sort();
    expect(real.length).toBe(20);
    expect(release.machines.map((m) => m.name).sort()).toEqual(real);
  });

  it('applies the same compat properties in the same order at every machine type', () => {
    for (const m of release.machines) {
      const real = machines.find((x) => x.name === m.name)!;
      const want = (real['compat-props'] ?? []).map((p) => `${p['qom-type']}.${p.property}=${p.value}`);
      const got = m.compat.map((e) => `${e.driver}.${e.property}=${e.value}`);
      expect(got, m.name).toEqual(want);
    }
  });
});
