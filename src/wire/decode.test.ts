import { afterAll, describe, expect, it } from 'vitest';
// Test-only: real streams come from real binaries (src/wire itself never runs QEMU).
import { once, provisioned, type BuiltinQemu } from '../qemu/binaries.js';
import { leftovers, saveToFile } from '../qemu/driver.js';
import { decodeStream, type DecodedStream, type DeviceRecord, type RamRecord } from './decode.js';
import { encodeStream } from './encode.js';
import { isVmsdState, leaves, stateToJson, type VmsdState } from './tree.js';
import { walkStream } from './walk.js';

/** Every kind of device the issue names, on both binaries, q35 and i440fx, old and new machine types. */
const DEVICES = ['isa-serial', 'virtio-gpu-pci', 'e1000', 'virtio-net-pci', 'ipmi-bmc-sim,id=bmc0', 'isa-ipmi-kcs,bmc=bmc0', 'usb-ehci', 'rtl8139'];

interface Case {
  release: BuiltinQemu;
  machine: string;
  switchoverStart: boolean;
}

const CASES: Case[] = [
  { release: '7.2', machine: 'pc-q35-7.2', switchoverStart: false },
  { release: '7.2', machine: 'pc-i440fx-7.1', switchoverStart: false },
  { release: '7.2', machine: 'pc-i440fx-2.4', switchoverStart: false },
  { release: '10.0', machine: 'pc-q35-10.0', switchoverStart: true },
  { release: '10.0', machine: 'pc-i440fx-10.0', switchoverStart: true },
  { release: '10.0', machine: 'pc-q35-7.2', switchoverStart: false },
];

// Both binaries are required: a missing one fails every test with the setup hint.
const streams = once(async () => {
  const { q72, q10 } = await provisioned();
  const bins = { '7.2': q72, '10.0': q10 };
  const out = new Map<Case, Uint8Array>();
  await Promise.all(CASES.map(async (c) => out.set(c, await saveToFile({ binary: bins[c.release], vm: { machine: c.machine, devices: DEVICES } }))));
  return out;
});

function full(s: DecodedStream, idstr: RegExp): DeviceRecord {
  const r = s.records.find((x): x is DeviceRecord => x.type === 'FULL' && idstr.test(x.idstr));
  if (!r) throw new Error(`no FULL record matching ${idstr}`);
  return r;
}

function field(st: VmsdState, name: string) {
  const f = st.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name} in ${st.vmsd_name}: ${st.fields.map((x) => x.name).join(', ')}`);
  return f;
}

describe.each(CASES)('a real QEMU $release stream at $machine', (c) => {
  const data = once(async () => {
    const buf = (await streams()).get(c)!;
    return { buf, s: decodeStream(buf) };
  });

  it('re-encodes byte for byte', async () => {
    const { buf, s } = await data();
    const out = encodeStream(s);
    expect(out.length).toBe(buf.length);
    expect(Buffer.compare(out, buf)).toBe(0);
  });

  it('decodes the framing the walker sees, record for record', async () => {
    const { buf, s } = await data();
    const w = walkStream(buf);
    expect(s.records.map((r) => r.type)).toEqual(w.records.filter((r) => r.type !== 'VMDESCRIPTION').map((r) => r.type));
    const walked = w.records.filter((r) => r.type === 'FULL');
    const decoded = s.records.filter((r): r is DeviceRecord => r.type === 'FULL');
    expect(decoded.map((r) => [r.idstr, r.payloadOffset, r.payloadLength])).toEqual(walked.map((r) => [r.idstr, r.payloadOffset, r.payloadLength]));
    expect(s.records[0]).toMatchObject({ type: 'CONFIGURATION', machine: c.machine, described: c.release === '10.0' });
    expect(s.vmdesc?.desc.devices.length).toBe(decoded.length);
    expect(s.trailing).toBeNull();
    expect(s.records.some((r) => r.type === 'COMMAND' && r.command === 11 && r.payload.length === 0)).toBe(c.switchoverStart);
  });

  it('decodes RAM: the block list, zero pages, data pages and EOS in every record', async () => {
    const { buf, s } = await data();
    const ram = s.records.filter((r): r is RamRecord => ['START', 'PART', 'END'].includes(r.type));
    expect(ram[0]).toMatchObject({ type: 'START', idstr: 'ram', versionId: 4, footer: true });
    const size = ram[0]!.entries[0]!;
    expect(size.kind).toBe('mem-size');
    if (size.kind !== 'mem-size') return;
    expect(size.blocks.reduce((n, b) => n + b.length, 0)).toBe(size.total);
    expect(size.blocks[0]).toEqual({ name: 'pc.ram', length: 32 << 20 });
    // option ROMs are RAM blocks named after their PCI slot
    expect(size.blocks.map((b) => b.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^0000:00:0\d\.0\/e1000\.rom$/), 'pc.bios']));
    for (const r of ram) expect(r.entries.at(-1)?.kind).toBe('eos');
    const entries = ram.flatMap((r) => r.entries);
    const pages = entries.filter((e) => e.kind === 'page');
    const zero = entries.filter((e) => e.kind === 'zero');
    expect(pages.length).toBeGreaterThan(50);
    expect(zero.length).toBeGreaterThan(8000);
    for (const p of pages) if (p.kind === 'page') expect(p.data.length).toBe(4096);
    // every page of pc.ram is sent exactly once in a paused guest's stream
    const pcRam = new Set(entries.filter((e) => (e.kind === 'page' || e.kind === 'zero') && e.block === 'pc.ram').map((e) => (e as { addr: number }).addr));
    expect(pcRam.size).toBe((32 << 20) / 4096);
  });

  it('decodes device sections into typed fields, structs, vstructs, subsections and raw custom types', async () => {
    const { buf, s } = await data();
    const serial = full(s, /^serial$/);
    expect(field(serial.state, 'state').values[0]).toMatchObject({ vmsd_name: 'serial', version: 3 });
    const core = field(serial.state, 'state').values[0] as VmsdState;
    expect(field(core, 'divider').values).toEqual([12]);
    expect(field(core, 'lsr').values).toEqual([0x60]);

    const pit = full(s, /^i8254$/);
    const channels = field(pit.state, 'channels');
    expect(channels.array).toBe(true);
    expect(channels.values).toHaveLength(3);
    expect(channels.values.every((v) => isVmsdState(v) && v.vmsd_name === 'pit channel')).toBe(true);

    const kcs = full(s, /^ipmi-interface$/);
    const vstruct = field(kcs.state, 'kcs[1]');
    expect(vstruct.parts[0]!.type).toBe('vstruct');
    const inner = vstruct.values[0] as VmsdState;
    expect(inner.vmsd_name).toBe('ipmi-interface-kcs');
    expect(field(inner, 'outmsg').values).toHaveLength(300);
    expect(field(inner, 'data_in_reg').values[0]).toBeTypeOf('number');

    const bmc = full(s, /^ipmi-bmc-sim$/);
    expect(bmc.payloadLength).toBe(45);
    expect(field(bmc.state, 'watchdog_expiry').values[0]).toBeTypeOf('bigint');

    const fw = full(s, /^fw_cfg$/);
    // fw_cfg/dma is off for machine types ≤ 2.4, acpi_mr for ≤ 4.2 (spec §9.6)
    if (c.machine.endsWith('-2.4')) expect(fw.state.subsections).toEqual([]);
    else {
      expect(fw.state.subsections.map((x) => x.name)).toEqual(['fw_cfg/dma', 'fw_cfg/acpi_mr']);
      expect(fw.state.subsections[0]!.version).toBe(0);
    }

    const gpu = full(s, /\/virtio-gpu$/);
    const virtio = field(gpu.state, 'virtio');
    expect(virtio.parts[0]!.type).toBe('virtio');
    // 45,574 bytes on modern machine types (spec corrections); 2.x machine types default to legacy virtio
    expect((virtio.values[0] as Uint8Array).length).toBe(c.machine.endsWith('-2.4') ? 16833 : 45574);
    expect(field(gpu.state, 'virtio-gpu').values[0]).toBeInstanceOf(Uint8Array);

    const rtc = full(s, /^mc146818rtc$/);
    expect(field(rtc.state, 'unused[1]').values[0]).toBeInstanceOf(Uint8Array);
    expect(stateToJson(rtc.state)).toMatchObject({ cmos_index: expect.stringMatching(/^0x[0-9a-f]{2}$/) });

    // e1000's mig_props group is a tmp field: its vmsd keys sit inline in the field object
    const e1000 = full(s, /\/e1000$/);
    expect(leaves(e1000.state).some((l) => l.path === 'tmp.mig_props.ip' || /mig_props/.test(l.path))).toBe(true);
  });

  it('changes exactly the bytes of a field set in the tree', async () => {
    const { buf, s } = await data();
    const copy = decodeStream(buf);
    const serial = full(copy, /^serial$/);
    const scr = leaves(serial.state).find((l) => l.path === 'state.scr')!;
    scr.set(0xa5);
    const out = encodeStream(copy);
    const at = serial.payloadOffset + scr.offset;
    const diff: number[] = [];
    for (let i = 0; i < out.length; i++) if (out[i] !== buf[i]) diff.push(i);
    expect(diff).toEqual([at]);
    expect(out[at]).toBe(0xa5);
  });
});

describe.each(CASES.filter((c) => c.machine.startsWith('pc-q35')))('a real QEMU $release stream at $machine (q35 only)', (c) => {
  const data = once(async () => ({ s: decodeStream((await streams()).get(c)!) }));

  it("groups ich9_ahci's six ports although 10.0 leaves `index` off the last one", async () => {
    const { s } = await data();
    const ahci = full(s, /ich9_ahci$/);
    const core = field(ahci.state, 'ahci').values[0] as VmsdState;
    const ports = field(core, 'dev');
    expect(ports.values).toHaveLength(6);
    expect(ports.parts).toHaveLength(6);
    const lastIndex = ports.parts[5]!.desc.index;
    expect(lastIndex).toBe(c.release === '7.2' ? 5 : undefined);
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
