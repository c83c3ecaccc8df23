import { afterAll, describe, expect, it } from 'vitest';
import { walkStream } from '../wire/walk.js';
import { locateQemu, once, type QemuBinary } from './binaries.js';
import { DETERMINISTIC_RTC, runDirection, runRealCase, type RealCaseSpec } from './case.js';
import { IGNORE_RULES } from './compare.js';
import { leftovers, saveToFile } from './driver.js';
import { runRealMatrix } from './matrix.js';

const DEVICES = ['isa-serial', 'virtio-gpu-pci', 'e1000', 'virtio-net-pci', 'ipmi-bmc-sim,id=bmc0', 'isa-ipmi-kcs,bmc=bmc0', 'usb-ehci', 'rtl8139'];

/** The CaseResult names the reporters read (src/check/run.ts). */
const CASE_RESULT_KEYS = [
  'id', 'device', 'from', 'to', 'machine', 'status', 'expected', 'expectedKind', 'kind', 'path', 'vmsd', 'offset', 'stage', 'message',
  'states', 'unexpected', 'scenario', 'reference', 'seed', 'replayPath', 'shrinks', 'counterexample', 'counterexampleDiff', 'repro', 'streamDigest',
];

let q72: QemuBinary;
let q10: QemuBinary;
let stream72: Uint8Array;
const SMALL: Omit<RealCaseSpec, 'a' | 'b'> = { machine: 'pc-q35-7.2', devices: ['isa-serial', 'e1000'] };

// In each test, not a hook: a missing binary fails every test with the setup hint.
const setup = once(async () => {
  // A missing binary fails here, naming `npm run qemu:setup`.
  q72 = await locateQemu('7.2');
  q10 = await locateQemu('10.0');
  stream72 = await saveToFile({ binary: q72, vm: { machine: SMALL.machine, devices: SMALL.devices, args: DETERMINISTIC_RTC } });
});

describe('real 7.2 ⇄ 10.0 cases', () => {
  it('pass both ways at pc-q35-7.2 with every device kind, saying what was ignored and what was renamed', async () => {
    await setup();
    const [fwd, back] = await runRealCase({ a: q72, b: q10, machine: 'pc-q35-7.2', devices: DEVICES });
    for (const r of [fwd!, back!]) {
      expect(r, r.message ?? '').toMatchObject({ status: 'pass', kind: null, machine: 'pc-q35-7.2', states: 1 });
      expect(r.differences).toEqual([]);
      expect(r.fieldsCompared).toBeGreaterThan(50_000);
      expect(r.ignored).toEqual([{ device: 'globalstate (0)', path: 'runstate[32..]', why: IGNORE_RULES.globalstate }]);
      expect(r.message).toMatch(/^\d+ fields of \d+ devices and \d+ RAM pages compared; ignored: globalstate \(0\) runstate\[32\.\.\]; renamed: hpet \(0\) num_timers/);
      expect(r.timings.totalMs).toBeGreaterThanOrEqual(r.timings.saveMs + r.timings.loadSaveMs);
    }
    expect([fwd!.from, fwd!.to, back!.from, back!.to]).toEqual(['7.2', '10.0', '10.0', '7.2']);
    expect(fwd!.renamed).toEqual([{ device: 'hpet (0)', src: 'num_timers', dst: 'num_timers_save' }]);
    expect(back!.renamed).toEqual([{ device: 'hpet (0)', src: 'num_timers_save', dst: 'num_timers' }]);
    expect(fwd!.device).toBe('isa-serial+virtio-gpu-pci+e1000+virtio-net-pci+ipmi-bmc-sim+isa-ipmi-kcs+usb-ehci+rtl8139');
  });

  it('run as a matrix over the machine types a glob selects, in the CaseResult shape', async () => {

    await setup();
    const seen: string[] = [];
    const { machines, results } = await runRealMatrix({ a: q72, b: q10, machines: ['pc-i440fx-7.?'], devices: ['isa-serial'], concurrency: 2, onResult: (rs) => seen.push(rs[0]!.machine) });
    expect(machines).toEqual(['pc-i440fx-7.0', 'pc-i440fx-7.1', 'pc-i440fx-7.2']);
    expect(seen.sort()).toEqual(machines);
    expect(results.map((r) => `${r.from}->${r.to} ${r.machine} ${r.status}`)).toEqual(
      machines.flatMap((m) => [`7.2->10.0 ${m} pass`, `10.0->7.2 ${m} pass`]),
    );
    for (const k of CASE_RESULT_KEYS) expect(results[0]).toHaveProperty(k);
    expect(results[0]!.id).toBe('isa-serial/7.2->10.0/pc-i440fx-7.0');
  });
});

describe("a destination's refusal surfaces QEMU's own words and the right kind", () => {
  it('a configuration naming another machine type: machine-mismatch', async () => {
    await setup();
    const r = await runDirection({ a: q72, b: q10, ...SMALL, dstMachine: 'pc-q35-7.1' }, q72, q10, stream72);
    expect(r).toMatchObject({ status: 'fail', kind: 'machine-mismatch', stage: 'forward' });
    expect(r.qemu).toEqual(["Machine type received is 'pc-q35-7.2' and local is 'pc-q35-7.1'", 'load of migration failed: Invalid argument']);
    expect(r.failure?.qemuKind).toBe('machine-mismatch');
  });

  it('a section the destination does not have: unknown-section, at the offset of that section', async () => {

    await setup();
    const r = await runDirection({ a: q72, b: q10, ...SMALL, dstDevices: ['e1000'] }, q72, q10, stream72);
    expect(r).toMatchObject({ status: 'fail', kind: 'unknown-section', path: 'serial' });
    expect(r.qemu[0]).toMatch(/^Unknown savevm section or instance 'serial' 0\. Make sure that your current VM setup matches/);
    expect(r.offset).toBe(walkStream(stream72).records.find((x) => x.idstr === 'serial')!.offset);
  });

  it('a truncated stream: short-read inside a section, truncated where a record was due, on either binary', async () => {

    await setup();
    const w = walkStream(stream72);
    const serial = w.records.find((x) => x.idstr === 'serial')!;
    const eof = w.records.find((x) => x.type === 'EOF')!;
    const part = w.records.find((x) => x.type === 'PART')!;
    const cut = (n: number) => stream72.slice(0, n);
    const inField = await runDirection({ a: q72, b: q10, ...SMALL }, q72, q10, cut(serial.payloadOffset + 3));
    expect(inField).toMatchObject({ kind: 'short-read', vmsd: 'serial', path: 'serial serial:ier' });
    expect(inField.qemu).toEqual(['Failed to load serial:ier', 'Failed to load serial:state', "error while loading state for instance 0x0 of device 'serial'", 'load of migration failed: Input/output error']);
    const atEof = await runDirection({ a: q72, b: q72, ...SMALL }, q72, q72, cut(eof.offset));
    expect(atEof).toMatchObject({ kind: 'truncated', qemu: ['load of migration failed: Input/output error'] });
    // 7.2 reads the zeros past a cut RAM page as flags 0 (EINVAL); the bytes say short read.
    const inRam = await runDirection({ a: q72, b: q72, ...SMALL }, q72, q72, cut(part.payloadOffset + 100));
    expect(inRam).toMatchObject({ kind: 'short-read', path: 'ram' });
    expect(inRam.qemu[0]).toBe('Unknown combination of migration flags: 0x0');
    expect(inRam.failure?.qemuKind).toBeNull();
  });

  it('a setup one side cannot run is a skip, not a verdict', async () => {

    await setup();
    const r = await runDirection({ a: q72, b: q10, ...SMALL, dstDevices: ['no-such-device'] }, q72, q10, stream72);
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/^10\.0 cannot run it: .*'no-such-device' is not a valid device model name/);
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
