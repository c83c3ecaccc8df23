import { describe, expect, it } from 'vitest';
import { releases, findRelease } from '../../scenarios/releases/index.js';
import { checkState, makeEngines, skipReason, type CaseSpec } from './case.js';
import type { Failure } from './failure.js';

const rel = (n: string) => findRelease(n)!;

function run(device: string, from: string, to: string, machine: string): Failure | null {
  const spec: CaseSpec = { device, from: rel(from), to: rel(to), machine };
  const engines = makeEngines(spec);
  const inst = engines.a.instance(device);
  for (const s of inst.cls.examples!(inst.props)) {
    const f = checkState(engines, device, s);
    if (f) return f;
  }
  return null;
}

describe('virtio-gpu 8.2 <-> 9.0 (the seed bug)', () => {
  it('8.2.0 -> 9.0.0 at pc-q35-8.2: 9.0.0 reads past the section into fb.format', () => {
    const f = run('virtio-gpu', '8.2.0', '9.0.0', 'pc-q35-8.2');
    expect(f).not.toBeNull();
    expect(f!.stage).toBe('forward');
    expect(f!.kind).toBe('short-read');
    expect(f!.vmsd).toBe('virtio-gpu-one-scanout');
    expect(f!.path).toBe('parent_obj.scanout[0].fb.format');
    expect(f!.offset).toBeGreaterThan(0);
    expect(f!.message).toMatch(/8\.2\.0 ended the section at 0x[0-9a-f]+ and 9\.0\.0 read 24 byte\(s\) more/);
  });

  it('9.0.0 -> 8.2.0 at pc-q35-8.2: 8.2.0 leaves the fb.* bytes unread and misses the footer', () => {
    const f = run('virtio-gpu', '9.0.0', '8.2.0', 'pc-q35-8.2');
    expect(f).not.toBeNull();
    expect(f!.stage).toBe('forward');
    expect(f!.kind).toBe('footer-missing');
    expect(f!.path).toBe('parent_obj.scanout[0].fb.format');
    expect(f!.qemu[0]).toBe('Missing section footer for 0000:00:02.0/virtio-gpu');
    expect(f!.message).toContain('9.0.0 wrote 24 more byte(s); the layouts part at virtio-gpu-one-scanout:parent_obj.scanout[0].fb.format');
  });

  it.each([
    ['8.2.0', '9.0.1', 'pc-q35-8.2'],
    ['9.0.1', '8.2.0', 'pc-q35-8.2'],
    ['8.2.0', '9.0.1', 'pc-i440fx-8.2'],
    ['9.0.1', '8.2.0', 'pc-i440fx-8.2'],
    ['9.0.0', '9.0.1', 'pc-q35-9.0'],
    ['9.0.1', '9.0.0', 'pc-q35-9.0'],
  ])('%s -> %s at %s passes both ways', (from, to, machine) => {
    expect(run('virtio-gpu', from, to, machine)).toBeNull();
  });

  it('9.0.0 <-> 9.0.1 at pc-q35-8.2 fails: 9.0.1 honours the compat property, 9.0.0 cannot', () => {
    expect(run('virtio-gpu', '9.0.0', '9.0.1', 'pc-q35-8.2')?.kind).toBe('footer-missing');
    expect(run('virtio-gpu', '9.0.1', '9.0.0', 'pc-q35-8.2')?.kind).toBe('short-read');
  });

  it('a 9.0 machine type is not applicable to 8.2.0', () => {
    expect(skipReason({ device: 'virtio-gpu', from: rel('8.2.0'), to: rel('9.0.0'), machine: 'pc-q35-9.0' })).toBe('8.2.0 has no machine type pc-q35-9.0');
  });

  it('a board-only class cannot apply at a machine type whose board does not create it, on either side', () => {
    const [a, b] = [rel('9.0.0'), rel('9.0.1')];
    const only = (r: typeof a, machines: string[]) => ({ ...r, devices: r.devices.map((d) => (d.name === 'virtio-gpu' ? { ...d, boardOnly: { machines, why: 'the board does not create it' } } : d)) });
    const spec = (from: typeof a, to: typeof a) => ({ device: 'virtio-gpu', from, to, machine: 'pc-q35-8.2' });
    expect(skipReason(spec(only(a, ['pc-q35-8.2']), b))).toBeNull();
    expect(skipReason(spec(a, only(b, ['pc-i440fx-8.2'])))).toBe('virtio-gpu cannot be in pc-q35-8.2 (9.0.1): the board does not create it');
  });
});

describe('isa-ipmi-kcs', () => {
  it.each([
    ['8.2.0', '9.0.0'],
    ['9.0.0', '8.2.0'],
  ])('%s -> %s passes at every shared machine type', (from, to) => {
    for (const m of rel('8.2.0').machines) expect(run('isa-ipmi-kcs', from, to, m.name)).toBeNull();
  });
});

it('releases are registered', () => {
  expect(releases.map((r) => r.name)).toEqual(expect.arrayContaining(['8.2.0', '9.0.0', '9.0.1']));
});

describe('load-time validation against the destination', () => {
  it('virtio guest features must be a subset of the destination host features', () => {
    const spec: CaseSpec = {
      device: 'virtio-gpu',
      from: rel('9.0.1'),
      to: rel('9.0.1'),
      machine: 'pc-q35-9.0',
      options: { overrides: {} },
    };
    const a = makeEngines(spec).a;
    const b = makeEngines({ ...spec, options: { overrides: { 'virtio-gpu': { host_features: '0x100000000' } } } }).b;
    const shown = a.instance('virtio-gpu').cls.examples!(a.instance('virtio-gpu').props)[1]!;
    const f = checkState({ a, b }, 'virtio-gpu', shown);
    expect(f?.kind).toBe('post-load-failed');
    expect(f?.qemu[0]).toMatch(/^Features 0x[0-9a-f]+ unsupported\. Allowed features: 0x100000000$/);
  });
});

describe('the wire projection', () => {
  it('covers what custom codecs write: a changed resource pixel is a difference', async () => {
    const { Engine } = await import('../machine/engine.js');
    const { diffOnWire } = await import('./compare.js');
    const { cloneState } = await import('../vmstate/state.js');
    const e = new Engine(rel('9.0.1'), 'pc-q35-9.0', { devices: ['virtio-gpu'] });
    const inst = e.instance('virtio-gpu');
    const shown = inst.cls.examples!(inst.props)[1]!;
    const trace = e.save({ 'virtio-gpu': shown }).sections[0]!.trace;
    const paths = trace.map((t) => t.keys.join('/'));
    expect(paths).toContain('resources/0');
    expect(paths).toContain('parent_obj.scanout/0/fb.format');
    expect(paths).toContain('virtio/vq/1/vring_num');
    const other = cloneState(shown);
    (other.resources as { data: Uint8Array }[])[0]!.data[5]! ^= 1;
    expect(diffOnWire(trace, shown, other)?.path).toBe('resources[0]');
    expect(diffOnWire(trace, shown, cloneState(shown))).toBeNull();
    // narrowed to the members a whole-state compare found different: the same first difference, or none outside them
    const { differingMembersFor } = await import('../vmstate/compile/covered.js');
    const only = differingMembersFor(inst.cls.vmsd)(shown, other);
    expect([...only!]).toEqual(['resources']);
    expect(diffOnWire(trace, shown, other, undefined, undefined, only)?.path).toBe('resources[0]');
    expect(diffOnWire(trace, shown, other, undefined, undefined, new Set(['virtio']))).toBeNull();
  });
});
