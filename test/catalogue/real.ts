/**
 * What the catalogue tests share about the real binaries: streams saved
 * from a paused guest after a few guest-visible register writes (HMP `o`,
 * so that subsections and non-reset values appear), the model device a
 * FULL record belongs to, and re-encoding one record's payload through a
 * model engine (a synthetic stream around the payload, Engine.load, then
 * Engine.save).
 */
import { Engine, qemuJson } from '../../src/machine/engine.js';
import type { DeviceClass, Release } from '../../src/machine/types.js';
import { migrateOut, withQemu, type VmConfig } from '../../src/qemu/driver.js';
import type { QemuBinary } from '../../src/qemu/binaries.js';
import * as C from '../../src/wire/constants.js';
import { writeFooter, writeFullHeader, writeHeader, writeVmdesc } from '../../src/wire/framing.js';
import { Writer } from '../../src/wire/writer.js';
import type { State } from '../../src/vmstate/types.js';

/** The add-on devices every catalogue VM carries (the platform ones a case can list). */
export const ADDONS = ['isa-serial', 'ipmi-bmc-sim,id=bmc0', 'isa-ipmi-kcs,bmc=bmc0', 'pvpanic-pci,addr=0a.0'];

/**
 * Port writes a guest could make, to leave reset state: serial 16550 with
 * FIFOs on, 8N1, a scratch byte and THR interrupts enabled; the RTC's
 * periodic interrupt; PIT channel 2 reprogrammed; the speaker gate; the
 * slave PIC's mask and ELCR; port 92's fast A20; an i8042 command byte;
 * the switch from legacy to modern CPU hotplug (a 0 written to the start of
 * the legacy CPU bitmap: 0xcd8 on q35, 0xaf00 on i440fx), which makes the
 * power-management function send its cpuhp subsection; SYS_RST in the reset
 * control register (0xcf9), which ICH9-LPC and PIIX3 send as a subsection.
 */
export const POKES: [number, number][] = [
  [0x3fb, 0x83], [0x3f8, 0x01], [0x3f9, 0x00], [0x3fb, 0x03], [0x3fa, 0x07], [0x3f9, 0x02], [0x3ff, 0x5a], [0x3fc, 0x0b],
  [0x70, 0x0b], [0x71, 0x42], [0x70, 0x0a], [0x71, 0x2a], [0x70, 0x0e], [0x71, 0x77],
  [0x43, 0xb6], [0x42, 0x34], [0x42, 0x12], [0x61, 0x03],
  [0xa1, 0xfb], [0x4d1, 0x0e], [0x92, 0x02],
  [0x64, 0x60], [0x60, 0x47],
  [0xcd8, 0x00], [0xaf00, 0x00],
  [0xcf9, 0x02],
];

/**
 * Runs `tasks` at most `n` at a time: the machines running the suite have
 * two CPUs and other test files start QEMUs of their own.
 */
export async function limited<T>(n: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return out;
}

/** Saves a paused guest to a stream after the port writes; QEMU's own error text on failure. */
export async function saveAfterPokes(binary: QemuBinary, vm: VmConfig, pokes: [number, number][] = POKES): Promise<Uint8Array> {
  return withQemu({ binary, vm, timeoutMs: 60_000 }, async (q, remaining) => {
    for (const [port, value] of pokes) {
      await q.qmp!.execute('human-monitor-command', { 'command-line': `o /b 0x${port.toString(16)} 0x${value.toString(16)}` });
    }
    // through the driver's unix socket: `exec:cat > FILE` can report completion before cat has written everything
    await q.enableEvents();
    return migrateOut(q, remaining);
  });
}

/** The model device class whose section this is (by idstr, among the machine's devices first), if the release models it. */
export function deviceFor(release: Release, idstr: string, machine?: string): DeviceClass | undefined {
  const onBoard = release.machines.find((m) => m.name === machine)?.devices ?? [];
  const candidates = release.devices.filter((d) => d.idstr === idstr);
  return candidates.find((d) => onBoard.includes(d.name)) ?? candidates[0];
}

export interface Reencoded {
  ok: boolean;
  /** The model's error when its load failed. */
  error?: string;
  state?: State;
  bytes?: Uint8Array;
  /** The model's JSON description of the section (without name and instance_id), as QEMU would write it. */
  described?: string;
}

/** Wraps one section payload in a stream, loads it with the model at `machine`, saves it again, returns the new payload. */
export function reencode(release: Release, machine: string, device: string, versionId: number, payload: Uint8Array): Reencoded {
  const engine = new Engine(release, machine, { devices: [device] });
  const inst = engine.instance(device);
  const w = new Writer(payload.length + 256);
  writeHeader(w);
  w.u8(C.QEMU_VM_CONFIGURATION);
  w.u32(machine.length);
  for (const c of machine) w.u8(c.charCodeAt(0));
  writeFullHeader(w, { sectionId: 0, idstr: inst.idstr, instanceId: inst.instanceId, versionId });
  w.bytes(payload);
  writeFooter(w, 0);
  w.u8(C.QEMU_VM_EOF);
  writeVmdesc(w, '{}');
  const loaded = engine.load(w.finish());
  if (!loaded.ok) return { ok: false, error: `${loaded.error.kind}: ${loaded.error.message} [${loaded.error.qemu.join(' / ')}]` };
  const state = loaded.states[device]!;
  const saved = engine.save({ [device]: state });
  const sec = saved.sections[0]!;
  const { name: _n, instance_id: _i, ...entry } = saved.desc.devices[0] as Record<string, unknown>;
  return { ok: true, state, bytes: saved.bytes.slice(sec.payloadOffset, sec.payloadEnd), described: qemuJson(entry) };
}

/** Index of the first differing byte, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
