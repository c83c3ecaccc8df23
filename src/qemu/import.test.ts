import { afterAll, describe, expect, it } from 'vitest';
import type { VmsdDesc } from '../vmstate/describe.js';
import { loadVmsd } from '../vmstate/load.js';
import { saveVmsd } from '../vmstate/save.js';
import type { State, VmCtx } from '../vmstate/types.js';
import type { DecodedStream, DeviceRecord } from '../wire/decode.js';
import { encodeStream } from '../wire/encode.js';
import { Reader } from '../wire/reader.js';
import type { VmdescField, VmdescVmsd } from '../wire/vmdesc.js';
import { Writer } from '../wire/writer.js';
import { locateQemu, once, type BuiltinQemu, type QemuBinary } from './binaries.js';
import { leftovers } from './driver.js';
import { dumpVmstate, importBinary, importDump, stateFromDecoded, type ImportedSchema } from './import.js';

const DEVICES = ['isa-serial', 'virtio-gpu-pci', 'e1000', 'ipmi-bmc-sim,id=bmc0', 'isa-ipmi-kcs,bmc=bmc0', 'usb-ehci', 'rtl8139'];

function ctxFor(state: State): VmCtx {
  const ctx: VmCtx = {
    props: {},
    device: state,
    saveNested: (w, vmsd, s, version, at, desc) => saveVmsd(w, vmsd, s, version, ctx, at, desc ?? null),
    loadNested: (r, vmsd, s, version, at) => loadVmsd(r, vmsd, s, version, ctx, at),
    record: () => {},
  };
  return ctx;
}

/**
 * The description as src/vmstate writes it: `index` on every element (10.0 leaves it
 * off the last one) and `vstruct` for WITH_TMP groups (src/vmstate has no tmp codec).
 */
function asModelDescribes(v: VmdescVmsd): VmdescVmsd {
  const fields: VmdescField[] = (v.fields ?? []).map((f, i, all) => {
    const g: VmdescField = { ...f };
    if (g.index === undefined && i > 0 && all[i - 1]!.name === f.name && all[i - 1]!.index !== undefined) g.index = all[i - 1]!.index! + 1;
    if (g.type === 'tmp') g.type = 'vstruct';
    if (g.struct) g.struct = asModelDescribes(g.struct);
    if (g.fields) Object.assign(g, asModelDescribes({ vmsd_name: g.vmsd_name!, version: g.version!, fields: g.fields, subsections: g.subsections }));
    return g;
  });
  return { ...v, fields, ...(v.subsections ? { subsections: v.subsections.map(asModelDescribes) } : {}) };
}

const bins = {} as Record<BuiltinQemu, QemuBinary>;
const imported = {} as Record<BuiltinQemu, ImportedSchema & { stream: DecodedStream; bytes: Uint8Array }>;

// In each test, not a hook: a missing binary fails every test with the setup hint.
const setup = once(async () => {
  bins['7.2'] = await locateQemu('7.2');
  bins['10.0'] = await locateQemu('10.0');
  await Promise.all(
    (['7.2', '10.0'] as const).map(async (rel) => {
      const s = await importBinary(bins[rel], 'pc-q35-7.2', { devices: DEVICES });
      imported[rel] = { ...s, bytes: encodeStream(s.stream) };
    }),
  );
});

const sections = (rel: BuiltinQemu) => imported[rel].stream.records.filter((r): r is DeviceRecord => r.type === 'FULL');
const payload = (rel: BuiltinQemu, rec: DeviceRecord) => imported[rel].bytes.subarray(rec.payloadOffset, rec.payloadOffset + rec.payloadLength);

describe.each(['7.2', '10.0'] as const)("QEMU %s's -dump-vmstate and stream description, imported at pc-q35-7.2", (rel) => {
  it('the model engine saves every section of the real stream byte for byte, describing it as QEMU did', async () => {
    await setup();
    const { bySection, stream } = imported[rel];
    expect(sections(rel).length).toBeGreaterThan(30);
    for (const rec of sections(rel)) {
      const imp = bySection.get(`${rec.idstr} (${rec.instanceId})`)!;
      const state = stateFromDecoded(imp.vmsd, rec.state);
      const w = new Writer();
      const desc = {} as VmsdDesc;
      saveVmsd(w, imp.vmsd, state, rec.versionId, ctxFor(state), [], desc);
      expect(Buffer.compare(w.finish(), payload(rel, rec)), `${rec.idstr}: ${imp.notes.join('; ')}`).toBe(0);
      const { name: _n, instance_id: _i, ...real } = stream.vmdesc!.desc.devices.find((d) => d.name === rec.idstr && d.instance_id === rec.instanceId)!;
      expect(JSON.parse(JSON.stringify(desc)), rec.idstr).toEqual(asModelDescribes(real));
    }
  });

  it('and loads each section back into the same state, consuming it exactly', async () => {

    await setup();
    const { bySection } = imported[rel];
    for (const rec of sections(rel)) {
      const imp = bySection.get(`${rec.idstr} (${rec.instanceId})`)!;
      const want = stateFromDecoded(imp.vmsd, rec.state);
      // the destination's own values (counts, _EQUAL, int32 le) are the same binary's
      const into = structuredClone(want);
      const r = new Reader(payload(rel, rec));
      loadVmsd(r, imp.vmsd, into, rec.versionId, ctxFor(into), []);
      expect(r.offset, rec.idstr).toBe(rec.payloadLength);
      expect(into, rec.idstr).toEqual(want);
    }
  });

  it('says where each VMSD and each assumption comes from', async () => {

    await setup();
    const { bySection, byVmsd, devices } = imported[rel];
    // isa-serial's wrapper, not serial-mm's core, although both vmsds are named `serial`
    expect(bySection.get('serial (0)')).toMatchObject({ type: 'isa-serial', source: 'dump+stream', vmsd: { version_id: 3, minimum_version_id: 2 } });
    expect(byVmsd.get('i8254')?.source).toBe('dump+stream');
    // registered without a device class: not in the dump, imported from the stream alone
    expect(bySection.get('ipmi-interface (0)')).toMatchObject({ source: 'stream' });
    expect(bySection.get('ipmi-interface (0)')!.notes).toContain(
      'ipmi-interface:kcs: definition 0 was not sent; a stand-in that never exists keeps the name kcs[1]',
    );
    expect(bySection.get('globalstate (0)')).toMatchObject({ source: 'stream' });
    const gpu = [...bySection.entries()].find(([k]) => k.endsWith('/virtio-gpu (0)'))![1];
    expect(gpu.type).toBe('virtio-gpu-device');
    expect(gpu.notes).toContain("virtio-gpu-device:virtio: custom codec 'virtio', kept as 45574 opaque bytes");
    const lpc = bySection.get('0000:00:1f.0/ICH9LPC (0)')!;
    expect(lpc.notes.some((n) => /acpi_memory_hotplug\.devs: sent with 0 elements/.test(n) || /:devs: sent with 0 elements/.test(n))).toBe(true);
    expect(devices.filter((d) => d.source === 'dump').length).toBeGreaterThan(50);
  });
});

it('without a stream, types are guessed from sizes and every guess is listed', async () => {

  await setup();
  const s = importDump(await dumpVmstate(bins['7.2'], 'pc-q35-7.2'));
  expect(s.machine).toBe('pc-q35-7.2');
  const pit = s.devices.find((d) => d.type === 'isa-pit')!;
  expect(pit.source).toBe('dump');
  expect(pit.notes).toContain('isa-pit:channels[0].irq_disabled: no stream description; type guessed from its size 4: uint32');
  const fw = s.devices.find((d) => d.type === 'fw_cfg_io')!;
  expect(fw.notes).toContain('fw_cfg_io:cur_offset[0]: has an existence test the dump cannot show; assumed true');
  expect(fw.vmsd.subsections?.map((x) => x.name)).toEqual(['fw_cfg/dma', 'fw_cfg/acpi_mr']);
  expect(() => importDump({ nope: 1 })).toThrow(/no "vmschkmachine" member/);
});

afterAll(() => expect(leftovers()).toEqual([]));
