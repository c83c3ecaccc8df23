import { describe, expect, it } from 'vitest';
import { findRelease } from '../../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { runCase, runVmCase, type StateMode } from './run.js';
import { stateArbitrary } from '../gen/index.js';
import { Engine } from '../machine/engine.js';
import * as D from '../vmstate/dsl.js';
import { testRelease, testdevClass, testdevVmsd } from '../../test/fixtures/testdev.js';
import type { DeviceClass } from '../machine/types.js';

const rel = (n: string) => findRelease(n)!;
const property = (runs: number): StateMode => ({ kind: 'property', runs, seed: 11, arbitrary: deviceStateArbitrary });

describe('whole-VM streams', () => {
  it('every device of the release in one stream: 9.0.1 <-> 8.2.0 at pc-q35-8.2 passes', () => {
    for (const [a, b] of [['9.0.1', '8.2.0'], ['8.2.0', '9.0.1']] as const) {
      const r = runVmCase({ from: rel(a), to: rel(b), machine: 'pc-q35-8.2' }, { status: 'pass' }, property(3));
      expect(r.message).toBeNull();
      expect(r.status).toBe('pass');
      expect(r.id).toBe(`vm/${a}->${b}/pc-q35-8.2`);
    }
  });

  it('9.0.0 -> 8.2.0 fails in the virtio-gpu section and names it', () => {
    // hand-written states: shrinking a whole VM's worth of generated state takes minutes
    const r = runVmCase({ from: rel('9.0.0'), to: rel('8.2.0'), machine: 'pc-q35-8.2' }, null, { kind: 'examples' });
    expect(r.status).toBe('fail');
    expect(r.kind).toBe('footer-missing');
    expect(r.vmsd).toBe('virtio-gpu-one-scanout');
    expect(Object.keys(r.counterexample as object)).toEqual(expect.arrayContaining(['virtio-gpu', 'isa-ipmi-kcs']));
  });

  const extra: DeviceClass = { ...testdevClass(testdevVmsd({ name: 'other' }), 'other'), name: 'other', type: 'other' };
  const withExtra = testRelease('with-extra', [testdevClass(), extra]);
  const without = testRelease('without', [testdevClass()]);
  // testdev's validity rules: VMSTATE_VALIDATE rejects a = 0xff, post_load rejects e = 0xbadbad
  const generic: StateMode = { kind: 'property', runs: 10, seed: 3, arbitrary: (e, k) => stateArbitrary(e, k, { refine: (s) => ((s.a = Number(s.a) % 0xff), s.e === 0xbadbad && (s.e = 0), s) }) };

  it('a section the destination does not know fails as QEMU fails', () => {
    const r = runVmCase({ from: withExtra, to: without, machine: 'pc-q35-9.0' }, null, generic);
    expect(r.kind).toBe('unknown-section');
    expect(r.failure!.qemu[0]).toMatch(/^Unknown savevm section or instance 'other' 0\./);
  });

  it('a device the destination has and the source did not send is reported as state loss', () => {
    const r = runVmCase({ from: without, to: withExtra, machine: 'pc-q35-9.0' }, null, generic);
    expect(r.kind).toBe('missing-section');
    expect(r.message).toMatch(/state loss: .*no section for 'other' instance 0/);
  });

  it('two devices with the same plain idstr get instance ids 0 and 1, and both travel', () => {
    const e = new Engine(testRelease(), 'pc-q35-9.0', { devices: ['testdev', 'testdev'] });
    expect(e.instances.map((i) => [i.key, i.instanceId])).toEqual([['testdev', 0], ['testdev#1', 1]]);
    const r = runVmCase({ from: testRelease('a'), to: testRelease('b'), machine: 'pc-q35-9.0', fromDevices: ['testdev', 'testdev'], toDevices: ['testdev', 'testdev'] }, { status: 'pass' }, generic);
    expect(r.message).toBeNull();
    const missing = runVmCase({ from: testRelease('a'), to: testRelease('b'), machine: 'pc-q35-9.0', fromDevices: ['testdev'], toDevices: ['testdev', 'testdev'] }, null, generic);
    expect(missing.kind).toBe('missing-section');
  });
});

describe('silent state loss', () => {
  // A latch the guest reads back, kept beside the migrated registers.
  const latchDevice = (restores: boolean): DeviceClass => ({
    name: 'latchdev',
    type: 'latchdev',
    parents: ['device'],
    props: {},
    idstr: 'latchdev',
    instanceId: 0,
    guestVisible: ['latch'],
    vmsd: {
      name: 'latchdev',
      version_id: 1,
      minimum_version_id: 1,
      fields: [D.VMSTATE_UINT8('ctrl')],
      // the fixed model rebuilds the latch from the control register, as a real post_load would
      post_load: restores ? (s) => void (s.latch = Number(s.ctrl) & 0x0f) : undefined,
    },
    reset: () => ({ ctrl: 0, latch: 0 }),
  });
  const arbitrary = (e: Engine, k: string) => stateArbitrary(e, k, { refine: (s) => ((s.latch = Number(s.ctrl) & 0x0f), s) });
  const mode: StateMode = { kind: 'property', runs: 200, seed: 5, arbitrary };

  it('a guest-visible member the VMSD does not carry is lost on a same-release round trip', () => {
    const r1 = testRelease('r1', [latchDevice(false)]);
    const r = runCase({ device: 'latchdev', from: r1, to: r1, machine: 'pc-q35-9.0' }, null, mode);
    expect(r.kind).toBe('state-loss');
    expect(r.stage).toBe('baseline');
    expect(r.path).toBe('latch');
    expect(r.message).toMatch(/'latch' is guest-visible but does not survive/);
  });

  it('a post_load that rebuilds it passes', () => {
    const r1 = testRelease('r1', [latchDevice(true)]);
    const r = runCase({ device: 'latchdev', from: r1, to: r1, machine: 'pc-q35-9.0' }, { status: 'pass' }, mode);
    expect(r.message).toBeNull();
    expect(r.status).toBe('pass');
  });
});
