/**
 * The static diff's tests judge the virtio-gpu scanout change on a fixed
 * slice of the catalogue — virtio-gpu and isa-ipmi-kcs at the 8.x/9.0
 * machine types — so that they do not move as the catalogue grows.
 */
import { findRelease as findCatalogue } from '../../scenarios/releases/index.js';
import type { Release } from '../../src/machine/types.js';

export function findRelease(name: string): Release | undefined {
  const r = findCatalogue(name);
  if (!r) return undefined;
  return {
    ...r,
    devices: r.devices.filter((d) => d.name === 'virtio-gpu' || d.name === 'isa-ipmi-kcs'),
    machines: r.machines.filter((m) => /^pc-(q35|i440fx)-(8\.[0-2]|9\.0)$/.test(m.name)),
  };
}
