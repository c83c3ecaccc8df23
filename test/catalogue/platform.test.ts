/**
 * The platform models on their own: generated states survive their own
 * release's save and load (after the device's normalisation), and the
 * validity rules and version differences behave as QEMU's do.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/machine/engine.js';
import { runCase, type StateMode } from '../../src/check/run.js';
import { stateEqual } from '../../src/vmstate/state.js';
import type { State } from '../../src/vmstate/types.js';
import { findRelease } from '../../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { runstateBytes } from '../../scenarios/devices/platform/globalstate.js';
import { reencode } from './real.js';

const PLATFORM = [
  'timer', 'kvm-tpr-opt', 'PCIHost', 'pcie.0', 'pci.0', 'i2c_bus', 'acpi_build', 'apic', 'fw_cfg', 'i8257', 'mc146818rtc', 'i8259', 'ioapic', 'hpet', 'i8254', 'pcspk', 'ps2kbd', 'ps2mouse', 'pckbd', 'vmmouse',
  'port92', 'isa-serial', 'ipmi-bmc-sim', 'globalstate', 'ich9-lpc', 'piix4_pm', 'pvpanic-pci',
  'mch', 'i440fx', 'PIIX3', 'ich9_smb',
];
const rel = (n: string) => findRelease(n)!;

describe('generated states round-trip on their own release', () => {
  for (const [release, machine] of [['7.2.0', 'pc-q35-7.2'], ['10.0.0', 'pc-i440fx-10.0']] as const) {
    it.each(PLATFORM)(`%s at ${release} ${machine}`, (device) => {
      const engine = new Engine(rel(release), machine, { devices: [device] });
      fc.assert(
        fc.property(deviceStateArbitrary(engine, device, { strict: true }), (s) => {
          const once = engine.load(engine.save({ [device]: s }).bytes);
          expect(once.ok && once.warnings).toEqual([]);
          if (!once.ok) return;
          const twice = engine.load(engine.save(once.states).bytes);
          expect(twice.ok && stateEqual(twice.states[device], once.states[device])).toBe(true);
        }),
        { numRuns: 40, seed: 7210 },
      );
    });
  }
});

describe('validity rules and release differences', () => {
  const property = (runs: number): StateMode => ({ kind: 'property', runs, seed: 99, arbitrary: deviceStateArbitrary });

  it('serial: post_load rejects tsr_retry with LSR.TEMT set, as QEMU does', () => {
    const e = new Engine(rel('10.0.0'), 'pc-q35-10.0', { devices: ['isa-serial'] });
    const s = e.resetState('isa-serial');
    Object.assign(s.state as State, { tsr_retry: 1, lsr: 0x60 });
    const r = e.load(e.save({ 'isa-serial': s }).bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('post-load-failed');
      expect(r.error.qemu[0]).toBe('inconsistent state in serial device (tsr empty, tsr_retry=1');
    }
  });

  it('hpet: 9.2 lets a stream set the timer count, 10.0 requires its own', () => {
    const s = new Engine(rel('9.2.0'), 'pc-q35-9.2', { devices: ['hpet'] }).resetState('hpet');
    s.num_timers = 4;
    (s.timer as State[]).push({ ...(s.timer as State[])[0]!, tn: 3 });
    const bytes = new Engine(rel('9.2.0'), 'pc-q35-9.2', { devices: ['hpet'], overrides: { hpet: { timers: '4' } } }).save({ hpet: s }).bytes;
    const old = new Engine(rel('9.2.0'), 'pc-q35-9.2', { devices: ['hpet'] }).load(bytes);
    expect(old.ok && old.states.hpet!.num_timers).toBe(4);
    const now = new Engine(rel('10.0.0'), 'pc-q35-9.2', { devices: ['hpet'] }).load(bytes);
    expect(!now.ok && now.error.qemu[0]).toBe('Input validation failed: hpet/num_timers must match');
  });

  it('globalstate: a 9.0+ flag for a suspended guest is lost through 8.2 (silently, as in QEMU)', () => {
    const a = new Engine(rel('9.0.1'), 'pc-q35-8.2', { devices: ['globalstate'] });
    const b = new Engine(rel('8.2.0'), 'pc-q35-8.2', { devices: ['globalstate'] });
    const s = a.resetState('globalstate');
    s.vm_was_suspended = 1;
    const there = b.load(a.save({ globalstate: s }).bytes);
    expect(there.ok).toBe(true);
    if (!there.ok) return;
    const back = a.load(b.save(there.states).bytes);
    expect(back.ok && back.states.globalstate!.vm_was_suspended).toBe(0);
  });

  it('globalstate: an unknown run state fails post_load with EINVAL', () => {
    const e = new Engine(rel('7.2.0'), 'pc-q35-7.2', { devices: ['globalstate'] });
    const r = e.load(e.save({ globalstate: { size: 6, runstate: runstateBytes('dozing', 100) } }).bytes);
    expect(!r.ok && [r.error.kind, r.error.errno]).toEqual(['post-load-failed', -22]);
  });

  it("fw_cfg: a version 1 stream carries cur_offset as 16 bits, read by the 'int32_as_uint16' codec", () => {
    const out = reencode(rel('10.0.0'), 'pc-q35-10.0', 'fw_cfg', 1, new Uint8Array([0x00, 0x19, 0x12, 0x34]));
    expect(out.ok && out.state).toMatchObject({ cur_entry: 0x19, cur_offset: 0x1234 });
    // saved again at version 2: 32-bit offset, then the dma and acpi_mr subsections
    expect(Array.from(out.bytes!.slice(0, 6))).toEqual([0x00, 0x19, 0x00, 0x00, 0x12, 0x34]);
  });

  it('every platform device passes 7.2.0 <-> 8.0.0 and 9.2.0 <-> 10.0.0 over generated states', () => {
    for (const device of PLATFORM) {
      for (const [a, b, m] of [['7.2.0', '8.0.0', 'pc-i440fx-7.1'], ['10.0.0', '9.2.0', 'pc-q35-9.2']] as const) {
        const r = runCase({ device, from: rel(a), to: rel(b), machine: m }, { status: 'pass' }, property(15));
        expect(`${r.id} ${r.status} ${r.message ?? ''}`).toBe(`${r.id} pass `);
      }
    }
  });
});
