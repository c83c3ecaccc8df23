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
    expect(f!.message).toContain('read 24 byte(s) more than 8.2.0 wrote');
  });

  it('9.0.0 -> 8.2.0 at pc-q35-8.2: 8.2.0 leaves the fb.* bytes unread and misses the footer', () => {
    const f = run('virtio-gpu', '9.0.0', '8.2.0', 'pc-q35-8.2');
    expect(f).not.toBeNull();
    expect(f!.stage).toBe('forward');
    expect(f!.kind).toBe('footer-missing');
    expect(f!.path).toBe('parent_obj.scanout[0].fb.format');
    expect(f!.qemu[0]).toBe('Missing section footer for 0000:00:02.0/virtio-gpu');
    expect(f!.message).toContain('wrote 24 more byte(s)');
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
  expect(releases.map((r) => r.name)).toEqual(['8.2.0', '9.0.0', '9.0.1']);
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
