/**
 * State no VMSD saves: a member the device declares guest-visible is
 * generated like any other, so the property finds its loss on its own (no
 * hand-written example needed); and a member the device's validity rules
 * set where the save does not write it stays as the rules set it.
 */
import { describe, expect, it } from 'vitest';
import { runCase } from './run.js';
import type { ArbitraryFactory } from './property.js';
import { stateArbitrary } from '../gen/index.js';
import * as D from '../vmstate/dsl.js';
import { buildMachines } from '../machine/compat.js';
import type { DeviceClass, Release } from '../machine/types.js';
import type { Engine } from '../machine/engine.js';

const release = (cls: DeviceClass): Release => ({
  name: 'r1',
  compatArrays: {},
  machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['1.0'] }], {}),
  devices: [cls],
});
const run = (cls: DeviceClass, arbitrary: ArbitraryFactory) => {
  const r1 = release(cls);
  return runCase({ device: cls.name, from: r1, to: r1, machine: 'pc-q35-1.0' }, { status: 'pass' }, { kind: 'property', runs: 100, seed: 9, arbitrary });
};

describe('guest-visible members no VMSD saves', () => {
  // a latch the guest wrote, that nothing migrates and no post_load rebuilds
  const latch: DeviceClass = {
    name: 'latchdev',
    type: 'latchdev',
    parents: ['device'],
    props: {},
    idstr: 'latchdev',
    instanceId: 0,
    guestVisible: ['latch'],
    vmsd: { name: 'latchdev', version_id: 1, minimum_version_id: 1, fields: [D.VMSTATE_UINT8('ctrl')] },
    reset: () => ({ ctrl: 0, latch: 0, mode: { on: false, bits: new Uint8Array(2) } }),
  };

  it('are generated, so the loss is found from the VMSD alone', () => {
    const r = run(latch, (e: Engine, k: string) => stateArbitrary(e, k));
    expect(r.kind).toBe('state-loss');
    expect(r.path).toBe('latch');
  });

  it('a generated value has the reset value’s shape', () => {
    const r = run({ ...latch, guestVisible: ['mode'] }, (e: Engine, k: string) => stateArbitrary(e, k));
    expect(r.kind).toBe('state-loss');
    expect(r.path).toBe('mode');
    const cex = r.counterexample as { mode: { on: unknown; bits: unknown } };
    expect(typeof cex.mode.on).toBe('boolean');
    expect(typeof cex.mode.bits).toBe('string'); // a buffer, as hex
  });
});

describe('members the save does not write, after refine', () => {
  // `shadow` is on the wire only with the x-shadow property; otherwise post_load rebuilds it from ctrl, and refine says so
  const shadow: DeviceClass = {
    name: 'shadowdev',
    type: 'shadowdev',
    parents: ['device'],
    props: { 'x-shadow': { type: 'bool', default: false } },
    idstr: 'shadowdev',
    instanceId: 0,
    guestVisible: ['shadow'],
    vmsd: {
      name: 'shadowdev',
      version_id: 1,
      minimum_version_id: 1,
      fields: [D.VMSTATE_UINT8('ctrl'), D.VMSTATE_UINT8_TEST('shadow', (_s, _v, ctx) => ctx.props['x-shadow'] === true)],
      post_load: (s, _v, ctx) => void (ctx.props['x-shadow'] !== true && (s.shadow = Number(s.ctrl) & 0x0f)),
    },
    reset: () => ({ ctrl: 0, shadow: 0 }),
    gen: { refine: (s) => ((s.shadow = Number(s.ctrl) & 0x0f), s) },
  };

  it('keep the value refine gave them: a member post_load rebuilds correctly is not reported lost', () => {
    const r = run(shadow, (e: Engine, k: string) => stateArbitrary(e, k));
    expect(r.message).toBeNull();
    expect(r.status).toBe('pass');
  });

  it('without the rule, the loss is found', () => {
    const r = run({ ...shadow, gen: {}, vmsd: { ...shadow.vmsd, post_load: undefined } }, (e: Engine, k: string) => stateArbitrary(e, k));
    expect(r.kind).toBe('state-loss');
  });
});
