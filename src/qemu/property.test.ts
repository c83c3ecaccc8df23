import { afterAll, describe, expect, it } from 'vitest';
import { decodeStream, type DeviceRecord } from '../wire/decode.js';
import { leafText, leaves } from '../wire/tree.js';
import { locateQemu, once, type QemuBinary } from './binaries.js';
import { runRealProperty, type Mutation, type RealPropertySpec } from './property.js';
import { leftovers } from './driver.js';

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

  it('a destination that changes the state fails; the counterexample is shrunk and its path replays it', async () => {

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
    const r = await runRealProperty(spec, q72, q72);
    expect(r).toMatchObject({ status: 'fail', kind: 'value-changed', stage: 'compare' });
    expect(r.path).toMatch(/^mc146818rtc \(0\) /);
    const cex = r.counterexample as Mutation[];
    expect(cex).toHaveLength(1);
    expect(r.replayPath).toMatch(/^\d+(:\d+)*$/);
    expect(r.repro).toBe(
      `npx vmcompat qemu --src 7.2 --dst 7.2 --machine pc-q35-7.2 --one-way --device isa-serial --dst-arg=-rtc --dst-arg=clock=host --max-mutations 2 --runs 2 --seed 1234 --path ${r.replayPath}`,
    );
    const again = await runRealProperty({ ...spec, path: r.replayPath! }, q72, q72);
    expect(again.counterexample).toEqual(cex);
    expect(again.kind).toBe('value-changed');
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
