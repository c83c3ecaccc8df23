import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Engine } from '../machine/engine.js';
import type { State } from '../vmstate/types.js';
import { releases } from '../../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { engineCases, RUNS, runDevice, SEED, type EngineCase } from './_test/matrix.js';

/** Subsections whose needed() reads generated state: they must come out both ways. */
const STATE_DRIVEN = ['virtio/broken', 'virtio/started'];

const scanouts = (s: State) => s['parent_obj.scanout'] as State[];
const count = {
  shown: (s: State) => scanouts(s).some((so) => Number(so.resource_id) !== 0),
  viaFb: (s: State) => scanouts(s).some((so) => Number(so.resource_id) !== 0 && Number(so['fb.format'] ?? 0) !== 0),
  blobShown: (s: State) => {
    const ids = new Set((s.blob_resources as State[]).map((b) => b.resource_id));
    return scanouts(s).some((so) => ids.has(so.resource_id));
  },
  enabled: (s: State) => s['parent_obj.enable'] !== 0,
};

function check(c: EngineCase) {
  const stats = runDevice(c, { count });
  const props = c.engine.instance('virtio-gpu').props;
  expect(stats.exact).toBe(RUNS);
  for (const sub of STATE_DRIVEN) {
    expect(stats.sent.get(sub) ?? 0, `${sub} sent`).toBeGreaterThan(0);
    expect(stats.sent.get(sub) ?? 0, `${sub} not sent`).toBeLessThan(RUNS);
  }
  // property-driven: always (host features offer VERSION_1 and high bits) or per the blob property
  expect(stats.sent.get('virtio/virtqueues')).toBe(RUNS);
  expect(stats.sent.get('virtio/64bit_features')).toBe(RUNS);
  expect(stats.sent.get('virtio-gpu/blob') ?? 0).toBe(props.blob === true ? RUNS : 0);
  expect(stats.counted.get('shown') ?? 0).toBeGreaterThan(RUNS / 4);
  expect(stats.counted.get('enabled') ?? 0).toBeGreaterThan(0);
  expect(stats.counted.get('enabled') ?? 0).toBeLessThan(RUNS);
  // fb.* travel in 9.0.0 always, from 9.0.1 on unless hw_compat_8_2 set x-scanout-vmstate-version 1
  const name = c.engine.release.name;
  const version = props['x-scanout-vmstate-version'];
  const fbOnWire = name === '9.0.0' || (version !== undefined && Number(version) >= 2);
  if (fbOnWire) expect(stats.counted.get('viaFb') ?? 0).toBeGreaterThan(0);
  else expect(stats.counted.get('viaFb') ?? 0).toBe(0);
  if (props.blob === true && fbOnWire) expect(stats.counted.get('blobShown') ?? 0).toBeGreaterThan(0);
  else expect(stats.counted.get('blobShown') ?? 0).toBe(0);
}

/** The machine types where the scanout layout differs (≤ 8.2 against ≥ 9.0), and each release's newest. */
const LAYOUT_MACHINES = /-(7\.2|8\.2|9\.0|10\.0)$/;

describe.each(engineCases('virtio-gpu').filter((c) => LAYOUT_MACHINES.test(c.name)))('virtio-gpu at $name', (c) => {
  test(`${RUNS} generated states load back unchanged; needed() subsections both ways`, () => check(c));
});

describe.each(releases.flatMap((r) => ['pc-q35-8.2', 'pc-q35-9.0'].filter((m) => r.machines.some((x) => x.name === m)).map((m) => [r, m] as const)))(
  'virtio-gpu blob=on at %s %s',
  (release, machine) => {
    const blob = (r: typeof release): EngineCase => ({
      name: `${r.name} ${machine} blob=on`,
      engine: new Engine(r, machine, { devices: ['virtio-gpu'], overrides: { 'virtio-gpu': { blob: 'on' } } }),
      device: 'virtio-gpu',
    });
    test(`${RUNS} generated states with blob resources load back`, () => check(blob(release)));
  },
);
