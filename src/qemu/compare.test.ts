import { describe, expect, it } from 'vitest';
import type { DecodedStream, DeviceRecord, RamEntry } from '../wire/decode.js';
import type { Value, VmsdState } from '../wire/tree.js';
import { compareStreams, IGNORE_RULES } from './compare.js';

type F = [name: string, type: string, size: number, value: Value | Value[]];

function vmsd(name: string, fields: F[], subsections: VmsdState['subsections'] = []): VmsdState {
  return {
    vmsd_name: name,
    version: 1,
    fields: fields.map(([n, type, size, v]) => {
      const values = Array.isArray(v) ? v : [v];
      return { name: n, parts: [{ type, size, count: values.length, desc: { name: n, type, size } }], array: Array.isArray(v), values };
    }),
    subsections,
  };
}

function stream(devices: [string, VmsdState][], ram: RamEntry[] = []): DecodedStream {
  const records: DecodedStream['records'] = [];
  if (ram.length) records.push({ type: 'START', offset: 8, sectionId: 0, idstr: 'ram', instanceId: 0, versionId: 4, entries: ram, footer: true });
  devices.forEach(([idstr, state], i) => {
    const rec: DeviceRecord = { type: 'FULL', offset: 100 * (i + 1), sectionId: i + 1, idstr, instanceId: 0, versionId: 1, state, footer: true, payloadOffset: 100 * (i + 1) + 20, payloadLength: 10 };
    records.push(rec);
  });
  records.push({ type: 'EOF', offset: 9999 });
  return { version: 3, records, vmdesc: null, trailing: null, length: 10000 };
}

const fifo = (data: number[], head: number, num: number) =>
  vmsd('Fifo8', [
    ['data', 'buffer', data.length, new Uint8Array(data)],
    ['head', 'uint32', 4, head],
    ['num', 'uint32', 4, num],
  ]);

describe('compareStreams', () => {
  it('compares field by field and names the first differing byte of a buffer with its offset', () => {
    const a = stream([['dev', vmsd('dev', [['x', 'uint32', 4, 1], ['buf', 'buffer', 4, new Uint8Array([1, 2, 3, 4])], ['y', 'uint64', 8, 5n]])]]);
    const b = stream([['dev', vmsd('dev', [['x', 'uint32', 4, 1], ['buf', 'buffer', 4, new Uint8Array([1, 2, 9, 8])], ['y', 'uint64', 8, 6n]])]]);
    const c = compareStreams(a, b);
    expect(c.fieldsCompared).toBe(3);
    expect(c.differences).toEqual([
      { device: 'dev (0)', path: 'buf[2] (+1 more bytes)', kind: 'value', src: '0x03', dst: '0x09', srcOffset: 120 + 4 + 2, dstOffset: 120 + 4 + 2 },
      { device: 'dev (0)', path: 'y', kind: 'value', src: '0x0000000000000005', dst: '0x0000000000000006', srcOffset: 128, dstOffset: 128 },
    ]);
  });

  it('matches a renamed field by offset and size (hpet num_timers → num_timers_save)', () => {
    const a = stream([['hpet', vmsd('hpet', [['config', 'uint64', 8, 0n], ['num_timers', 'uint8', 1, 3]])]]);
    const b = stream([['hpet', vmsd('hpet', [['config', 'uint64', 8, 0n], ['num_timers_save', 'uint8', 1, 3]])]]);
    const c = compareStreams(a, b);
    expect(c.differences).toEqual([]);
    expect(c.renamed).toEqual([{ device: 'hpet (0)', src: 'num_timers', dst: 'num_timers_save' }]);
  });

  it('ignores FIFO bytes past the count, and reports that it did', () => {
    const wrap = (f: VmsdState) => stream([['serial', vmsd('serial', [], [{ name: 'serial/recv_fifo', version: 1, state: vmsd('serial/recv_fifo', [['f', 'struct', 24, f]]) }])]]);
    // ring of 4, head 3, two bytes used: indexes 3 and 0
    const same = compareStreams(wrap(fifo([7, 0xaa, 0xbb, 8], 3, 2)), wrap(fifo([7, 0x11, 0x22, 8], 3, 2)));
    expect(same.differences).toEqual([]);
    expect(same.ignored).toEqual([{ device: 'serial (0)', path: 'serial/recv_fifo.f.data', why: IGNORE_RULES.fifo }]);
    const changed = compareStreams(wrap(fifo([7, 0, 0, 8], 3, 2)), wrap(fifo([6, 0, 0, 8], 3, 2)));
    expect(changed.differences.map((d) => d.path)).toEqual(['serial/recv_fifo.f.data[0]']);
  });

  it("compares globalstate by run state name when the layouts differ (7.2's 100 bytes vs 10.0's split)", () => {
    const name = (s: string, n: number) => {
      const b = new Uint8Array(n);
      b.set(new TextEncoder().encode(s));
      return b;
    };
    const old = vmsd('globalstate', [['size', 'uint32', 4, 10], ['runstate', 'buffer', 100, name('prelaunch', 100)]]);
    const tail = name('prelaunch', 100);
    tail[32] = 1;
    const oldWithTail = vmsd('globalstate', [['size', 'uint32', 4, 10], ['runstate', 'buffer', 100, tail]]);
    const neu = (rs: string) =>
      vmsd('globalstate', [
        ['size', 'uint32', 4, 10],
        ['runstate', 'buffer', 32, name(rs, 32)],
        ['has_vm_was_suspended', 'uint8', 1, 1],
        ['vm_was_suspended', 'uint8', 1, 0],
        ['unused', 'buffer', 66, new Uint8Array(66)],
      ]);
    const c = compareStreams(stream([['globalstate', old]]), stream([['globalstate', neu('prelaunch')]]));
    expect(c.differences).toEqual([]);
    expect(c.ignored[0]).toMatchObject({ path: 'runstate[32..]', why: IGNORE_RULES.globalstate });
    expect(compareStreams(stream([['globalstate', old]]), stream([['globalstate', neu('paused')]])).differences[0]).toMatchObject({ path: 'runstate', src: 'prelaunch', dst: 'paused' });
    // 7.2 keeps a 10.0 sender's byte 32 in its own buffer and sends it on
    const kept = compareStreams(stream([['globalstate', old]]), stream([['globalstate', oldWithTail]]));
    expect(kept.differences).toEqual([]);
    expect(kept.ignored[0]).toMatchObject({ why: IGNORE_RULES.runstateTail });
  });

  it('reports what the destination did not send again as lost, and its additions apart', () => {
    const a = stream([
      ['a', vmsd('a', [['x', 'uint8', 1, 1]], [{ name: 'a/sub', version: 1, state: vmsd('a/sub', [['s', 'uint8', 1, 2]]) }])],
      ['gone', vmsd('gone', [['g', 'uint8', 1, 0]])],
    ]);
    const b = stream([
      ['a', vmsd('a', [['x', 'uint8', 1, 1]])],
      ['new', vmsd('new', [['n', 'uint8', 1, 0]])],
    ]);
    const c = compareStreams(a, b);
    expect(c.differences.map((d) => [d.device, d.path, d.kind, d.dst])).toEqual([
      ['a (0)', 'a/sub.s', 'lost', 'not sent'],
      ['gone (0)', '(section)', 'lost', 'not sent'],
    ]);
    expect(c.addedByDst).toEqual(['new (0)']);
  });

  it('compares guest RAM page by page; a zero page equals a page of its fill byte', () => {
    const page = (fill: number) => new Uint8Array(4096).fill(fill);
    const a = stream([], [
      { kind: 'zero', flags: 2, addr: 0, block: 'pc.ram', fill: 0 },
      { kind: 'page', flags: 8, addr: 4096, block: 'pc.ram', data: page(1) },
      { kind: 'page', flags: 8, addr: 8192, block: 'pc.ram', data: page(2) },
    ]);
    const b = stream([], [
      { kind: 'page', flags: 8, addr: 0, block: 'pc.ram', data: page(0) },
      { kind: 'page', flags: 8, addr: 4096, block: 'pc.ram', data: page(1) },
      { kind: 'page', flags: 8, addr: 8192, block: 'pc.ram', data: page(3) },
    ]);
    const c = compareStreams(a, b);
    expect(c.ramPagesCompared).toBe(3);
    expect(c.differences).toEqual([{ device: 'ram', path: 'pc.ram @0x2000', kind: 'value', src: 'data page', dst: 'data page', srcOffset: null, dstOffset: null }]);
  });
  describe('VMSTATE_UNUSED ranges are compared by bytes (e1000e 7.2 ↔ 10.0)', () => {
    // 7.2 sends core.itr_intr_pending and core.eitr_intr_pending[5] (bools); 10.0 sends
    // VMSTATE_UNUSED(1) and VMSTATE_UNUSED(5) in their place.
    const fields72 = (b: number[]): F[] => [['mac', 'uint32', 4, 7], ['core.itr_intr_pending', 'bool', 1, b[0] === 1], ['core.eitr_intr_pending', 'bool', 1, b.slice(1).map((x) => x === 1)], ['tail', 'uint8', 1, 9]];
    const fields10 = (b: number[]): F[] => [['mac', 'uint32', 4, 7], ['unused', 'unused_buffer', 1, new Uint8Array(b.slice(0, 1))], ['tail0', 'unused_buffer', 5, new Uint8Array(b.slice(1))], ['tail', 'uint8', 1, 9]];
    const withRaw = (st: VmsdState, b: number[]) => {
      const s = stream([['0000:00:02.0/e1000e', st]]);
      (s.records[0] as DeviceRecord).raw = new Uint8Array([0, 0, 0, 7, ...b, 9]);
      return s;
    };
    const zeros = [0, 0, 0, 0, 0, 0];
    it('identical bytes are no difference, either way, and the pairing is reported', () => {
      const fwd = compareStreams(withRaw(vmsd('e1000e', fields72(zeros)), zeros), withRaw(vmsd('e1000e', fields10(zeros)), zeros));
      expect(fwd.differences).toEqual([]);
      expect(fwd.unused).toEqual([
        { device: '0000:00:02.0/e1000e (0)', src: 'core.itr_intr_pending', dst: 'unused', bytes: 1 },
        { device: '0000:00:02.0/e1000e (0)', src: 'core.eitr_intr_pending[0] … core.eitr_intr_pending[4]', dst: 'tail0', bytes: 5 },
      ]);
      expect(fwd.fieldsCompared).toBe(2 + 1 + 5);
      const back = compareStreams(withRaw(vmsd('e1000e', fields10(zeros)), zeros), withRaw(vmsd('e1000e', fields72(zeros)), zeros));
      expect(back.differences).toEqual([]);
      expect(back.unused.map((u) => u.dst)).toEqual(['core.itr_intr_pending', 'core.eitr_intr_pending[0] … core.eitr_intr_pending[4]']);
    });
    it('a byte that did change is a difference at its offset, named by the field that carried it', () => {
      const sent = [0, 0, 0, 1, 0, 0];
      const c = compareStreams(withRaw(vmsd('e1000e', fields72(sent)), sent), withRaw(vmsd('e1000e', fields10(zeros)), zeros));
      expect(c.differences).toEqual([
        { device: '0000:00:02.0/e1000e (0)', path: 'core.eitr_intr_pending[2] (as tail0)', kind: 'value', src: '0x01', dst: '0x00', srcOffset: 120 + 7, dstOffset: 120 + 7 },
      ]);
    });
  });

  it("a field holding its VMSD's version comes after the real losses (ESP mig_version_id 7 → 6)", () => {
    const esp = (version: number, fields: F[]) => ({ ...vmsd('esp', fields), version });
    // the field sits in the PCI wrapper and holds the nested esp VMSD's version
    const a = stream([['pciespscsi', vmsd('pciespscsi', [['esp.mig_version_id', 'uint8', 1, 7], ['esp', 'struct', 2, esp(7, [['data_ready', 'bool', 1, false], ['drq_state', 'bool', 1, true]])]])]]);
    const b = stream([['pciespscsi', vmsd('pciespscsi', [['esp.mig_version_id', 'uint8', 1, 6], ['esp', 'struct', 1, esp(6, [['data_in_ready', 'bool', 1, false]])]])]]);
    const c = compareStreams(a, b);
    expect(c.differences.map((d) => [d.path, d.kind, d.src, d.dst, d.encodesVersion ?? false])).toEqual([
      ['esp.drq_state', 'lost', 'true', 'not sent', false],
      ['esp.mig_version_id', 'value', '0x07', '0x06', true],
    ]);
    // a value that merely equals a version number is not one when the VMSD versions agree
    const same = compareStreams(stream([['d', esp(6, [['x', 'uint8', 1, 6]])]]), stream([['d', esp(6, [['x', 'uint8', 1, 7]])]]));
    expect(same.differences[0]!.encodesVersion).toBeUndefined();
  });
});
