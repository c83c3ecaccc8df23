import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../harness/paths.js';
import { findRelease } from '../../test/static/legacy.js';
import { parseDump, staticDiff, type Finding } from './index.js';

/** Five devices of QEMU 7.2's `-M pc-q35-7.2 -dump-vmstate` output, verbatim. */
const excerptFile = join(packageRoot(), 'test/static/dump-7.2-excerpt.json');
const excerpt = () => JSON.parse(readFileSync(excerptFile, 'utf8')) as Record<string, any>;

function diff(edit: (d: Record<string, any>) => void, editFrom?: (d: Record<string, any>) => void) {
  const a = excerpt();
  const b = excerpt();
  editFrom?.(a);
  edit(b);
  return staticDiff(
    { kind: 'dump', dump: parseDump(JSON.stringify(a), 'a.json') },
    { kind: 'dump', dump: parseDump(JSON.stringify(b), 'b.json') },
  );
}

const findings = (r: ReturnType<typeof diff>) => r.devices.flatMap((d) => d.findings);
const one = (r: ReturnType<typeof diff>): Finding => {
  const fs = findings(r);
  expect(fs).toHaveLength(1);
  return fs[0]!;
};

describe('reading -dump-vmstate', () => {
  it('keeps what the dump knows and marks what it does not', () => {
    const dump = parseDump(readFileSync(excerptFile, 'utf8'), excerptFile);
    expect(dump.machine).toBe('pc-q35-7.2');
    expect([...dump.sections.keys()]).toEqual(['isa-serial', 'kvm-pit', 'virtio-gpu-device', 'fw_cfg_io', 'mc146818rtc']);
    const pit = dump.sections.get('kvm-pit')!.vmsd;
    expect(pit.fields[1]).toMatchObject({ name: 'channels', kind: 'struct', type: null, size: null, count: null, structVersion: null });
    expect(pit.fields[1]!.nested).toMatchObject({ name: 'pit channel', version_id: 2, minimum_version_id: 2 });
    const fw = dump.sections.get('fw_cfg_io')!.vmsd;
    expect(fw.fields.map((f) => [f.label, f.test?.kind ?? null, f.version_id])).toEqual([
      ['cur_entry', null, 0],
      ['cur_offset[0]', 'opaque', 0],
      ['cur_offset[1]', null, 2],
    ]);
    expect(fw.subsections.map((s) => [s.vmsd.name, s.needed?.kind])).toEqual([
      ['fw_cfg/dma', 'opaque'],
      ['fw_cfg/acpi_mr', 'opaque'],
    ]);
    expect(dump.sections.get('virtio-gpu-device')!.vmsd.fields.map((f) => [f.name, f.kind, f.size])).toEqual([
      ['virtio', 'data', 0],
      ['virtio-gpu', 'data', 0],
    ]);
  });

  it('a malformed dump is an input error naming the file, the place and what is wrong', () => {
    const bad = (text: string) => () => parseDump(text, 'x.json');
    expect(bad('{"vmschkmachine": ')).toThrow(/^x\.json: not a valid -dump-vmstate file: not JSON \(/);
    expect(bad('[]')).toThrow('x.json: not a valid -dump-vmstate file: top level: expected an object, found []');
    expect(bad('{"isa-serial": {}}')).toThrow('x.json: not a valid -dump-vmstate file: top level: no "vmschkmachine" member (write the file with `qemu-system-<arch> -M <machine> -dump-vmstate FILE`)');
    const d = excerpt();
    d['isa-serial'].Description.Fields[0].Description.Fields[1].size = '1';
    expect(bad(JSON.stringify(d))).toThrow(
      'x.json: not a valid -dump-vmstate file: "isa-serial".Description.Fields[0].Description.Fields[1].size: expected a non-negative integer, found "1"',
    );
    const e = excerpt();
    delete e['kvm-pit'].Description.Fields[0].field_exists;
    expect(bad(JSON.stringify(e))).toThrow('"kvm-pit".Description.Fields[0].field_exists: missing (expected true or false)');
    const f = excerpt();
    f['fw_cfg_io'].Description.Subsections = {};
    expect(bad(JSON.stringify(f))).toThrow('"fw_cfg_io".Description.Subsections: expected a list, found {}');
  });
});

describe('comparing dumps', () => {
  it('finds nothing between two copies', () => {
    const r = diff(() => {});
    expect(findings(r)).toEqual([]);
    expect(r.summary).toMatchObject({ devices: 5, changed: 0, breaks: false });
    expect(r.machines).toEqual(['pc-q35-7.2']);
  });

  it('a nested struct version bumped with a field gated on it breaks both ways; QEMU’s checker sees only one', () => {
    const r = diff((d) => {
      const nested = d['isa-serial'].Description.Fields[0].Description;
      nested.version_id = 4;
      nested.Fields.push({ field: 'tsr_retry', version_id: 4, field_exists: false, size: 4 });
    });
    const fs = findings(r);
    expect(fs.map((f) => [f.change, f.severity, f.path])).toEqual([
      ['vmsd-version', 'breaking-both', 'serial:state › serial'],
      ['field-added', 'breaking-both', 'serial:state › serial:tsr_retry'],
    ]);
    expect(fs[0]!.reason).toContain("a nested struct's version is not on the wire, each side processes it at its own version (a.json: 3, b.json: 4)");
    expect(fs[0]!.reason).toContain("QEMU's checker compares a nested version as if it were on the wire");
    expect(fs[0]!.checkerMisses).toBe(true);
    expect(fs[1]!.reason).toContain('a.json→b.json: b.json reads it (at version 4, ≥ 4) but a.json never writes it');
  });

  it('a nested version bump that no field depends on is compatible', () => {
    const f = one(diff((d) => (d['kvm-pit'].Description.Fields[1].Description.version_id = 3)));
    expect(f).toMatchObject({ change: 'vmsd-version', severity: 'compatible', vmsd: 'pit channel' });
  });

  it('an ungated field appended at the top level breaks both ways; the checker misses the direction towards the new binary', () => {
    const f = one(diff((d) => d['kvm-pit'].Description.Fields.push({ field: 'speaker_data_on', version_id: 0, field_exists: false, size: 1 })));
    expect(f).toMatchObject({ change: 'field-added', severity: 'breaking-both', checkerMisses: true, path: 'i8254:speaker_data_on' });
  });

  it('a section version bump with a field gated on it breaks only towards the older binary, loudly', () => {
    const r = diff((d) => {
      const s = d['kvm-pit'];
      s.version_id = s.Description.version_id = 4;
      s.Description.Fields.push({ field: 'speaker_data_on', version_id: 4, field_exists: false, size: 1 });
    });
    expect(findings(r).map((f) => [f.change, f.severity])).toEqual([
      ['section-version', 'breaking-backward'],
      ['field-added', 'compatible'],
    ]);
    expect(findings(r)[0]!.reason).toContain('b.json→a.json: b.json sends version 4, a.json accepts at most 3 (section version too new)');
  });

  it('a subsection the destination lacks may break: a dump does not say when needed() sends it', () => {
    const f = one(diff((d) => d['mc146818rtc'].Description.Subsections.pop()));
    expect(f).toMatchObject({ change: 'subsection-missing', severity: 'breaking-forward', forward: 'may-break', backward: 'ok' });
    expect(f.reason).toContain('a.json→b.json: whenever its needed() says so, a.json sends it and b.json does not know it: the load fails with an unknown subsection.');
  });

  it('resized, renamed, retired to unused', () => {
    const resized = one(diff((d) => (d['isa-serial'].Description.Fields[0].Description.Fields[0].size = 4)));
    expect(resized).toMatchObject({ change: 'field-resized', severity: 'breaking-both', checkerMisses: false });
    expect(resized.reason).toMatch(/^2 bytes → 4 bytes\./);
    const renamed = one(diff((d) => (d['isa-serial'].Description.Fields[0].Description.Fields[1].field = 'rbr_latched')));
    expect(renamed).toMatchObject({ change: 'field-renamed', severity: 'compatible' });
    const unused = one(diff((d) => (d['isa-serial'].Description.Fields[0].Description.Fields[1].field = 'unused')));
    expect(unused).toMatchObject({ change: 'unused-placeholder', severity: 'compatible' });
    const tooSmall = one(
      diff((d) => {
        const f = d['isa-serial'].Description.Fields[0].Description.Fields[2];
        Object.assign(f, { field: 'unused', size: 2 });
      }),
    );
    expect(tooSmall).toMatchObject({ change: 'unused-size', severity: 'breaking-both' });
  });

  it('compares `num` when both dumps have it (8.1+)', () => {
    const f = one(
      diff(
        (d) => (d['kvm-pit'].Description.Fields[1].num = 4),
        (d) => (d['kvm-pit'].Description.Fields[1].num = 3),
      ),
    );
    expect(f).toMatchObject({ change: 'field-count', severity: 'breaking-both' });
    expect(f.reason).toMatch(/^3 → 4 elements\./);
  });

  it('a device one dump lacks cannot migrate towards it', () => {
    const f = one(diff((d) => delete d['port92'] && delete d['fw_cfg_io']));
    expect(f).toMatchObject({ device: 'fw_cfg_io', change: 'section-missing', severity: 'breaking-forward' });
  });

  it('different machine types are a note, as in QEMU’s checker', () => {
    const r = diff((d) => (d.vmschkmachine.Name = 'pc-i440fx-7.2'));
    expect(findings(r)).toEqual([]);
    expect(r.machines).toEqual(['pc-q35-7.2 / pc-i440fx-7.2']);
    expect(r.notes[0]).toMatch(/^the dumps were written for different machine types, pc-q35-7\.2 and pc-i440fx-7\.2/);
  });
});

describe('a dump against a release model', () => {
  it('compares the devices both have at the dump machine type, notes the rest, and says what the dump cannot show', () => {
    const d = excerpt();
    d.vmschkmachine.Name = 'pc-q35-8.2';
    const r = staticDiff({ kind: 'dump', dump: parseDump(JSON.stringify(d), 'x.json') }, { kind: 'release', release: findRelease('9.0.0')! });
    expect(r.machines).toEqual(['pc-q35-8.2']);
    expect(r.notes).toEqual([
      '4 devices of x.json are not modelled in release 9.0.0, so not compared: isa-serial, kvm-pit, fw_cfg_io, mc146818rtc',
      '1 device of 9.0.0 is not in the dump x.json (sections registered without a class VMSD never are), so not compared: isa-ipmi-kcs',
    ]);
    const gpu = r.devices.find((x) => x.device === 'virtio-gpu-device')!;
    expect(gpu.findings.map((f) => [f.change, f.severity, f.path])).toEqual([
      ['custom-codec', 'info', 'virtio-gpu:virtio'],
      ['custom-codec', 'info', 'virtio-gpu:virtio-gpu'],
      ['subsection-missing', 'compatible', 'virtio-gpu › virtio-gpu/blob'],
    ]);
    expect(gpu.findings[1]!.reason).toMatch(
      /^saved by the custom codec virtio-gpu; a dump shows it as a field of 0 bytes without a description, so what the codec writes \(with the VMSDs it saves inline: virtio-gpu-scanouts\) cannot be compared with a dump\./,
    );
    expect(gpu.findings[2]!.reason).toBe(
      'subsection virtio-gpu/blob added in 9.0.0, sent as decided by a needed() on blob (=false here). 9.0.0→x.json: 9.0.0 does not send it here.',
    );
    expect(() => staticDiff({ kind: 'dump', dump: parseDump(JSON.stringify(excerpt()), 'x.json') }, { kind: 'release', release: findRelease('9.0.0')! })).toThrow(
      'release 9.0.0 has no machine type pc-q35-7.2',
    );
  });
});

