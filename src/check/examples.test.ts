/**
 * A device's hand-written examples are always among the checked states, so a
 * scenario's expectation holds at any --runs ≥ 1: at 5 generated states no
 * virtio-net state has a VLAN, the examples do.
 */
import { describe, expect, it } from 'vitest';
import { findRelease } from '../../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { runCase } from './run.js';

const rel = (n: string) => findRelease(n)!;
const spec = (from: string, to: string) => ({ device: 'virtio-net', from: rel(from), to: rel(to), machine: 'pc-q35-7.2' });
// seed 19: none of the first 5 generated virtio-net states at 8.2.0 filters a VLAN the 7.2.0 load clears
const mode = (runs: number, path?: string) => ({ kind: 'property' as const, runs, seed: 19, exactSeed: true, arbitrary: deviceStateArbitrary, ...(path ? { path } : {}) });

describe('hand-written examples in property runs', () => {
  it.each([1, 5])('virtio-net 8.2.0 -> 7.2.0 loses the VLAN table at --runs %i', (runs) => {
    const r = runCase(spec('8.2.0', '7.2.0'), { status: 'fail', kind: 'value-changed' }, mode(runs));
    expect(r.kind).toBe('value-changed');
    expect(r.path).toMatch(/vlans/);
    expect(r.unexpected).toBe(false);
    expect(r.states).toBeGreaterThan(runs);
    // the replay line names the example, and replays it
    expect(r.replayPath).toMatch(/^e\d+$/);
    const again = runCase(spec('8.2.0', '7.2.0'), null, mode(runs, r.replayPath!));
    expect(again.streamDigest).toBe(r.streamDigest);
  });

  it('a generated failure still comes first and shrinks', () => {
    const r = runCase({ device: 'virtio-gpu', from: rel('8.2.0'), to: rel('9.0.0'), machine: 'pc-q35-8.2' }, null, { ...mode(20), seed: 4242 });
    expect(r.kind).toBe('short-read');
    expect(r.replayPath).not.toMatch(/^e/);
  });

  it('a passing case counts the examples among its states', () => {
    const r = runCase(spec('8.2.0', '9.0.0'), { status: 'pass' }, mode(3));
    expect(r.status).toBe('pass');
    expect(r.states).toBeGreaterThan(3);
  });
});
