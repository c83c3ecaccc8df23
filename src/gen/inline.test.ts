import { expect, test } from 'vitest';
import { Engine } from '../machine/engine.js';
import { releases } from '../../scenarios/releases/index.js';
import { blankState } from './blank.js';
import { customInfoNames } from './codecs.js';
import { inlineVmsds } from './inline.js';
import { synElem, synVmsd } from './_test/synthetic.js';

test.each(releases.map((r) => [r.name, r] as const))('%s: the virtio-gpu codecs save the virtio container and the scanouts VMSD inline', (_name, release) => {
  const engine = new Engine(release, release.machines[0]!.name, { devices: ['virtio-gpu'] });
  const inst = engine.instance('virtio-gpu');
  const reset = engine.resetState('virtio-gpu');
  const found = (name: string) => {
    const f = inst.cls.vmsd.fields.find((x) => x.name === name)!;
    return inlineVmsds(f, inst.cls.vmsd, reset, inst.props, reset).map((x) => `${x.vmsd.name}@${x.version}`);
  };
  expect(found('virtio')).toEqual(['virtio@1']);
  expect(found('virtio-gpu')).toEqual(['virtio-gpu-scanouts@1']);
  // the blob subsection (and its codec) came with 8.2
  const blob = (inst.cls.vmsd.subsections ?? []).some((s) => s.name === 'virtio-gpu/blob');
  expect(customInfoNames(inst.cls.vmsd).sort()).toEqual([...(blob ? ['blob'] : []), 'virtio', 'virtio-gpu']);
  const [major, minor] = release.name.split('.').map(Number) as [number, number];
  expect(blob).toBe(major * 100 + minor >= 802);
});

test('blankState names every member at its zero value', () => {
  expect(blankState(synElem)).toEqual({ a: 0, b: false, t: -1n, extra: 0 });
  const blank = blankState(synVmsd);
  expect(blank).toMatchObject({ n: 0, elems: [], buf: new Uint8Array(0), magic: 0, i64: 0n, fixed: [0, 0, 0, 0], flag_data: 0 });
  expect((blank.ptrs as unknown[]).length).toBe(3);
  expect('cust' in blank).toBe(false);
});
