// The README's "your own device" example, verbatim but for the import path.
import { test } from 'vitest';
import { migrates, VMSTATE_UINT32, VMSTATE_UINT32_TEST, buildMachines, type Release } from '../src/index.js';

const vmsd = (withNew: boolean) => ({
  name: 'my-dev', version_id: 1, minimum_version_id: 1,
  fields: [VMSTATE_UINT32('ctrl'), ...(withNew ? [VMSTATE_UINT32_TEST('shadow', (_s, _v, ctx) => ctx.props['x-shadow'] === true)] : [])],
});
const release = (name: string, withNew: boolean, compat = {}): Release => ({
  name, compatArrays: compat,
  machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['1.0', '2.0'] }], compat),
  devices: [{ name: 'my-dev', type: 'my-dev', parents: ['device'], idstr: 'my-dev', instanceId: 0,
              props: withNew ? { 'x-shadow': { type: 'bool', default: true } } : {},
              vmsd: vmsd(withNew), reset: () => ({ ctrl: 0, shadow: 0 }) }],
});
const v1 = release('1.0', false);
const v2 = release('2.0', true, { hw_compat_1_0: [{ driver: 'my-dev', property: 'x-shadow', value: 'off' }] });

test('my-dev survives 1.0 <-> 2.0 at pc-q35-1.0', migrates({ device: 'my-dev', from: v1, to: v2, machine: 'pc-q35-1.0', runs: 500 }));

// and without the compat entry the same test fails
test('without the compat entry it fails', ({ expect }) => {
  const broken = release('2.0', true);
  expect(migrates({ device: 'my-dev', from: v1, to: broken, machine: 'pc-q35-1.0', runs: 50 })).toThrow(/short-read in my-dev shadow/);
});
