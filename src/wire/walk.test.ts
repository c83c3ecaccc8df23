import { beforeAll, describe, expect, it } from 'vitest';
// Test-only: real streams come from real binaries (src/wire itself never runs QEMU).
import { locateQemu, type BuiltinQemu } from '../qemu/binaries.js';
import { saveToFile, type VmConfig } from '../qemu/driver.js';
import { VmError } from './errors.js';
import { walk, walkStream, type StreamRecord, type WalkedStream } from './walk.js';

const DEVICES = ['isa-serial', 'virtio-gpu-pci', 'e1000'];

interface Case {
  release: BuiltinQemu;
  machine: string;
  /** 10.0 at machine types ≥ 10.0 sends switchover-start (COMMAND 11) before RAM's END. */
  switchoverStart: boolean;
}

const CASES: Case[] = [
  { release: '7.2', machine: 'pc-q35-7.2', switchoverStart: false },
  { release: '7.2', machine: 'pc-i440fx-7.1', switchoverStart: false },
  { release: '10.0', machine: 'pc-q35-7.2', switchoverStart: false },
  { release: '10.0', machine: 'pc-i440fx-7.1', switchoverStart: false },
  { release: '10.0', machine: 'pc-q35-10.0', switchoverStart: true },
];

const streams = new Map<Case, Uint8Array>();

beforeAll(async () => {
  // Both binaries are required: a missing one fails here with the setup hint.
  const bins = { '7.2': await locateQemu('7.2'), '10.0': await locateQemu('10.0') };
  await Promise.all(
    CASES.map(async (c) => {
      const vm: VmConfig = { machine: c.machine, memMb: 32, devices: DEVICES };
      streams.set(c, await saveToFile({ binary: bins[c.release], vm }));
    }),
  );
});

function recordEnd(r: StreamRecord): number {
  return r.footerOffset !== null ? r.footerOffset + 5 : r.payloadOffset + r.payloadLength;
}

function be32(buf: Uint8Array, at: number): number {
  return new DataView(buf.buffer, buf.byteOffset).getUint32(at);
}

describe.each(CASES)('a real QEMU $release stream at $machine', (c) => {
  let buf: Uint8Array;
  let w: WalkedStream;
  beforeAll(() => {
    buf = streams.get(c)!;
    w = walkStream(buf);
  });

  it('reads the header and the configuration record', () => {
    expect(w.version).toBe(3);
    expect(w.machine).toBe(c.machine);
    expect(w.records[0]).toMatchObject({ type: 'CONFIGURATION', offset: 8, payloadLength: 4 + c.machine.length });
    expect(w.configuration?.capabilities).toEqual([]);
  });

  it('covers the whole file with contiguous records ending in EOF + VMDESCRIPTION', () => {
    let at = 8;
    for (const r of w.records) {
      expect(r.offset, `${r.type} ${r.idstr ?? ''}`).toBe(at);
      at = recordEnd(r);
    }
    expect(at).toBe(buf.length);
    expect(w.records.slice(-2).map((r) => r.type)).toEqual(['EOF', 'VMDESCRIPTION']);
  });

  it('finds every footer where its header says, with the header section id', () => {
    const framed = w.records.filter((r) => ['START', 'PART', 'END', 'FULL'].includes(r.type));
    expect(framed.length).toBeGreaterThan(30);
    for (const r of framed) {
      expect(r.footerOffset).toBe(r.payloadOffset + r.payloadLength);
      expect(buf[r.footerOffset!]).toBe(0x7e);
      expect(be32(buf, r.footerOffset! + 1)).toBe(r.sectionId);
    }
    const headerIds = framed.filter((r) => r.type === 'START' || r.type === 'FULL').map((r) => r.sectionId);
    expect(new Set(headerIds).size).toBe(headerIds.length);
  });

  it('walks RAM: START with the block list, PARTs of pages, END, all one section', () => {
    const ram = w.records.filter((r) => r.idstr === 'ram');
    expect(ram[0]).toMatchObject({ type: 'START', instanceId: 0, versionId: 4 });
    expect(ram.at(-1)!.type).toBe('END');
    expect(ram.slice(1, -1).every((r) => r.type === 'PART')).toBe(true);
    expect(new Set(ram.map((r) => r.sectionId)).size).toBe(1);
    const start = ram[0]!.ram!;
    expect(start.blocks![0]).toEqual({ name: 'pc.ram', length: 32n << 20n });
    expect(start.blocks!.reduce((s, b) => s + b.length, 0n)).toBe(start.totalSize);
    // The NIC's option ROM is a RAM block: why both binaries must share firmware folders.
    expect(start.blocks!.some((b) => b.name.endsWith('/e1000.rom'))).toBe(true);
    // First pass of a paused guest: every page of every block is sent once, zero or not.
    const pages = ram.reduce((n, r) => n + r.ram!.pages + r.ram!.zeroPages, 0);
    expect(pages).toBe(Number(start.totalSize! / 4096n));
  });

  it('has FULL records in exactly the order, idstrs, instances and versions of vmdesc devices', () => {
    const full = w.records.filter((r) => r.type === 'FULL');
    const devices = w.vmdesc!.devices;
    expect(full.map((r) => [r.idstr, r.instanceId, r.versionId])).toEqual(devices.map((d) => [d.name, d.instance_id, d.version]));
    const names = full.map((r) => r.idstr);
    expect(names).toContain('serial');
    expect(names).toContain('globalstate');
    expect(names.some((n) => /^0000:00:0[0-9a-f]\.0\/virtio-gpu$/.test(n!))).toBe(true);
    expect(names.some((n) => /\/e1000$/.test(n!))).toBe(true);
  });

  it(c.switchoverStart ? 'carries COMMAND 11 (switchover-start) just before RAM END' : 'has no COMMAND record', () => {
    const cmds = w.records.filter((r) => r.type === 'COMMAND');
    if (!c.switchoverStart) {
      expect(cmds).toEqual([]);
      return;
    }
    expect(cmds).toHaveLength(1);
    expect(cmds[0]).toMatchObject({ command: 11, payloadLength: 0 });
    const i = w.records.indexOf(cmds[0]!);
    expect(w.records[i + 1]).toMatchObject({ type: 'END', idstr: 'ram' });
  });
});

/** Walks `bytes` and returns the VmError (fails the test if the walk succeeds). */
function failure(bytes: Uint8Array, opts?: Parameters<typeof walk>[1]): VmError {
  const r = walk(bytes, opts);
  if (r.ok) throw new Error('expected the walk to fail');
  return r.error;
}

describe('broken real streams', () => {
  let good: Uint8Array;
  let w: WalkedStream;
  const rec = (pred: (r: StreamRecord) => boolean) => w.records.find(pred)!;
  beforeAll(() => {
    good = streams.get(CASES[0]!)!;
    w = walkStream(good);
  });
  const edit = (at: number, ...bytes: number[]) => {
    const b = good.slice();
    b.set(bytes, at);
    return b;
  };

  it('bad magic', () => {
    expect(failure(edit(0, 0x51, 0x45, 0x56, 0x4e))).toMatchObject({ kind: 'bad-magic', offset: 0 });
    expect(failure(edit(0, 0x51, 0x45, 0x56, 0x4e)).message).toMatch(/^Not a migration stream: expected magic 0x5145564d .* found 0x5145564e/);
  });

  it('obsolete and unknown stream versions', () => {
    const v2 = failure(edit(4, 0, 0, 0, 2));
    expect(v2).toMatchObject({ kind: 'obsolete-version', offset: 4 });
    expect(v2.message).toMatch(/^SaveVM v2 format is obsolete/);
    expect(failure(edit(4, 0, 0, 0, 4))).toMatchObject({ kind: 'bad-stream-version', offset: 4 });
  });

  it('missing configuration', () => {
    const e = failure(edit(8, 0x01));
    expect(e).toMatchObject({ kind: 'config-missing', offset: 8 });
    expect(e.message).toContain('found 0x01');
  });

  it('a stream cut inside a RAM entry header is a short read at that entry', () => {
    const part = rec((r) => r.type === 'PART');
    const e = failure(good.subarray(0, part.payloadOffset + 3));
    expect(e).toMatchObject({ kind: 'short-read', offset: part.payloadOffset });
    expect(e.message).toContain('RAM entry header');
  });

  it('a stream cut exactly at a footer cannot read the footer', () => {
    const serial = rec((r) => r.idstr === 'serial');
    const e = failure(good.subarray(0, serial.footerOffset!), { vmdesc: w.vmdesc! });
    expect(e).toMatchObject({ kind: 'footer-read-error', offset: serial.footerOffset });
    expect(e.message).toMatch(/^check_section_footer: Read section footer failed: -5/);
  });

  it('a stream cut right after the 0x7e byte reads footer id 0', () => {
    const serial = rec((r) => r.idstr === 'serial');
    const e = failure(good.subarray(0, serial.footerOffset! + 1), { vmdesc: w.vmdesc! });
    expect(e).toMatchObject({ kind: 'footer-id-mismatch', offset: serial.footerOffset! + 1 });
    expect(e.message).toContain(`Mismatched section id in footer for serial - read 0x0 expected 0x${serial.sectionId!.toString(16)}`);
  });

  it('an idstr cut short: QEMU cannot read the ID string', () => {
    const serial = rec((r) => r.idstr === 'serial');
    const e = failure(good.subarray(0, serial.offset + 7), { vmdesc: w.vmdesc! });
    expect(e).toMatchObject({ kind: 'bad-idstr', offset: serial.offset + 5, errno: -22, qemu: [`Unable to read ID string for section ${serial.sectionId}`] });
    expect(e.message).toMatch(new RegExp(`^Unable to read ID string for section ${serial.sectionId} at 0x${(serial.offset + 5).toString(16)}: short read: expected 6 byte\\(s\\) for section idstr`));
  });

  it('a stream cut between records has no EOF marker', () => {
    const eof = rec((r) => r.type === 'EOF');
    const e = failure(good.subarray(0, eof.offset), { vmdesc: w.vmdesc! });
    expect(e).toMatchObject({ kind: 'truncated', offset: eof.offset });
  });

  it('without its description a FULL record cannot be sized', () => {
    const eof = rec((r) => r.type === 'EOF');
    const first = rec((r) => r.type === 'FULL');
    const e = failure(good.subarray(0, eof.offset + 1));
    expect(e).toMatchObject({ kind: 'vmdesc-missing', offset: first.offset });
    expect(e.message).toContain(`FULL record '${first.idstr}'`);
  });

  it('a wrong footer byte or footer id', () => {
    const gpu = rec((r) => r.idstr?.endsWith('/virtio-gpu') ?? false);
    const missing = failure(edit(gpu.footerOffset!, 0x00));
    expect(missing).toMatchObject({ kind: 'footer-missing', offset: gpu.footerOffset, path: gpu.idstr });
    expect(missing.message).toBe(`Missing section footer for ${gpu.idstr}: expected 0x7e at 0x${gpu.footerOffset!.toString(16)}, found 0x00`);
    expect(missing.qemu).toEqual([`Missing section footer for ${gpu.idstr}`]);
    const id = failure(edit(gpu.footerOffset! + 4, (gpu.sectionId! + 1) & 0xff));
    expect(id).toMatchObject({ kind: 'footer-id-mismatch', offset: gpu.footerOffset! + 1 });
  });

  it('an unknown record type byte', () => {
    const i8254 = rec((r) => r.idstr === 'i8254');
    const e = failure(edit(i8254.offset, 0x09));
    expect(e).toMatchObject({ kind: 'unknown-section-type', offset: i8254.offset });
    expect(e.message).toMatch(/^Unknown savevm section type 9 at/);
  });

  it('a PART record for a section no START introduced', () => {
    const part = rec((r) => r.type === 'PART');
    const e = failure(edit(part.offset + 1, 0, 0, 0, 0x63));
    expect(e).toMatchObject({ kind: 'unknown-section', offset: part.offset + 1 });
    expect(e.message).toMatch(/^Unknown savevm section 99/);
  });

  it('RAM flags this walker (and a default QEMU) never uses', () => {
    const part = rec((r) => r.type === 'PART');
    const hdr = good.slice(part.payloadOffset, part.payloadOffset + 8);
    hdr[6] = (hdr[6]! & 0xf0) | 0x00;
    hdr[7] = 0x40; // XBZRLE
    const e = failure(edit(part.payloadOffset, ...hdr));
    expect(e).toMatchObject({ kind: 'bad-input', offset: part.payloadOffset, path: 'ram' });
    expect(e.message).toMatch(/^Unknown combination of migration flags: 0x40/);
  });

  it('a subsection header that disagrees with the description', () => {
    // fw_cfg: cur_entry (2) + cur_offset (4), then subsection fw_cfg/dma.
    const fw = rec((r) => r.idstr === 'fw_cfg');
    const at = fw.payloadOffset + 6;
    expect(good[at]).toBe(0x05);
    const e = failure(edit(at + 2, 0x46)); // 'f' -> 'F'
    expect(e).toMatchObject({ kind: 'unknown-subsection', offset: at, path: 'fw_cfg/fw_cfg/dma' });
    expect(e.message).toContain("expected subsection 'fw_cfg/dma'");
  });

  it('a description that does not end at the end of the file', () => {
    const vd = rec((r) => r.type === 'VMDESCRIPTION');
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    const e = failure(longer);
    // Trailing garbage hides the description, so the first FULL record cannot be sized.
    expect(e.kind).toBe('vmdesc-missing');
    const withDesc = failure(longer, { vmdesc: w.vmdesc! });
    expect(withDesc).toMatchObject({ kind: 'trailing-data', offset: vd.offset });
  });
});
