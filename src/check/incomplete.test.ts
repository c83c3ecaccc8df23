/**
 * A green verdict must be earned: a field that nothing generates keeps its
 * reset value in every state, so a case that passes has not tested it. Such
 * a case is `incomplete` (an unexpected result), unless the model says, with
 * a reason, that the field is fixed. Generation comes from the device class
 * (its `gen`), never from a lookup by device name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { runCase, summarize, type StateMode } from './run.js';
import * as D from '../vmstate/dsl.js';
import { buildMachines } from '../machine/compat.js';
import type { DeviceClass, Release } from '../machine/types.js';
import type { VMStateInfo } from '../vmstate/types.js';
import type { DeviceGen } from '../gen/index.js';

/** A request-list codec as a device would hand-write it: a count and that many u32s. */
const reqlist: VMStateInfo = {
  name: 'virtio',
  put(w, v) {
    const list = (v as number[]) ?? [];
    w.u32(list.length);
    for (const x of list) w.u32(x);
  },
  get(r) {
    const n = r.u32('count');
    return Array.from({ length: n }, () => r.u32('req'));
  },
};

// Named like the built-in virtio-rng, and using a codec named like its `virtio`: neither may borrow its generator.
function device(gen?: DeviceGen): DeviceClass {
  return {
    name: 'virtio-rng',
    type: 'my-rng',
    parents: ['device'],
    props: {},
    idstr: 'my-rng',
    instanceId: 0,
    vmsd: { name: 'my-rng', version_id: 1, minimum_version_id: 1, fields: [D.VMSTATE_UINT32('ctrl'), D.field('reqs', { info: reqlist })] },
    reset: () => ({ ctrl: 0, reqs: [] }),
    gen,
  };
}
const release = (name: string, cls: DeviceClass): Release => ({
  name,
  compatArrays: {},
  machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['1.0'] }], {}),
  devices: [cls],
});
const mode: StateMode = { kind: 'property', runs: 50, seed: 7, arbitrary: deviceStateArbitrary };
const run = (cls: DeviceClass) => runCase({ device: 'virtio-rng', from: release('1.0', cls), to: release('1.1', cls), machine: 'pc-q35-1.0' }, { status: 'pass' }, mode);

describe('a field nothing generates', () => {
  it('makes the case incomplete, names the field, and is unexpected', () => {
    const r = run(device());
    expect(r.status).toBe('incomplete');
    expect(r.unexpected).toBe(true);
    expect(r.message).toMatch(/my-rng:reqs .*custom codec 'virtio' has no arbitrary/);
    expect(summarize([r])).toMatchObject({ incomplete: 1, unexpected: 1, passed: 0 });
  });

  it('a field the model declares fixed, with a reason, is not', () => {
    const r = run(device({ fixed: { 'my-rng:reqs': 'the request list is empty whenever the device is quiesced' } }));
    expect(r.message).toBeNull();
    expect(r.status).toBe('pass');
  });

  it('a fixed entry without a reason is refused', () => {
    expect(() => run(device({ fixed: { 'my-rng:reqs': '' } }))).toThrow(/a reason/);
  });

  it("the device class's own generator fills it", () => {
    const r = run(device({ custom: { virtio: () => fc.array(fc.nat(), { maxLength: 3 }).map((reqs) => ({ reqs })) } }));
    expect(r.status).toBe('pass');
    expect(r.states).toBe(50);
  });
});
