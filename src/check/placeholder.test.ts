/**
 * A member the receiver loads from the sender's VMSTATE_UNUSED placeholder
 * (QEMU 10.0's sd-card `enable`, a bool 7.2 starts as true): the receiver
 * gets the placeholder's zero, which a stream comparison cannot see. Toy
 * VMSDs, both engines.
 */
import { describe, expect, it } from 'vitest';
import * as D from '../vmstate/dsl.js';
import type { DeviceClass, Release } from '../machine/types.js';
import type { State } from '../vmstate/types.js';
import { buildMachines } from '../machine/compat.js';
import { checkState, makeEngines } from './case.js';
import { explainFailure } from './explain.js';

function toy(name: string, fields: ReturnType<typeof D.VMSTATE_UINT8>[], reset: () => State): Release {
  const cls: DeviceClass = {
    name: 'toy', type: 'toy', parents: ['device'], props: {},
    vmsd: { name: 'toy', version_id: 1, minimum_version_id: 1, fields },
    idstr: 'toy', instanceId: 0, reset,
  };
  return {
    name,
    compatArrays: {},
    machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['9.0'] }], {}),
    devices: [cls],
  };
}

/** `old` migrates 'on' (a fresh device holds `fresh`); `new` writes a one-byte placeholder where it was. */
const old = (fresh: boolean) => toy('old', [D.VMSTATE_UINT8('a'), D.VMSTATE_BOOL('on'), D.VMSTATE_UINT8('z')], () => ({ a: 0, on: fresh, z: 0 }));
const neu = toy('new', [D.VMSTATE_UINT8('a'), D.VMSTATE_UNUSED(1), D.VMSTATE_UINT8('z')], () => ({ a: 0, z: 0 }));

function check(from: Release, to: Release, s: State, engine: 'interpreted' | 'compiled') {
  return checkState(makeEngines({ device: 'toy', from, to, machine: 'pc-q35-9.0', options: { engine } }), 'toy', s);
}

describe.each(['interpreted', 'compiled'] as const)('a member loaded from the sender\'s VMSTATE_UNUSED placeholder (%s)', (engine) => {
  it('fails as state loss where a fresh receiver holds another value', () => {
    const f = check(neu, old(true), { a: 3, z: 4 }, engine);
    expect(f).not.toBeNull();
    expect(f!.kind).toBe('state-loss');
    expect(f!.stage).toBe('forward');
    expect(f!.path).toBe('on');
    expect(f!.message).toMatch(/^toy:on is loaded from new's VMSTATE_UNUSED placeholder: 0, where a fresh old device has 1 /);
    const cls = old(true);
    expect(explainFailure(f!, { device: 'toy', from: neu, to: cls, machine: 'pc-q35-9.0' }).cause).toBe('field-dropped');
  });

  it('passes where a fresh receiver holds the placeholder\'s zero too', () => {
    expect(check(neu, old(false), { a: 3, z: 4 }, engine)).toBeNull();
  });

  it('leaves the other direction to the round trip: the value the old side sent comes back as the placeholder\'s zero', () => {
    const f = check(old(true), neu, { a: 3, on: true, z: 4 }, engine);
    expect(f?.kind).toBe('value-changed');
    expect(f?.path).toBe('on');
  });
});
