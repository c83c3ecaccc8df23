/**
 * The device generators as a whole: every custom codec of a built-in
 * device has an arbitrary, and failing properties shrink to small states.
 * The per-engine round trips are in devices.<device>.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Engine } from '../machine/engine.js';
import type { State } from '../vmstate/types.js';
import { findRelease, releases } from '../../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { customInfoNames } from './codecs.js';
import { stateArbitrary } from './state.js';
import { firstDiff, roundTrip } from './_test/roundtrip.js';
import { RUNS, SEED } from './_test/matrix.js';

test('every built-in device class carries a generator for each of its custom codecs', () => {
  for (const release of releases) {
    for (const cls of release.devices) {
      const custom = cls.gen?.custom ?? {};
      for (const name of customInfoNames(cls.vmsd)) expect(custom, `${release.name} ${cls.name}: codec '${name}'`).toHaveProperty([name]);
    }
  }
});

test('every built-in device generates every field at every machine type (nothing is left at its reset value unsaid)', () => {
  const missing: string[] = [];
  for (const release of releases) {
    // the oldest and the newest machine type: compat properties switch fields on and off between them
    for (const m of [release.machines[0]!, release.machines.at(-1)!]) {
      for (const cls of release.devices) {
        const arb = deviceStateArbitrary(new Engine(release, m.name, { devices: [cls.name] }), cls.name);
        for (const u of arb.ungenerated) missing.push(`${release.name} ${m.name} ${cls.name}: ${u.vmsd}:${u.field} (${u.reason})`);
      }
    }
  }
  expect([...new Set(missing.map((x) => x.replace(/^\S+ \S+ /, '')))]).toEqual([]);
});

describe('shrinking', () => {
  const release = releases.find((r) => r.name === '9.0.1')!;

  test.each(['pc-q35-9.0', 'pc-q35-8.2'])("virtio-gpu at %s: 'no scanout shows a resource' shrinks to one small resource", (machine) => {
    const engine = new Engine(release, machine, { devices: ['virtio-gpu'] });
    const out = fc.check(
      fc.property(deviceStateArbitrary(engine, 'virtio-gpu'), (s) => (s['parent_obj.scanout'] as State[]).every((so) => Number(so.resource_id) === 0)),
      { seed: SEED, numRuns: RUNS },
    );
    expect(out.failed).toBe(true);
    const s = out.counterexample![0];
    const resources = s.resources as State[];
    expect(resources).toHaveLength(1);
    expect(resources[0]).toMatchObject({ width: 1, height: 1, iov: [] });
    expect((resources[0]!.data as Uint8Array).length).toBe(4);
    expect((s['parent_obj.scanout'] as State[])[0]!.resource_id).toBe(resources[0]!.resource_id);
    // everything unrelated went back to its reset value
    const reset = engine.resetState('virtio-gpu');
    expect(firstDiff(s.virtio, reset.virtio)).toBe(null);
    expect(s['parent_obj.enable']).toBe(0);
    // and the shrunk state is still one the engine loads back unchanged
    expect(firstDiff(roundTrip(engine, 'virtio-gpu', s).once, s)).toBe(null);
  });

  test('isa-ipmi-kcs: a failing bound on outlen shrinks to the boundary with everything else reset', () => {
    const engine = new Engine(findRelease('8.2.0')!, 'pc-q35-8.2', { devices: ['isa-ipmi-kcs'] });
    const out = fc.check(
      fc.property(deviceStateArbitrary(engine, 'isa-ipmi-kcs'), (s) => Number((s.kcs as State).outlen) < 10),
      { seed: SEED, numRuns: RUNS },
    );
    expect(out.failed).toBe(true);
    const kcs = out.counterexample![0].kcs as State;
    expect(kcs.outlen).toBe(10);
    expect((kcs.outmsg as number[]).every((b) => b === 0)).toBe(true);
    expect(kcs.data_in_reg).toBe(-1);
  });
});

test('the VMSD alone (no device knowledge) already yields loadable isa-ipmi-kcs states', () => {
  const engine = new Engine(findRelease('8.2.0')!, 'pc-q35-8.2', { devices: ['isa-ipmi-kcs'] });
  fc.assert(
    fc.property(stateArbitrary(engine, 'isa-ipmi-kcs'), (s) => {
      const { once, twice } = roundTrip(engine, 'isa-ipmi-kcs', s);
      expect(firstDiff(twice, once)).toBe(null);
    }),
    { numRuns: 50, seed: SEED },
  );
});
