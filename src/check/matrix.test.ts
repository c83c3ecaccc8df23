import { describe, expect, it } from 'vitest';
import { releases } from '../../scenarios/releases/index.js';
import type { Release } from '../machine/types.js';
import { adjacentPairs, parsePair, parseShard, planMatrix, shardCases } from './matrix.js';
import { globToRegExp, matchesAny } from './glob.js';
import type { ScenarioCase } from './scenario.js';

const ids = (p: ReturnType<typeof planMatrix>) => p.cases.map((c) => c.id);

/** A release list grown from the built-ins: same devices and machines under other names. */
function grown(n: number): Release[] {
  return Array.from({ length: n }, (_, i) => ({ ...releases[i % releases.length]!, name: `${10 + i}.0.0` }));
}

describe('planMatrix', () => {
  it('defaults to adjacent release pairs, both directions, every device × machine type either release has', () => {
    const plan = planMatrix(releases, { scenarioCases: [] });
    const names = releases.map((r) => r.name);
    expect(adjacentPairs(releases)).toEqual(names.slice(1).flatMap((b, i) => [[names[i], b], [b, names[i]]]));
    const size = (a: Release, b: Release) => new Set([...a.devices, ...b.devices].map((d) => d.name)).size * new Set([...a.machines, ...b.machines].map((m) => m.name)).size;
    const expected = releases.slice(1).reduce((n, b, i) => n + 2 * size(releases[i]!, b), 0);
    expect(plan.cases).toHaveLength(expected);
    expect(plan.pairs).toEqual(names.slice(1).map((b, i) => [names[i], b]));
    expect(plan.cases.every((c) => c.expect.status === 'pass' && c.scenario === null)).toBe(true);
    expect(plan.cases.map((c) => c.index)).toEqual(plan.cases.map((_, i) => i));
    expect(new Set(plan.cases.map((c) => c.id)).size).toBe(plan.cases.length);
  });

  it('lists a case that cannot apply as skipped with the reason, never drops it', () => {
    const plan = planMatrix(releases, { scenarioCases: [] });
    const c = plan.cases.find((x) => x.id === 'virtio-gpu/9.0.0->8.2.0/pc-q35-9.0');
    expect(c?.skip).toBe('8.2.0 has no machine type pc-q35-9.0');
    for (const x of plan.cases) {
      const [a, b] = [x.from, x.to].map((n) => releases.find((r) => r.name === n)!);
      const applies = [a!, b!].every((r) => r.machines.some((m) => m.name === x.machine) && r.devices.some((d) => d.name === x.device));
      expect(x.skip === null).toBe(applies);
    }
  });

  it('a section registered only under a condition (DeviceClass.onlyWhen) is skipped with the condition, alone or in a set', () => {
    const [a, b] = releases.slice(-2) as [Release, Release];
    const dev = a.devices[0]!.name;
    const why = 'registered only when opts (rec_configure, misc/rec.c:3)';
    const gated = { ...b, devices: b.devices.map((d) => (d.name === dev ? { ...d, onlyWhen: { why } } : d)) };
    const m = a.machines.find((x) => gated.machines.some((y) => y.name === x.name))!.name;
    const plan = planMatrix([a, gated], { scenarioCases: [], filters: { device: [dev], machine: [m] }, allowAllSkipped: true });
    expect(plan.cases.map((c) => c.skip)).toEqual([`${dev} is not in a VM the cases configure (${b.name}): ${why}`, `${dev} is not in a VM the cases configure (${b.name}): ${why}`]);
    const free = planMatrix([a, b], { scenarioCases: [], filters: { device: [dev], machine: [m] } });
    expect(free.cases.map((c) => c.skip)).toEqual([null, null]);
  });

  it('a device QEMU refuses to migrate (DeviceClass.unmigratable) is skipped with why, alone or in a set', () => {
    const [a, b] = releases.slice(-2) as [Release, Release];
    const [dev, other] = [a.devices[0]!.name, a.devices[1]!.name];
    const why = 'its VMSD toy is .unmigratable (hw/misc/toy.c:1)';
    const refused = { ...b, devices: b.devices.map((d) => (d.name === dev ? { ...d, unmigratable: { why } } : d)) };
    const m = a.machines.find((x) => refused.machines.some((y) => y.name === x.name))!.name;
    const said = `QEMU refuses to migrate ${dev} (${b.name}): ${why}`;
    const plan = planMatrix([a, refused], { scenarioCases: [], filters: { device: [dev], machine: [m] }, allowAllSkipped: true });
    expect(plan.cases.map((c) => c.skip)).toEqual([said, said]);
    const set = planMatrix([a, refused], { scenarioCases: [], deviceSets: [[other, dev]], filters: { machine: [m] }, allowAllSkipped: true });
    expect(set.cases.length).toBeGreaterThan(0);
    expect(set.cases.every((c) => c.skip === said)).toBe(true);
    const free = planMatrix([a, b], { scenarioCases: [], filters: { device: [dev], machine: [m] } });
    expect(free.cases.map((c) => c.skip)).toEqual([null, null]);
  });

  it('a device only one release has is a skipped case', () => {
    const r820 = releases.find((r) => r.name === '8.2.0')!;
    const without = { ...r820, devices: r820.devices.filter((d) => d.name !== 'isa-ipmi-kcs') };
    const plan = planMatrix([without, releases.find((r) => r.name === '9.0.0')!], { scenarioCases: [] });
    const c = plan.cases.find((x) => x.id === 'isa-ipmi-kcs/8.2.0->9.0.0/pc-q35-8.2');
    expect(c?.skip).toBe('8.2.0 has no device isa-ipmi-kcs');
  });

  it('scenario files supply expectations and cases of their own; unnamed cases are expected to pass', () => {
    const sc: ScenarioCase[] = [
      { device: 'virtio-gpu', from: '8.2.0', to: '9.0.0', machine: 'pc-q35-8.2', expect: { status: 'fail', kind: 'short-read' }, scenario: 's', reference: 'r' },
      { device: 'virtio-gpu', from: '8.2.0', to: '9.0.1', machine: 'pc-q35-8.2', expect: { status: 'pass' }, scenario: 's' },
    ];
    const plan = planMatrix(releases, { scenarioCases: sc });
    const bare = planMatrix(releases, { scenarioCases: [] });
    const named = plan.cases.find((c) => c.id === 'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2')!;
    expect(named).toMatchObject({ expect: { status: 'fail', kind: 'short-read' }, scenario: 's', reference: 'r' });
    // a non-adjacent pair named by a scenario joins the plan (that one case only)
    expect(ids(plan)).toContain('virtio-gpu/8.2.0->9.0.1/pc-q35-8.2');
    expect(ids(plan).filter((i) => i.includes('8.2.0->9.0.1'))).toHaveLength(1);
    expect(plan.cases).toHaveLength(bare.cases.length + (bare.cases.some((c) => c.id === 'virtio-gpu/8.2.0->9.0.1/pc-q35-8.2') ? 0 : 1));
  });

  it('a scenario machine glob stands for every machine type both releases know that it matches', () => {
    const sc: ScenarioCase[] = [
      { device: 'virtio-gpu', from: '8.2.0', to: '9.0.0', machine: 'pc-q35-*', expect: { status: 'fail', kind: 'short-read' }, scenario: 's' },
    ];
    const plan = planMatrix(releases, { scenarioCases: sc, scenarioOnly: true });
    const r82 = releases.find((r) => r.name === '8.2.0')!.machines.map((m) => m.name);
    const r90 = new Set(releases.find((r) => r.name === '9.0.0')!.machines.map((m) => m.name));
    const shared = r82.filter((m) => m.startsWith('pc-q35-') && r90.has(m));
    expect(shared.length).toBeGreaterThan(3);
    expect(plan.cases.map((c) => c.machine).sort()).toEqual([...shared].sort());
    expect(plan.cases.every((c) => c.skip === null && c.expect.status === 'fail')).toBe(true);
    // pc-q35-9.0 is 9.0.0's only: not a case of the glob
    expect(plan.cases.some((c) => c.machine === 'pc-q35-9.0')).toBe(false);
    const none: ScenarioCase[] = [{ ...sc[0]!, machine: 'pc-q35-9.?' }];
    expect(() => planMatrix(releases, { scenarioCases: none })).toThrow(/scenario 's': machine 'pc-q35-9\.\?' matches no machine type both 8\.2\.0 and 9\.0\.0 know/);
  });

  it('--scenario runs only the scenario cases', () => {
    const sc: ScenarioCase[] = [{ device: 'virtio-gpu', from: '8.2.0', to: '9.0.1', machine: 'pc-q35-8.2', expect: { status: 'pass' }, scenario: 's' }];
    expect(ids(planMatrix(releases, { scenarioCases: sc, scenarioOnly: true }))).toEqual(['virtio-gpu/8.2.0->9.0.1/pc-q35-8.2']);
  });

  it('filters: --pair (both directions), --from/--to, --device and --machine globs', () => {
    const p1 = planMatrix(releases, { scenarioCases: [], filters: { pairs: ['8.2.0:9.0.1'], device: ['virtio-g*'], machine: ['pc-q35-8.?'] } });
    expect(ids(p1)).toEqual([
      'virtio-gpu/8.2.0->9.0.1/pc-q35-8.2',
      'virtio-gpu/8.2.0->9.0.1/pc-q35-8.1',
      'virtio-gpu/8.2.0->9.0.1/pc-q35-8.0',
      'virtio-gpu/9.0.1->8.2.0/pc-q35-8.2',
      'virtio-gpu/9.0.1->8.2.0/pc-q35-8.1',
      'virtio-gpu/9.0.1->8.2.0/pc-q35-8.0',
    ]);
    const p2 = planMatrix(releases, { scenarioCases: [], filters: { from: ['8.2.0'], device: ['isa-ipmi-kcs'], machine: ['pc-i440fx-8.2'] } });
    // --from alone: every release it can send to
    expect(ids(p2)).toEqual(releases.filter((r) => r.name !== '8.2.0').map((r) => `isa-ipmi-kcs/8.2.0->${r.name}/pc-i440fx-8.2`));
    const p3 = planMatrix(releases, { scenarioCases: [], filters: { from: ['9.0.1'], to: ['8.2.0'], device: ['virtio-gpu'], machine: ['pc-q35-8.2'] } });
    expect(ids(p3)).toEqual(['virtio-gpu/9.0.1->8.2.0/pc-q35-8.2']);
    // filters apply to scenario cases too
    const sc: ScenarioCase[] = [{ device: 'virtio-gpu', from: '8.2.0', to: '9.0.1', machine: 'pc-q35-8.2', expect: { status: 'pass' }, scenario: 's' }];
    expect(ids(planMatrix(releases, { scenarioCases: sc, filters: { pairs: ['8.2.0:9.0.0'], device: ['virtio-gpu'], machine: ['pc-q35-8.2'] } }))).toEqual([
      'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2',
      'virtio-gpu/9.0.0->8.2.0/pc-q35-8.2',
    ]);
  });

  it('usage mistakes are errors that say what is known', () => {
    expect(() => planMatrix(releases, { scenarioCases: [], filters: { from: ['6.0.0'] } })).toThrow(/--from: unknown release '6\.0\.0' \(known: .*8\.2\.0, 9\.0\.0, 9\.0\.1/);
    expect(() => planMatrix(releases, { scenarioCases: [], filters: { device: ['nope*'] } })).toThrow(/--device 'nope\*' matches no device \(known: .*virtio-gpu.*\)/);
    expect(() => planMatrix(releases, { scenarioCases: [], filters: { machine: ['virt-*'] } })).toThrow(/--machine 'virt-\*' matches no machine type/);
    expect(() => planMatrix(releases, { scenarioCases: [], filters: { from: ['8.2.0'], to: ['8.2.0'] } })).toThrow(/no case matches the filters/);
    expect(() => parsePair('8.2.0')).toThrow(/--pair expects A:B/);
    // the same release on both sides is allowed: the sides differ in their configuration (--src-global / --dst-global)
    expect(parsePair('8.2.0:8.2.0')).toEqual(['8.2.0', '8.2.0']);
    const self = planMatrix(releases, { scenarioCases: [], filters: { pairs: ['9.0.1:9.0.1'], device: ['virtio-gpu'], machine: ['pc-q35-9.0'] } });
    expect(self.cases.map((c) => c.id)).toEqual(['virtio-gpu/9.0.1->9.0.1/pc-q35-9.0']);
    for (const s of ['0/2', '3/2', '1', 'a/b', '1/0']) expect(() => parseShard(s)).toThrow(/--shard expects k\/n/);
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
  });

  it('the order and the fingerprint depend only on the inputs', () => {
    const a = planMatrix(releases, { scenarioCases: [] });
    const b = planMatrix(releases, { scenarioCases: [] });
    expect(a).toEqual(b);
    const c = planMatrix(releases, { scenarioCases: [{ device: 'virtio-gpu', from: '8.2.0', to: '9.0.0', machine: 'pc-q35-8.2', expect: { status: 'fail', kind: 'short-read' }, scenario: 's' }] });
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('shards are disjoint, cover the plan, and balance', () => {
    const plan = planMatrix(releases, { scenarioCases: [] });
    expect(plan.cases.length).toBeGreaterThan(7);
    for (const n of [1, 2, 3, 7]) {
      const parts = Array.from({ length: n }, (_, k) => shardCases(plan.cases, { index: k + 1, count: n }));
      expect(parts.flat().map((c) => c.index).sort((x, y) => x - y)).toEqual(plan.cases.map((c) => c.index));
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('scales: 9 releases with 20 devices plan in well under a second', () => {
    const many = grown(9).map((r) => ({
      ...r,
      devices: Array.from({ length: 20 }, (_, i) => ({ ...r.devices[i % r.devices.length]!, name: `dev${i}` })),
    }));
    const t = performance.now();
    const plan = planMatrix(many, { scenarioCases: [] });
    expect(performance.now() - t).toBeLessThan(1000);
    expect(plan.pairs).toHaveLength(8);
    expect(plan.cases.length).toBeGreaterThan(8 * 2 * 20 * 6);
  });
});

describe('globs', () => {
  it.each([
    ['virtio-*', 'virtio-gpu', true],
    ['virtio-*', 'isa-ipmi-kcs', false],
    ['pc-q35-8.?', 'pc-q35-8.2', true],
    ['pc-q35-8.?', 'pc-q35-8x2', false],
    ['pc-q35-8.2', 'pc-q35-8.2', true],
    ['pc-[qi]*-9.0', 'pc-i440fx-9.0', true],
    ['pc-[!q]*', 'pc-q35-9.0', false],
  ])('%s ~ %s: %s', (g, s, hit) => {
    expect(globToRegExp(g).test(s)).toBe(hit);
  });
  it('no globs match everything', () => expect(matchesAny('x', [])).toBe(true));
});

describe('plans that would check nothing are usage errors', () => {
  const sc = (over: Partial<ScenarioCase>): ScenarioCase => ({ device: 'virtio-gpu', from: '8.2.0', to: '9.0.0', machine: 'pc-q35-8.2', expect: { status: 'pass' }, scenario: 'mine', ...over });

  it('a scenario naming a device no release has', () => {
    expect(() => planMatrix(releases, { scenarioCases: [sc({ device: 'virtio-gpuu' })] })).toThrow(/scenario 'mine': unknown device 'virtio-gpuu'/);
    expect(() => planMatrix(releases, { scenarioCases: [sc({ device: 'virtio-gpuu' })], scenarioOnly: true })).toThrow(/unknown device 'virtio-gpuu'/);
  });

  it('a plan whose every case is skipped, with the reasons', () => {
    // 8.2.0 has no 9.0 machine types: the only case cannot apply
    expect(() => planMatrix(releases, { scenarioCases: [sc({ machine: 'pc-q35-9.0' })], scenarioOnly: true })).toThrow(
      /every one of the 1 planned cases would be skipped.*8\.2\.0 has no machine type pc-q35-9\.0 \(1 case\)/,
    );
    const thin: Release = { ...releases.at(-1)!, name: '10.1.0', devices: releases.at(-1)!.devices.filter((d) => d.name === 'hpet') };
    expect(() => planMatrix([...releases, thin], { scenarioCases: [], filters: { pairs: ['10.0.0:10.1.0'], device: ['virtio-gpu'] } })).toThrow(/10\.1\.0 has no device virtio-gpu/);
  });

  it('a plan with some skipped cases is fine', () => {
    expect(planMatrix(releases, { scenarioCases: [sc({}), sc({ machine: 'pc-q35-9.0' })], scenarioOnly: true }).cases.map((c) => [c.machine, c.skip !== null])).toEqual([['pc-q35-9.0', true], ['pc-q35-8.2', false]]);
  });
});
