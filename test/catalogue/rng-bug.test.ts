/**
 * A real QEMU bug the release models reproduce from the compat tables
 * alone: 7.2.0's hw_compat_7_1 lacks (virtio-rng-pci, vectors, 0), so at
 * the 7.1 and older machine types a 7.2.0 virtio-rng-pci has an MSI-X
 * capability the neighbours lack, and the destination's PCI config check
 * rejects the stream (scenarios/builtin/virtio-rng-vectors.json).
 *
 * The Debian 7.2 binary carries the stable fix, which this test confirms
 * (its vectors are 0 at pc-q35-7.1): 7.2.0 itself is not available here.
 */
import { describe, expect, it } from 'vitest';
import { findRelease } from '../../scenarios/releases/index.js';
import { locateQemu } from '../../src/qemu/binaries.js';
import { withQemu } from '../../src/qemu/driver.js';
import { resolveProps } from '../../src/machine/props.js';
import type { DeviceClass } from '../../src/machine/types.js';

const rngPci: DeviceClass = {
  name: 'virtio-rng-pci',
  type: 'virtio-rng-pci',
  parents: ['virtio-pci', 'pci-device', 'device'],
  props: { vectors: { type: 'uint32', default: 2 } },
  vmsd: { name: 'x', version_id: 1, fields: [] },
  idstr: 'x',
  instanceId: 0,
  reset: () => ({}),
};
const vectors = (release: string, machine: string) =>
  resolveProps(rngPci, findRelease(release)!.machines.find((m) => m.name === machine)!.compat).vectors;

describe('virtio-rng-pci vectors at old machine types', () => {
  it('7.2.0 keeps the new default at pc-*-7.1; 8.0.0 and later restore 0', () => {
    expect([vectors('7.2.0', 'pc-q35-7.1'), vectors('8.0.0', 'pc-q35-7.1'), vectors('10.0.0', 'pc-i440fx-7.0')]).toEqual([2, 0, 0]);
    expect([vectors('7.2.0', 'pc-q35-7.2'), vectors('8.0.0', 'pc-q35-7.2')]).toEqual([2, 2]);
  });

  it('the Debian 7.2 binary has the stable fix: 0 vectors at pc-q35-7.1, 2 at pc-q35-7.2', async () => {
    const binary = await locateQemu('7.2');
    const get = (machine: string) =>
      withQemu({ binary, vm: { machine, devices: ['virtio-rng-pci,id=rng0'] } }, (q) =>
        q.qmp!.execute<number>('qom-get', { path: '/machine/peripheral/rng0', property: 'vectors' }),
      );
    expect([await get('pc-q35-7.1'), await get('pc-q35-7.2')]).toEqual([0, 2]);
  });
});
