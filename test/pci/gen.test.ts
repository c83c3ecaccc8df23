/**
 * Generated states of every PCI/virtio model load back unchanged on the
 * engine that saved them, for every distinct device VMSD and property set
 * the releases and their machine types give it.
 */
import { describe, expect, test } from 'vitest';
import { Engine } from '../../src/machine/engine.js';
import { releases } from '../../scenarios/releases/index.js';
import type { Release } from '../../src/machine/types.js';
import type { VMStateDescription } from '../../src/vmstate/types.js';
import { pciDevices } from '../../scenarios/releases/catalogue-pci.js';
import { runDevice } from '../../src/gen/_test/matrix.js';
import type { State } from '../../src/vmstate/types.js';
import { hasFeature, type VirtioState } from '../../scenarios/common/virtio.js';
import { VIRTIO_NET, virtioNetVariant } from '../../scenarios/devices/virtio-net.js';

const RUNS = 25;

/**
 * States the device's own load changes (QEMU's behaviour, modelled): up to
 * 8.1 virtio-net clears the VLAN table when CTRL_VLAN is negotiated.
 */
function validFor(device: string, release: string): ((s: State) => boolean) | undefined {
  if (device !== 'virtio-net' || virtioNetVariant(release) !== '7.2') return undefined;
  return (s) => !hasFeature((s.virtio as VirtioState).guest_features, VIRTIO_NET.CTRL_VLAN) || (s.vlans as Uint8Array).every((b) => b === 0);
}

/** One case per distinct device model and resolved property set: other release × machine pairs build the same engine. */
const cases = (() => {
  const seen = new Map<VMStateDescription, Set<string>>();
  const out: { release: Release; device: string; machine: string }[] = [];
  for (const r of releases) {
    for (const d of pciDevices(r.name)) {
      for (const m of r.machines) {
        const key = JSON.stringify(new Engine(r, m.name, { devices: [d.name] }).instance(d.name).props, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
        const keys = seen.get(d.vmsd) ?? new Set();
        seen.set(d.vmsd, keys);
        if (keys.has(key)) continue;
        keys.add(key);
        out.push({ release: r, device: d.name, machine: m.name });
      }
    }
  }
  return out;
})();

describe.each(cases)('$device at $release.name $machine', ({ release, device, machine }) => {
  test(`${RUNS} generated states load back unchanged`, () => {
    const engine = new Engine(release, machine, { devices: [device] });
    const stats = runDevice({ name: `${release.name} ${machine}`, engine, device }, { runs: RUNS, valid: validFor(device, release.name) });
    // the others are states the device's own load normalises (validFor)
    expect(stats.exact).toBeGreaterThan(RUNS / 3);
    if (device.startsWith('virtio-')) expect(stats.sent.get('virtio/started') ?? 0).toBeGreaterThan(0);
  });
});
