/**
 * The platform models against real streams: for every FULL section of a
 * modelled platform device in a stream the real binary wrote (after a few
 * guest port writes), the model of the matching release loads the payload
 * and saves it again byte for byte. Nothing is ignored: the serial FIFOs
 * the port writes enable are empty, so the subsection whose bytes past
 * `num` QEMU leaves stale is not sent.
 *
 * Needs the real binaries; a missing one fails here with the setup hint.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { locateQemu, type QemuBinary } from '../../src/qemu/binaries.js';
import { walkStream } from '../../src/wire/walk.js';
import type { Release } from '../../src/machine/types.js';
import { Engine, qemuJson } from '../../src/machine/engine.js';
import { findRelease } from '../../scenarios/releases/index.js';
import { ADDONS, deviceFor, firstDifference, limited, reencode, saveAfterPokes } from './real.js';

/** Sections of platform devices the catalogue models (isa-ipmi-kcs, a seed device, included). */
const PLATFORM = new Set([
  'timer', 'kvm-tpr-opt', 'PCIHost', 'PCIBUS', 'i2c_bus', 'acpi_build', 'apic', 'fw_cfg', 'dma', 'mc146818rtc', 'i8259', 'ioapic', 'hpet', 'i8254', 'pcspk', 'ps2kbd', 'ps2mouse', 'pckbd', 'vmmouse',
  'port92', 'serial', 'ipmi-bmc-sim', 'ipmi-interface', 'globalstate',
  '0000:00:1f.0/ICH9LPC', '0000:00:01.3/piix4_pm', '0000:00:0a.0/pvpanic-pci',
  '0000:00:00.0/mch', '0000:00:00.0/I440FX', '0000:00:01.0/PIIX3', '0000:00:1f.3/ich9_smb',
]);
const Q35_ONLY = ['0000:00:1f.0/ICH9LPC', '0000:00:00.0/mch', '0000:00:1f.3/ich9_smb'];
const I440FX_ONLY = ['0000:00:01.3/piix4_pm', '0000:00:00.0/I440FX', '0000:00:01.0/PIIX3'];

interface Stream {
  label: string;
  release: Release;
  machine: string;
  bytes: Uint8Array;
}

const streams: Stream[] = [];

beforeAll(async () => {
  const bins: [QemuBinary, string, string[]][] = [
    [await locateQemu('7.2'), '7.2.0', ['pc-q35-7.2', 'pc-i440fx-7.0']],
    [await locateQemu('10.0'), '10.0.0', ['pc-q35-7.2', 'pc-i440fx-10.0']],
  ];
  await limited(
    2,
    bins.flatMap(([binary, release, machines]) =>
      machines.map((machine) => async () => {
        const bytes = await saveAfterPokes(binary, { machine, devices: ADDONS });
        streams.push({ label: `${binary.name} ${machine}`, release: findRelease(release)!, machine, bytes });
      }),
    ),
  );
  streams.sort((a, b) => a.label.localeCompare(b.label));
}, 120_000);

describe('real streams re-encode byte for byte through the models', () => {
  it('every modelled platform section of every stream', () => {
    expect(streams).toHaveLength(4);
    const rows: string[] = [];
    for (const s of streams) {
      const walked = walkStream(s.bytes);
      const records = walked.records.filter((r) => r.type === 'FULL' && PLATFORM.has(r.idstr!));
      const other = s.machine.startsWith('pc-q35') ? I440FX_ONLY : Q35_ONLY;
      expect(new Set(records.map((r) => r.idstr)), s.label).toEqual(new Set([...PLATFORM].filter((x) => !other.includes(x))));
      for (const r of records) {
        const cls = deviceFor(s.release, r.idstr!, s.machine);
        expect(cls, `${s.label}: ${r.idstr} is modelled`).toBeDefined();
        const payload = s.bytes.slice(r.payloadOffset, r.payloadOffset + r.payloadLength);
        const out = reencode(s.release, s.machine, cls!.name, r.versionId!, payload);
        const where = `${s.label} ${r.idstr}#${r.instanceId} (${payload.length} bytes)`;
        expect(out.error, where).toBeUndefined();
        const at = firstDifference(payload, out.bytes!);
        expect(at, `${where}: first difference at payload byte ${at}`).toBe(-1);
        // and the section's JSON description, text for text
        const real = walked.vmdesc!.devices.find((d) => d.name === r.idstr && d.instance_id === r.instanceId)!;
        const { name: _n, instance_id: _i, ...entry } = real;
        expect(out.described, `${where}: JSON description`).toBe(qemuJson(entry));
        rows.push(where);
      }
    }
    // two DMA controllers and two PICs; each board has three functions of its own
    expect(rows).toHaveLength(4 * 30);
  });

  it('the port writes reached the models: non-reset values and subsections decode as the guest left them', () => {
    const s = streams.find((x) => x.label.startsWith('10.0'))!;
    const rec = (id: string) => walkStream(s.bytes).records.find((r) => r.idstr === id)!;
    const decode = (id: string) => {
      const r = rec(id);
      const cls = deviceFor(s.release, id, s.machine)!;
      return reencode(s.release, s.machine, cls.name, r.versionId!, s.bytes.slice(r.payloadOffset, r.payloadOffset + r.payloadLength)).state!;
    };
    const serial = decode('serial').state as Record<string, unknown>;
    expect(serial).toMatchObject({ lcr: 0x03, scr: 0x5a, fcr_vmstate: 0x01, ier: 0x02, divider: 1 });
    expect(Number(serial.iir) & 0xc0).toBe(0xc0);
    const rtc = decode('mc146818rtc');
    expect((rtc.cmos_data as Uint8Array)[0x0b]).toBe(0x42);
    expect(rtc.period).toBe(512); // rate 10 → 1024 Hz at 32768 Hz
    expect(decode('port92').outport).toBe(0x02);
    expect((decode('pckbd').kbd as Record<string, unknown>).mode).toBe(0x47);
  });

  it('the models register the platform sections in the order the binaries do', () => {
    for (const s of streams) {
      const seen = walkStream(s.bytes)
        .records.filter((r) => r.type === 'FULL' && PLATFORM.has(r.idstr!))
        .map((r) => deviceFor(s.release, r.idstr!, s.machine)!.name);
      const machine = s.release.machines.find((m) => m.name === s.machine)!;
      const modelled = machine.devices!.filter((n) => seen.includes(n) || n === 'isa-ipmi-kcs');
      expect(modelled, s.label).toEqual(seen);
    }
  });

  it('and give them the idstrs and instance ids the binaries give (the second DMA controller and PIC are instance 1)', () => {
    for (const s of streams) {
      const real = walkStream(s.bytes)
        .records.filter((r) => r.type === 'FULL' && PLATFORM.has(r.idstr!))
        .map((r) => `${r.idstr}#${r.instanceId}`);
      const engine = new Engine(s.release, s.machine);
      const model = engine.instances.map((i) => `${i.idstr}#${i.instanceId}`).filter((x) => real.includes(x));
      expect(model, s.label).toEqual(real);
      expect(real.filter((x) => x.endsWith('#1')).sort(), s.label).toEqual(['dma#1', 'i8259#1']);
    }
  });
});
