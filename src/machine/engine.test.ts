import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { resolveProps } from './props.js';
import { goldenPayload, goldenState, testdevClass, testdevVmsd, testRelease } from '../../test/fixtures/testdev.js';
import type { ErrorKind } from '../wire/errors.js';

const enc = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

function golden() {
  const e = new Engine(testRelease(), 'pc-q35-9.0');
  const saved = e.save({ testdev: goldenState() });
  return { e, saved, bytes: saved.bytes, payload: saved.sections[0]!.payloadOffset };
}

function patch(bytes: Uint8Array, at: number, ...values: number[]): Uint8Array {
  const b = bytes.slice();
  values.forEach((v, i) => (b[at + i] = v));
  return b;
}

function expectError(e: Engine, bytes: Uint8Array, kind: ErrorKind, qemu?: string | RegExp, offset?: number) {
  const r = e.load(bytes);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.kind).toBe(kind);
  if (qemu !== undefined) expect(r.error.qemu.join('\n')).toMatch(qemu);
  if (offset !== undefined) expect(r.error.offset).toBe(offset);
  expect(r.error.message.length).toBeGreaterThan(10);
  return r.error;
}

describe('a whole small stream, byte by byte', () => {
  it('frames header, configuration, one FULL section with footer, EOF and the description', () => {
    const { bytes, payload } = golden();
    const head = [
      0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3, // magic "QEVM", version 3
      0x07, 0, 0, 0, 10, ...enc('pc-q35-9.0'), // configuration: len + name
      0x04, 0, 0, 0, 0, 7, ...enc('testdev'), 0, 0, 0, 0, 0, 0, 0, 3, // FULL, id 0, idstr, instance 0, version 3
    ];
    expect(Array.from(bytes.subarray(0, head.length))).toEqual(head);
    expect(payload).toBe(head.length);
    const body = goldenPayload(true);
    expect(Array.from(bytes.subarray(payload, payload + body.length))).toEqual(body);
    const end = payload + body.length;
    expect(Array.from(bytes.subarray(end, end + 7))).toEqual([0x7e, 0, 0, 0, 0, 0x00, 0x06]);
    const len = new DataView(bytes.buffer).getUint32(end + 7);
    expect(end + 11 + len).toBe(bytes.length);
    const json = JSON.parse(new TextDecoder().decode(bytes.subarray(end + 11)));
    expect(json.page_size).toBe(4096);
    expect(json.configuration).toEqual({ vmsd_name: 'configuration', version: 1, fields: [{ name: 'len', type: 'uint32', size: 4 }, { name: 'name', type: 'buffer', size: 10 }] });
    expect(json.devices[0]).toMatchObject({ name: 'testdev', instance_id: 0, vmsd_name: 'testdev', version: 3 });
    const sizes = (f: { size: number; array_len?: number }[]) => f.reduce((n, x) => n + x.size * (x.array_len ?? 1), 0);
    expect(sizes(json.devices[0].fields) + 21).toBe(body.length); // + the subsection (header 19 + 2)
  });

  it('loads what it saved', () => {
    const { e, bytes } = golden();
    const r = e.load(bytes);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.states.testdev!.e).toBe(0xdeadbeef);
      expect(r.warnings).toEqual([]);
    }
  });

  it('compat tables decide the property-gated field: hw_compat_8_2 turns gate off at pc-q35-8.2', () => {
    const e82 = new Engine(testRelease(), 'pc-q35-8.2');
    expect(e82.instance('testdev').props.gate).toBe(false);
    const s = e82.save({ testdev: goldenState() });
    expect(s.sections[0]!.payloadEnd - s.sections[0]!.payloadOffset).toBe(goldenPayload(false).length);
  });
});

describe('each load error, from the bytes that cause it', () => {
  it('bad magic', () => {
    const { e, bytes } = golden();
    expectError(e, patch(bytes, 0, 0x51, 0x45, 0x56, 0x4e), 'bad-magic', 'Not a migration stream', 0);
  });
  it('obsolete stream version 2', () => {
    const { e, bytes } = golden();
    expectError(e, patch(bytes, 7, 2), 'obsolete-version', "SaveVM v2 format is obsolete and don't work anymore", 4);
  });
  it('unsupported stream version', () => {
    const { e, bytes } = golden();
    expectError(e, patch(bytes, 7, 4), 'bad-stream-version', 'Unsupported migration stream version', 4);
  });
  it('configuration missing', () => {
    const { e, bytes } = golden();
    expectError(e, patch(bytes, 8, 0x04), 'config-missing', 'Configuration section missing', 8);
  });
  it('machine type mismatch, and the prefix rule', () => {
    const { bytes } = golden();
    expectError(new Engine(testRelease(), 'pc-q35-8.2'), bytes, 'machine-mismatch', "Machine type received is 'pc-q35-9.0' and local is 'pc-q35-8.2'");
    // a received 'pc-q35-9' (length 8) is a prefix of the local 'pc-q35-9.0': accepted
    const short = new Uint8Array([...bytes.subarray(0, 12), 8, ...bytes.subarray(13, 21), ...bytes.subarray(23)]);
    expect(new Engine(testRelease(), 'pc-q35-9.0').load(short).ok).toBe(true);
  });
  it('unknown section type', () => {
    const { e, bytes, saved } = golden();
    const eof = saved.sections[0]!.payloadEnd + 5;
    expectError(e, patch(bytes, eof, 0x09), 'unknown-section-type', 'Unknown savevm section type 9', eof);
  });
  it('unreadable idstr', () => {
    const { e, bytes } = golden();
    expectError(e, bytes.slice(0, 23 + 5 + 4), 'bad-idstr', 'Unable to read ID string for section 0');
  });
  it('unknown section', () => {
    const { bytes } = golden();
    const other = new Engine(testRelease('other', [testdevClass(testdevVmsd(), 'other')]), 'pc-q35-9.0');
    expectError(other, bytes, 'unknown-section', /Unknown savevm section or instance 'testdev' 0\. Make sure that your current VM setup matches/, 23);
  });
  it('section version too new', () => {
    const { e, bytes, payload } = golden();
    expectError(e, patch(bytes, payload - 1, 4), 'section-version-too-new', "savevm: unsupported version 4 for 'testdev' v3", 23);
  });
  it('section version too old', () => {
    const { e, bytes, payload } = golden();
    expectError(e, patch(bytes, payload - 1, 1), 'version-too-old', 'testdev: incoming version_id 1 is too old for local minimum version_id  2');
  });
  it('subsection version too new', () => {
    const { e, bytes, payload } = golden();
    const subVersion = payload + 78 + 2 + 13 + 3;
    expectError(e, patch(bytes, subVersion, 2), 'version-too-new', 'testdev/extra: incoming version_id 2 is too new for local version_id 1');
  });
  it('unknown subsection', () => {
    const { e, bytes, payload } = golden();
    const err = expectError(e, patch(bytes, payload + 78 + 2 + 12, 0x62), 'unknown-subsection', /error while loading state for instance 0x0 of device 'testdev'/, payload + 78);
    expect(err!.errno).toBe(-2);
  });
  it('a subsection whose name does not start with the parent name is left for the footer check', () => {
    const { e, bytes, payload } = golden();
    expectError(e, patch(bytes, payload + 78 + 2, 0x54), 'footer-missing', 'Missing section footer for testdev', payload + 78);
  });
  it('_EQUAL mismatch prints the destination value first', () => {
    const { e, bytes, payload } = golden();
    expectError(e, patch(bytes, payload + 39, 8), 'equal-mismatch', /^7 != 8\nthe magic must match\nFailed to load testdev:magic/, payload + 36);
  });
  it('int32 le out of range', () => {
    const { e, bytes, payload } = golden();
    expectError(e, patch(bytes, payload + 71, 11), 'int32-le-range', 'Invalid value 11 expecting positive value <= 10');
  });
  it('VMSTATE_VALIDATE failure', () => {
    const { e, bytes, payload } = golden();
    expectError(e, patch(bytes, payload, 0xff), 'validation-failed', 'Input validation failed: testdev/a is not 0xff');
  });
  it('null pointer marker expected', () => {
    const { e, bytes, payload } = golden();
    expectError(e, patch(bytes, payload + 66, 0x31), 'nullptr-marker', 'vmstate: get_nullptr expected VMS_NULLPTR_MARKER', payload + 66);
  });
  it('post_load rejects', () => {
    const { e, bytes, payload } = golden();
    expectError(e, patch(bytes, payload + 6, 0x00, 0xba, 0xdb, 0xad), 'post-load-failed', 'e must not be 0xbadbad');
  });
  it('missing section footer', () => {
    const { e, bytes, saved } = golden();
    const at = saved.sections[0]!.payloadEnd;
    expectError(e, patch(bytes, at, 0x7f), 'footer-missing', 'Missing section footer for testdev', at);
  });
  it('mismatched footer id', () => {
    const { e, bytes, saved } = golden();
    const at = saved.sections[0]!.payloadEnd;
    expectError(e, patch(bytes, at + 4, 9), 'footer-id-mismatch', 'Mismatched section id in footer for testdev - read 0x9 expected 0x0');
  });
  it('stream ends at the footer', () => {
    const { e, bytes, saved } = golden();
    expectError(e, bytes.slice(0, saved.sections[0]!.payloadEnd), 'footer-read-error', 'check_section_footer: Read section footer failed: -5');
  });
  it('stream ends inside a payload: short read naming the field', () => {
    const { e, bytes, payload } = golden();
    const err = expectError(e, bytes.slice(0, payload + 12), 'short-read', /Failed to load testdev:f/, payload + 10);
    expect(err!.path).toBe('f');
    expect(err!.errno).toBe(-5);
  });
  it('stream ends where the next section type was expected', () => {
    const { e, bytes, saved } = golden();
    expectError(e, bytes.slice(0, saved.sections[0]!.payloadEnd + 5), 'truncated');
  });
});

describe('what QEMU accepts silently, reported as warnings', () => {
  it('no VM description after EOF', () => {
    const { e, bytes, saved } = golden();
    const r = e.load(bytes.slice(0, saved.sections[0]!.payloadEnd + 6));
    expect(r.ok && r.warnings.map((w) => w.kind)).toEqual(['vmdesc-missing']);
  });
  it('trailing bytes after the description', () => {
    const { e, bytes } = golden();
    const r = e.load(new Uint8Array([...bytes, 1, 2, 3]));
    expect(r.ok && r.warnings.map((w) => w.kind)).toEqual(['trailing-data']);
  });
  it('a section the destination expects but never receives', () => {
    const e = new Engine(testRelease(), 'pc-q35-9.0');
    const r = e.load(e.save({}).bytes);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.warnings.map((w) => w.kind)).toEqual(['missing-section']);
      expect(r.warnings[0]!.message).toContain("no section for 'testdev'");
    }
  });
});

describe('engine construction', () => {
  it('names the machine types a release has when asked for an unknown one', () => {
    expect(() => new Engine(testRelease(), 'pc-q35-7.0')).toThrow(/release test has no machine type 'pc-q35-7.0' \(it has: pc-q35-9.0, pc-q35-8.2\)/);
  });
  it('resolves properties: defaults, compat (last match wins, ancestors match), overrides', () => {
    const cls = testdevClass();
    expect(resolveProps(cls, [])).toEqual({ gate: true });
    expect(resolveProps(cls, [{ driver: 'device', property: 'gate', value: 'off' }])).toEqual({ gate: false });
    expect(
      resolveProps(cls, [
        { driver: 'testdev', property: 'gate', value: 'off' },
        { driver: 'testdev', property: 'gate', value: 'on' },
      ]),
    ).toEqual({ gate: true });
    expect(resolveProps(cls, [{ driver: 'testdev', property: 'gate', value: 'off' }], { gate: 'on' })).toEqual({ gate: true });
    expect(() => resolveProps(cls, [{ driver: 'testdev', property: 'gate', value: 'maybe' }])).toThrow(/'maybe' is not a valid bool/);
  });
});
