import { afterAll, describe, expect, it } from 'vitest';
import { decodeStream, type DeviceRecord } from '../wire/decode.js';
import { leafText, leaves } from '../wire/tree.js';
import { locateQemu, once, type QemuBinary } from './binaries.js';
import { runRealProperty, type Mutation, type RealPropertySpec } from './property.js';
import { leftovers } from './driver.js';
import { modelByVersion } from './model.js';
import { releases } from '../../scenarios/releases/index.js';

const models = modelByVersion(releases);

// Each state costs up to three QEMU load+save runs (~0.15 s each on an idle machine): keep runs tiny.
let q72: QemuBinary;
let q10: QemuBinary;

// In each test, not a hook: a missing binary fails every test with the setup hint.
const setup = once(async () => {
  q72 = await locateQemu('7.2');
  q10 = await locateQemu('10.0');
});

type Run = Parameters<NonNullable<RealPropertySpec['onRun']>>[0];

describe('property-based real cases', () => {
  it('7.2 → 10.0 → 7.2 keeps mutated serial state, and the mutations really reach the stream', async () => {
    await setup();
    const runs: Run[] = [];
    const r = await runRealProperty(
      { a: q72, b: q10, machine: 'pc-q35-7.2', devices: ['isa-serial'], runs: 3, seed: 42, onRun: (x) => runs.push(x) },
      q72,
      q10,
    );
    expect(r, r.message ?? '').toMatchObject({ status: 'pass', seed: 42, id: 'isa-serial/7.2->10.0/pc-q35-7.2/property' });
    expect(r.states).toBe(runs.filter((x) => x.outcome === 'pass').length);
    expect(r.message).toMatch(/state\(s\) the source accepted, \d+ it rejected \(discarded\), \d+ QEMU load\+save runs; mutating \d+ fields \(\d+ elements\) of serial \(0\)$/);
    // What the source saved after loading a state carries the mutated values (unless its post_load normalised them).
    const accepted = runs.filter((x) => x.canonical);
    expect(accepted.length).toBeGreaterThan(0);
    const reached = accepted.some((x) => {
      if (x.mutations.some((m) => m.type === 'buffer')) return false;
      const serial = decodeStream(x.canonical!).records.find((rec): rec is DeviceRecord => rec.type === 'FULL' && rec.idstr === 'serial')!;
      const now = new Map(leaves(serial.state).map((l) => [l.path, String(leafText(l.value, l.size))]));
      return x.mutations.every((m) => now.get(m.path) === String(m.value));
    });
    expect(reached).toBe(true);
  });

  it('discards the states the source itself rejects (PCI config bytes QEMU checks on load)', async () => {

    await setup();
    const runs: Run[] = [];
    const r = await runRealProperty(
      { a: q72, b: q10, machine: 'pc-q35-7.2', devices: ['usb-ehci'], mutate: ['*ehci#pcidev.config*'], maxMutations: 1, runs: 2, seed: 2, onRun: (x) => runs.push(x) },
      q72,
      q10,
    );
    const invalid = runs.find((x) => x.outcome === 'invalid');
    expect(invalid?.mutations).toEqual([{ section: expect.stringMatching(/ehci \(0\)$/), path: expect.stringMatching(/^pcidev\.config\[0\]\[\d+\]$/), type: 'pci config', value: expect.stringMatching(/^0x[0-9a-f]{2}$/) }]);
    expect(r.status).not.toBe('fail');
    expect(r.message).toMatch(/mutating 1 fields \(1 elements\) of 0000:00:0\d\.0\/ehci \(0\)/);
  });

  it('a guest the source cannot run is a skip, not a verdict', async () => {

    await setup();
    const r = await runRealProperty({ a: q72, b: q10, machine: 'pc-q35-7.2', devices: ['no-such-device'], runs: 1, seed: 1 }, q72, q10);
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/^7\.2 cannot run it: .*'no-such-device' is not a valid device model name/);
  });

  it('a destination that changes every state fails on the unmutated one, before any mutation, and replays from its line', async () => {
    await setup();
    // The destination keeps QEMU's default host-clock RTC: its re-save carries another
    // time than the source's frozen one, whatever the serial state.
    const spec: RealPropertySpec = {
      a: q72,
      b: q72,
      machine: 'pc-q35-7.2',
      devices: ['isa-serial'],
      dstArgs: ['-rtc', 'clock=host'],
      runs: 2,
      seed: 1234,
      maxMutations: 2,
    };
    const runs: Run[] = [];
    const r = await runRealProperty({ ...spec, onRun: (x) => runs.push(x) }, q72, q72);
    expect(r).toMatchObject({ status: 'fail', kind: 'value-changed', stage: 'compare', states: 1, counterexample: [], replayPath: null });
    expect(r.path).toMatch(/^mc146818rtc \(0\) /);
    expect(runs.map((x) => x.mutations)).toEqual([[]]);
    expect(r.repro).toBe('npx vmcompat qemu --src 7.2 --dst 7.2 --machine pc-q35-7.2 --one-way --device isa-serial --dst-arg=-rtc --dst-arg=clock=host --max-mutations 2 --runs 2 --seed 1234');
    const again = await runRealProperty(spec, q72, q72);
    expect(again).toMatchObject({ kind: 'value-changed', counterexample: [] });
  });
});

describe('property mode checks something, or says it did not', () => {
  it('a pair that breaks as it boots fails on the unmutated state (10.0 whose scanout test always says yes ⇄ 7.2, virtio-gpu-pci)', async () => {
    await setup();
    // 10.0.2 with hw_compat_8_2's x-scanout-vmstate-version=1 set back to 2 at pc-q35-7.2
    const gpu: QemuBinary = { ...q10, extraArgs: [...q10.extraArgs, '-global', 'virtio-gpu-device.x-scanout-vmstate-version=2'] };
    for (const [from, to] of [[gpu, q72], [q72, gpu]] as const) {
      const r = await runRealProperty({ a: gpu, b: q72, machine: 'pc-q35-7.2', devices: ['virtio-gpu-pci'], runs: 20, seed: 5, models }, from, to);
      expect(r.status, r.message ?? '').toBe('fail');
      expect(r).toMatchObject({ vmsd: 'virtio-gpu-one-scanout', path: 'parent_obj.scanout[0].fb.format', states: 1, counterexample: [] });
      expect(r.message).toMatch(/^the unmutated state already fails: /);
      expect(r.repro).toContain(from === gpu ? '--src-global virtio-gpu-device.x-scanout-vmstate-version=2' : '--dst-global virtio-gpu-device.x-scanout-vmstate-version=2');
    }
  });

  it("mutates inside a virtio section through the sender's release model, and the mutations reach the stream", async () => {
    await setup();
    const runs: Run[] = [];
    const r = await runRealProperty({ a: q72, b: q10, machine: 'pc-q35-7.2', devices: ['virtio-gpu-pci'], mutate: ['*virtio-gpu#virtio-gpu-one-scanout:*'], maxMutations: 1, runs: 2, seed: 3, models, onRun: (x) => runs.push(x) }, q72, q10);
    expect(r.status, r.message ?? '').toBe('pass');
    expect(r.message).toMatch(/mutating 10 fields \(10 elements\) of 0000:00:01\.0\/virtio-gpu \(0\)$/);
    const mutated = runs.filter((x) => x.mutations.length);
    expect(mutated.length).toBeGreaterThan(0);
    for (const x of mutated) expect(x.mutations[0]).toMatchObject({ path: expect.stringMatching(/^virtio-gpu-one-scanout:parent_obj\.scanout\[0\]\./), type: expect.stringMatching(/ \(release model 7\.2\.\d+\)$/) });
    // the source's own re-save of an accepted state carries the new value inside the blob
    const accepted = mutated.find((x) => x.canonical);
    if (accepted) {
      const base = runs.find((x) => !x.mutations.length)!.canonical!;
      expect(Buffer.compare(Buffer.from(accepted.canonical!), Buffer.from(base)) !== 0 || accepted.mutations[0]!.value === '0x00000000').toBe(true);
    }
  });

  it('nothing to mutate is inconclusive (a skip), never a pass, after the unmutated state was checked', async () => {
    await setup();
    const r = await runRealProperty({ a: q72, b: q10, machine: 'pc-q35-7.2', devices: ['isa-serial'], mutate: ['no-such-section'], runs: 5, seed: 1, models }, q72, q10);
    expect(r).toMatchObject({ status: 'skip', states: 1 });
    expect(r.message).toBe('inconclusive: the unmutated state passes but nothing can be mutated: no typed field matches no-such-section');
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
