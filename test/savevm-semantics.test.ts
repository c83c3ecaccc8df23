/**
 * Whole-stream semantics from QEMU's migration/savevm.c and vmstate.c
 * (facts of 10.0.2; the same in 7.2.22 where named):
 * - savevm_state_handler_insert: a section of higher MIG_PRI goes before
 *   every one of lower priority, registration order among equals; section
 *   ids count registrations; early_setup sections are saved in the setup
 *   phase, before all the others.
 * - find_se: idstr and instance id or alias_id; or, for a stream from before
 *   device paths, the legacy idstr (the bare VMSD name) and its own instance id.
 * - qemu_peek_byte / qemu_peek_buffer past the end of the input set the
 *   file's sticky -EIO and return 0 / a short count, so the subsection loop
 *   stops silently; the error surfaces where QEMU next checks it: after the
 *   field that holds the struct (vmstate_load_state), or at the section
 *   footer ("check_section_footer: Read section footer failed: -5").
 * - vmstate_configuration's subsection configuration/uuid (16 bytes of
 *   uuid.data), sent with validate-uuid.
 * - object_dynamic_cast matches QOM interfaces; a virtio PCI proxy and its
 *   device are two objects.
 */
import { describe, expect, it } from 'vitest';
import * as D from '../src/vmstate/dsl.js';
import { Engine, findSection, qemuJson, saveOrder } from '../src/machine/engine.js';
import { resolveProps } from '../src/machine/props.js';
import type { DeviceClass, Release } from '../src/machine/types.js';
import type { VMStateDescription } from '../src/vmstate/types.js';
import { buildMachines } from '../src/machine/compat.js';
import { walkStream } from '../src/wire/walk.js';
import { decodeStream } from '../src/wire/decode.js';
import { Writer } from '../src/wire/writer.js';

const vmsd = (name: string, over: Partial<VMStateDescription> = {}): VMStateDescription => ({ name, version_id: 1, minimum_version_id: 1, fields: [D.VMSTATE_UINT8('x')], ...over });
const dev = (name: string, over: Partial<DeviceClass> = {}): DeviceClass => ({
  name,
  type: name,
  parents: ['device'],
  props: {},
  vmsd: vmsd(name),
  idstr: name,
  instanceId: 0,
  reset: () => ({ x: 0 }),
  ...over,
});
const release = (devices: DeviceClass[]): Release => ({
  name: 'r',
  compatArrays: {},
  machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['9.0'] }], {}),
  devices,
});
const M = 'pc-q35-9.0';

/** Where a subsection header for a name of `len` bytes starts. */
function subsectionAt(bytes: Uint8Array, len: number): number {
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0x05 && bytes[i + 1] === len) return i;
  throw new Error('no subsection header');
}

/** The section records of a stream, in stream order: idstr, instance id, section id. */
function sections(bytes: Uint8Array) {
  return walkStream(bytes).records.filter((r) => r.type === 'FULL').map((r) => {
    const s = r as unknown as { idstr: string; instanceId: number; sectionId: number };
    return [s.idstr, s.instanceId, s.sectionId];
  });
}

describe('section order (savevm_state_handler_insert, early_setup)', () => {
  const r = release([
    dev('a'),
    dev('bridge', { vmsd: vmsd('bridge', { priority: D.MIG_PRI_PCI_BUS }) }),
    dev('b'),
    dev('iommu', { vmsd: vmsd('iommu', { priority: D.MIG_PRI_IOMMU }) }),
    dev('early', { vmsd: vmsd('early', { early_setup: true }) }),
  ]);

  it('higher MIG_PRI first, registration order among equals, early_setup before everything; section ids stay registration order', () => {
    const e = new Engine(r, M);
    const states = Object.fromEntries(e.instances.map((i) => [i.key, { x: 1 }]));
    const saved = e.save(states);
    expect(sections(saved.bytes)).toEqual([
      ['early', 0, 4],
      ['bridge', 0, 1],
      ['iommu', 0, 3],
      ['a', 0, 0],
      ['b', 0, 2],
    ]);
    // the description lists the devices in the same order
    expect(saved.desc.devices.map((d) => (d as { name: string }).name)).toEqual(['early', 'bridge', 'iommu', 'a', 'b']);
    expect(saveOrder(e.instances).map((i) => i.key)).toEqual(['early', 'bridge', 'iommu', 'a', 'b']);
    const back = e.load(saved.bytes);
    expect(back.ok).toBe(true);
  });
});

describe('find_se: alias_id and the legacy idstr', () => {
  const pic = dev('i8259', { aliasId: 0x20 });
  const lpc = dev('lpc', { vmsd: vmsd('ICH9LPC'), idstr: '0000:00:1f.0/ICH9LPC' });
  const sender = release([dev('i8259', { instanceId: 0x20 }), dev('lpc', { vmsd: vmsd('ICH9LPC'), idstr: 'ICH9LPC' })]);
  const receiver = release([pic, lpc]);

  it('a section numbered by its alias id, and one named by its bare VMSD name, load into the device', () => {
    const a = new Engine(sender, M);
    const b = new Engine(receiver, M);
    const saved = a.save({ i8259: { x: 7 }, lpc: { x: 9 } });
    expect(sections(saved.bytes)).toEqual([
      ['i8259', 0x20, 0],
      ['ICH9LPC', 0, 1],
    ]);
    const got = b.load(saved.bytes);
    expect(got.ok && got.states).toEqual({ i8259: { x: 7 }, lpc: { x: 9 } });
  });

  it('only the legacy idstr with its own instance id matches; another name or id is an unknown section', () => {
    const b = new Engine(receiver, M);
    expect(findSection(b.instances, 'ICH9LPC', 0)?.key).toBe('lpc');
    expect(findSection(b.instances, 'ICH9LPC', 1)).toBeUndefined();
    expect(findSection(b.instances, 'i8259', 0x21)).toBeUndefined();
    expect(findSection(b.instances, '1f.0/ICH9LPC', 0)).toBeUndefined();
    const a = new Engine(release([dev('i8259', { instanceId: 0x21 })]), M);
    const got = new Engine(release([pic]), M).load(a.save({ i8259: { x: 1 } }).bytes);
    expect(!got.ok && got.error.kind).toBe('unknown-section');
  });

  it('two devices with one legacy name are numbered among themselves', () => {
    const two = release([dev('p', { vmsd: vmsd('port'), idstr: '0000:00:01.0/port' }), dev('q', { vmsd: vmsd('port'), idstr: '0000:00:02.0/port' })]);
    const e = new Engine(two, M);
    expect(e.instances.map((i) => i.compat)).toEqual([
      { idstr: 'port', instanceId: 0 },
      { idstr: 'port', instanceId: 1 },
    ]);
    expect(findSection(e.instances, 'port', 1)?.key).toBe('q');
  });
});

describe('section registration', () => {
  const cpu = dev('cpu', { props: { smp: { type: 'uint32', default: 2 } }, sectionCount: (p) => Number(p.smp) });
  const onlyQ35 = dev('q35-only', { registers: (_p, machine) => machine.startsWith('pc-q35') });
  const never = dev('no-vmsd', { registers: () => false });
  const withEarly = dev('mem', { extraSections: [dev('mem-early', { vmsd: vmsd('mem-early', { early_setup: true }) })] });

  it('per-instance sections (instance ids 0…n-1), no section, a section only on some machine types, and a second section of one device', () => {
    const r = release([cpu, onlyQ35, never, withEarly]);
    const e = new Engine(r, M, { globals: [{ driver: 'cpu', property: 'smp', value: '3' }] });
    expect(e.instances.map((i) => [i.key, i.idstr, i.instanceId])).toEqual([
      ['cpu', 'cpu', 0],
      ['cpu#1', 'cpu', 1],
      ['cpu#2', 'cpu', 2],
      ['q35-only', 'q35-only', 0],
      ['mem', 'mem', 0],
      ['mem/mem-early', 'mem-early', 0],
    ]);
    const states = Object.fromEntries(e.instances.map((i, n) => [i.key, { x: n }]));
    const saved = e.save(states);
    expect(sections(saved.bytes)[0]).toEqual(['mem-early', 0, 5]);
    const back = e.load(saved.bytes);
    expect(back.ok && back.states).toEqual(states);
  });

  it('a sender with one CPU fewer: the destination keeps the missing instance at reset, which is reported as state loss', () => {
    const r = release([cpu]);
    const a = new Engine(r, M, { globals: [{ driver: 'cpu', property: 'smp', value: '1' }] });
    const b = new Engine(r, M);
    const got = b.load(a.save({ cpu: { x: 4 } }).bytes);
    expect(got.ok && got.warnings.map((w) => w.kind)).toEqual(['missing-section']);
  });
});

describe('a subsection peek past the end of the input (sticky -EIO)', () => {
  const inner = vmsd('inner', { subsections: [vmsd('inner/sub', { needed: () => true, fields: [D.VMSTATE_UINT8('y')] })] });
  const top = vmsd('top', { fields: [D.VMSTATE_STRUCT('s', 1, inner), D.VMSTATE_UINT8('after')] });
  const r = release([dev('top', { vmsd: top, reset: () => ({ s: { x: 0, y: 0 }, after: 0 }) })]);
  const e = new Engine(r, M);
  const bytes = e.save({ top: { s: { x: 1, y: 2 }, after: 3 } }, { describe: false }).bytes;
  const at = subsectionAt(bytes, 'inner/sub'.length);

  it('cut inside the subsection name: QEMU stops the loop silently and fails at the next field of the parent with -EIO', () => {
    const cut = bytes.subarray(0, at + 5);
    const got = e.load(cut);
    expect(got.ok).toBe(false);
    if (got.ok) return;
    expect(got.error.kind).toBe('short-read');
    expect(got.error.errno).toBe(-5);
    expect(got.error.offset).toBe(cut.length);
    expect(got.error.qemu).toEqual(['Failed to load top:s', "error while loading state for instance 0x0 of device 'top'"]);
    expect(got.error.message).toMatch(/inner's subsection check \(a 9-byte name\) peeked past it/);
  });

  it("cut inside a section's own subsection header: the footer read reports -5, not a missing footer", () => {
    const flat = release([dev('flat', { vmsd: vmsd('flat', { subsections: [vmsd('flat/sub', { needed: () => true })] }) })]);
    const f = new Engine(flat, M);
    const b = f.save({ flat: { x: 1 } }, { describe: false }).bytes;
    const sub = subsectionAt(b, 'flat/sub'.length);
    const got = f.load(b.subarray(0, sub + 3));
    expect(!got.ok && got.error.kind).toBe('footer-read-error');
    expect(!got.ok && got.error.qemu).toEqual(['check_section_footer: Read section footer failed: -5']);
    expect(!got.ok && got.error.message).toMatch(/flat's subsection check \(a 8-byte name\) of 'flat' peeked past it/);
  });

  it('a stream that simply ends where a subsection could start reads as before up to that point', () => {
    const got = e.load(bytes.subarray(0, at));
    expect(!got.ok && got.error.kind).toBe('short-read');
    expect(!got.ok && got.error.qemu[0]).toBe('Failed to load top:s');
  });
});

describe('configuration/uuid (validate-uuid)', () => {
  const UUID = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
  /** A stream of `e` with configuration/uuid after the machine name, as a source with -uuid and validate-uuid writes it. */
  function withUuid(e: Engine): Uint8Array {
    const saved = e.save({ a: { x: 5 } });
    const plain = saved.bytes;
    const nameEnd = 8 + 1 + 4 + M.length;
    const w = new Writer();
    w.u8(0x05);
    w.u8('configuration/uuid'.length);
    w.bytes(new TextEncoder().encode('configuration/uuid'));
    w.u32(1);
    w.bytes(UUID);
    // the description says what was sent: configuration gains the subsection
    const json = qemuJson(saved.desc);
    const desc = structuredClone(saved.desc) as { configuration: { subsections?: unknown[] } };
    desc.configuration.subsections = [{ vmsd_name: 'configuration/uuid', version: 1, fields: [{ name: 'uuid.data', array_len: 16, type: 'uint8', size: 1 }] }];
    const tail = plain.subarray(nameEnd, plain.length - 5 - json.length);
    w.bytes(tail);
    w.u8(0x06);
    const text = new TextEncoder().encode(qemuJson(desc));
    w.u32(text.length);
    w.bytes(text);
    const rest = w.finish();
    const out = new Uint8Array(nameEnd + rest.length);
    out.set(plain.subarray(0, nameEnd));
    out.set(rest, nameEnd);
    return out;
  }
  const e = new Engine(release([dev('a')]), M);

  it('walk, decode and the engine accept it; walk reports the UUID', () => {
    const bytes = withUuid(e);
    expect(walkStream(bytes).configuration).toMatchObject({ machine: M, uuid: '10111213-1415-1617-1819-1a1b1c1d1e1f' });
    const d = decodeStream(bytes);
    expect(d.records.some((r) => r.type === 'FULL')).toBe(true);
    const got = e.load(bytes);
    expect(got.ok && got.states).toEqual({ a: { x: 5 } });
  });

  it('an unknown configuration subsection is still refused, naming the ones QEMU has', () => {
    const bytes = withUuid(e);
    const bad = bytes.slice();
    bad.set(new TextEncoder().encode('configuration/uuix'), 8 + 1 + 4 + M.length + 2);
    expect(() => walkStream(bad)).toThrow(/unknown configuration subsection .*configuration\/uuid.*found 'configuration\/uuix'/);
  });
});

describe('global properties reach QOM types, ancestors and interfaces; a virtio proxy is its own object', () => {
  const nic = dev('nic', { parents: ['pci-device', 'device'], interfaces: ['pci-express-device'], props: { g: { type: 'bool', default: true } } });
  it('a global naming an interface reaches every device that implements it, and no other', () => {
    expect(resolveProps(nic, [{ driver: 'pci-express-device', property: 'g', value: 'off' }])).toEqual({ g: false });
    expect(resolveProps(nic, [{ driver: 'conventional-pci-device', property: 'g', value: 'off' }])).toEqual({ g: true });
  });

  const rng = dev('rng', {
    type: 'virtio-rng-device',
    parents: ['virtio-device', 'device'],
    props: { vectors: { type: 'uint32', default: 2 }, queue_reset: { type: 'bool', default: true } },
    proxy: { type: 'virtio-rng-pci', parents: ['virtio-rng-pci-base', 'virtio-pci', 'pci-device', 'device'], interfaces: ['conventional-pci-device'], props: ['vectors'] },
  });
  it("the device's globals apply before the proxy's, whatever the list order: the proxy's alias wins", () => {
    const list = [
      { driver: 'virtio-rng-pci', property: 'queue_reset', value: 'on' },
      { driver: 'virtio-device', property: 'queue_reset', value: 'off' },
    ];
    expect(resolveProps(rng, list).queue_reset).toBe(true);
  });
  it("a compat entry for the device type never sets the proxy's property; one for the proxy or its interface does", () => {
    expect(resolveProps(rng, [{ driver: 'virtio-device', property: 'vectors', value: '0' }]).vectors).toBe(2);
    expect(resolveProps(rng, [{ driver: 'virtio-pci', property: 'vectors', value: '0' }]).vectors).toBe(0);
    expect(resolveProps(rng, [{ driver: 'conventional-pci-device', property: 'vectors', value: '0' }]).vectors).toBe(0);
    // `device` is both objects
    expect(resolveProps(rng, [{ driver: 'device', property: 'vectors', value: '1' }]).vectors).toBe(1);
  });
  it("a user's global for the device type naming the proxy's property is refused", () => {
    expect(() => resolveProps(rng, [], {}, [{ driver: 'virtio-rng-device', property: 'vectors', value: '0' }])).toThrow(/'vectors' is a property of the PCI proxy virtio-rng-pci/);
  });
});
