import { describe, expect, it } from 'vitest';
import { findRelease } from '../../test/static/legacy.js';
import * as D from '../vmstate/dsl.js';
import type { Release } from '../machine/types.js';
import { align, chunks } from './align.js';
import { evaluate } from './probe.js';
import { staticDiff, vmsdNode, type Finding, type Source } from './index.js';
import { formatReport } from './format.js';
import { base, mutants } from '../../test/static/mutants.js';

const rel = (name: string): Source => ({ kind: 'release', release: findRelease(name)! });
const asSource = (release: Release): Source => ({ kind: 'release', release });
const gpu = (r: ReturnType<typeof staticDiff>) => r.devices.find((d) => d.device === 'virtio-gpu-device')!;
const byChange = (fs: Finding[], change: Finding['change']) => fs.filter((f) => f.change === change);

describe('the virtio-gpu scanout regression (spec §9.1)', () => {
  it('9.0.0 → 8.2.0 at pc-q35-8.2: breaking both ways, because a nested struct version is not on the wire', () => {
    const r = staticDiff(rel('9.0.0'), rel('8.2.0'), { machines: ['pc-q35-8.2'] });
    expect(r.machines).toEqual(['pc-q35-8.2']);
    expect(r.summary.breaks).toBe(true);
    const d = gpu(r);
    expect([d.forward, d.backward]).toEqual(['breaks', 'breaks']);

    const [version] = byChange(d.findings, 'vmsd-version');
    expect(version).toMatchObject({ severity: 'breaking-both', vmsd: 'virtio-gpu-one-scanout', machines: ['pc-q35-8.2'], checkerMisses: true });
    expect(version!.path).toBe('virtio-gpu:virtio-gpu › virtio-gpu-scanouts:parent_obj.scanout › virtio-gpu-one-scanout');
    expect(version!.reason).toMatch(/^version 2 → 1, minimum 1 → 0\. /);
    expect(version!.reason).toContain("a nested struct's version is not on the wire, each side processes it at its own version (9.0.0: 2, 8.2.0: 1)");
    expect(version!.reason).toContain('the layout differs in both directions');
    expect(version!.reason).toContain('saved by the custom codec virtio-gpu');

    const [fields] = byChange(d.findings, 'field-removed');
    expect(fields).toMatchObject({ severity: 'breaking-both', field: 'fb.format, fb.bytes_pp, fb.width, fb.height, fb.stride, fb.offset' });
    expect(fields!.reason).toMatch(/^6 fields fb\.format, .* removed in 8\.2\.0 \(24 bytes per element\), gated by version 2\./);
    expect(fields!.reason).toContain('9.0.0→8.2.0: 9.0.0 writes them (at version 2, ≥ 2) but 8.2.0 has no such fields');
    expect(fields!.reason).toContain('8.2.0→9.0.0: 9.0.0 reads them (at version 2, ≥ 2) but 8.2.0 never writes them');
    expect(fields!.reason).toContain('not on the wire');
    expect(d.findings).toHaveLength(2);

    expect(r.devices.find((x) => x.device === 'isa-ipmi-kcs')!.findings).toEqual([]);
  });

  it('8.2.0 → 9.0.0 says the same with the directions swapped', () => {
    const d = gpu(staticDiff(rel('8.2.0'), rel('9.0.0'), { machines: ['pc-i440fx-8.0'] }));
    expect(d.findings.map((f) => [f.change, f.severity])).toEqual([
      ['vmsd-version', 'breaking-both'],
      ['field-added', 'breaking-both'],
    ]);
  });

  it('9.0.1 → 8.2.0 at pc-q35-8.2: the fb.* fields are gated by a compat property, judged with its resolved value', () => {
    const r = staticDiff(rel('9.0.1'), rel('8.2.0'), { machines: ['pc-q35-8.2'] });
    expect(r.summary.breaks).toBe(false);
    const d = gpu(r);
    expect([d.forward, d.backward]).toEqual(['ok', 'ok']);
    expect(d.findings).toHaveLength(1);
    expect(d.findings[0]).toMatchObject({ change: 'field-removed', severity: 'compatible', checkerMisses: false });
    expect(d.findings[0]!.reason).toContain('gated by a field_exists test on x-scanout-vmstate-version (=1 here)');
    expect(d.findings[0]!.reason).toContain('9.0.1 neither sends nor expects them here');
  });

  it('9.0.0 ↔ 9.0.1: compatible at the 9.0 machine types, breaking both ways at every older one', () => {
    const r = staticDiff(rel('9.0.0'), rel('9.0.1'));
    expect(r.machines).toHaveLength(8);
    const d = gpu(r);
    const at = (m: string) => d.findings.filter((f) => f.machines.includes(m));
    expect(at('pc-q35-9.0').map((f) => f.severity)).toEqual(['compatible', 'compatible']);
    expect(at('pc-q35-9.0').find((f) => f.change === 'field-gate')!.reason).toContain('gated by version 2 → gated by a field_exists test on x-scanout-vmstate-version (=2 here)');
    for (const m of ['pc-q35-8.2', 'pc-i440fx-8.1', 'pc-q35-8.0']) expect(at(m).map((f) => f.severity)).toEqual(['breaking-both', 'breaking-both']);
    // identical findings are merged across machine types
    expect(d.findings).toHaveLength(4);
    expect(d.findings.find((f) => f.severity === 'breaking-both')!.machines).toEqual(['pc-q35-8.2', 'pc-q35-8.1', 'pc-q35-8.0', 'pc-i440fx-8.2', 'pc-i440fx-8.1', 'pc-i440fx-8.0']);
  });

  it('reaches the scanout VMSD only through what the custom codec declares', () => {
    const node = vmsdNode(findRelease('9.0.0')!.devices[0]!.vmsd);
    const codec = node.fields.find((f) => f.name === 'virtio-gpu')!;
    expect(codec).toMatchObject({ kind: 'custom', type: 'virtio-gpu', size: null });
    expect(codec.inline.map((v) => v.name)).toEqual(['virtio-gpu-scanouts']);
    expect(node.fields.find((f) => f.name === 'virtio')!.inline.map((v) => v.name)).toEqual(['virtio']);
  });
});

describe('human report', () => {
  it('groups by device, one line per finding with severity and reason', () => {
    const lines = formatReport(staticDiff(rel('9.0.0'), rel('8.2.0'), { machines: ['pc-q35-8.2'] }), { verbose: true });
    expect(lines[0]).toBe('vmcompat static — 9.0.0 → 8.2.0 · machine type pc-q35-8.2 · 2 devices compared');
    expect(lines[1]).toBe('virtio-gpu-device (virtio-gpu): breaks 9.0.0→8.2.0 and 8.2.0→9.0.0');
    expect(lines[2]).toMatch(/^ {2}✗ breaking-both {2}virtio-gpu-one-scanout: version 2 → 1, .*\(QEMU's checker misses this\)$/);
    expect(lines[3]).toMatch(/^ {2}✗ breaking-both {2}virtio-gpu-one-scanout:fb\.format…: 6 fields fb\.format, /);
    expect(lines[4]).toBe('unchanged: isa-ipmi-kcs');
    expect(lines[5]).toBe('2 findings in 1 of 2 devices: 2 breaking · 0 compatible · 0 info — BREAKS');
    expect(lines).toHaveLength(6);
  });

  it('by default, one line per device naming every break, the rest counted', () => {
    const lines = formatReport(staticDiff(rel('9.0.0'), rel('9.0.1')));
    expect(lines[1]).toMatch(
      /^✗ virtio-gpu-device \(virtio-gpu\): breaks 9\.0\.0→9\.0\.1 and 9\.0\.1→9\.0\.0 — virtio-gpu-one-scanout nested version ↔† \[(\d+) of \d+ machine types\]; virtio-gpu-one-scanout:fb\.format… gate changed ↔† \[\1 of \d+ machine types\]$/,
    );
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(/^(\d+ devices unchanged|unchanged: isa-ipmi-kcs)$/),
      "(↔ both ways, † QEMU's checker misses it; every reason: --verbose)",
      expect.stringMatching(/^4 findings in 1 of \d+ devices: 2 breaking · 2 compatible · 0 info — BREAKS$/),
    ]);
  });

  it('names the machine types of a finding that holds at only some of them', () => {
    const lines = formatReport(staticDiff(rel('9.0.0'), rel('9.0.1')), { verbose: true });
    expect(lines.filter((l) => l.includes('breaking-both')).every((l) => l.endsWith('[pc-q35-8.2, pc-q35-8.1, pc-q35-8.0, pc-i440fx-8.2, pc-i440fx-8.1, pc-i440fx-8.0]'))).toBe(true);
    expect(lines.filter((l) => l.includes('✓ compatible')).every((l) => l.endsWith('[pc-q35-9.0, pc-i440fx-9.0]'))).toBe(true);
  });
});

describe('what the schema cannot decide is said, not guessed', () => {
  it('a needed() that reads state makes a new subsection a possible break, naming what it reads', () => {
    const m = mutants.find((x) => x.name === 'subsection-added-state')!;
    const d = staticDiff(asSource(base), asSource(m.release), { machines: ['pc-q35-9.0'] }).devices[0]!;
    expect(d.findings).toHaveLength(1);
    expect(d.findings[0]).toMatchObject({ change: 'subsection-missing', severity: 'breaking-backward', forward: 'ok', backward: 'may-break' });
    expect(d.findings[0]!.reason).toContain('sent as decided by a needed() that reads device state (newsub)');
    expect(d.findings[0]!.reason).toContain('whenever its needed() says so, base+subsection-added-state sends it and base does not know it');
    expect(formatReport(staticDiff(asSource(base), asSource(m.release), { machines: ['pc-q35-9.0'] }), { verbose: true })[1]).toBe(
      'testdev: may break base+subsection-added-state→base',
    );
  });

  it('a field retired to VMSTATE_UNUSED keeps the layout and says whose value is lost', () => {
    const m = mutants.find((x) => x.name === 'field-retired-to-unused')!;
    const [f] = staticDiff(asSource(base), asSource(m.release), { machines: ['pc-q35-9.0'] }).devices[0]!.findings;
    expect(f).toMatchObject({ change: 'unused-placeholder', severity: 'compatible' });
    expect(f!.reason).toContain("base has c (uint16, 2 bytes) where base+field-retired-to-unused has unused[0] (unused_buffer, 2 bytes): the bytes line up");
    expect(f!.reason).toContain("base's c does not survive a round trip through base+field-retired-to-unused");
  });

  it('a codec change with the same width is information, not a break', () => {
    const m = mutants.find((x) => x.name === 'codec-same-size')!;
    const [f] = staticDiff(asSource(base), asSource(m.release), { machines: ['pc-q35-9.0'] }).devices[0]!.findings;
    expect(f).toMatchObject({ change: 'field-type', severity: 'info', path: 'testdev:f' });
    expect(f!.reason).toMatch(/^codec int32 → uint32, both 4 bytes: the bytes line up, the value is read differently\./);
  });
});

describe('pieces', () => {
  it('probe: a test that answers from properties alone is decided, one that reads state is not', () => {
    const t = D.VMSTATE_UINT8_TEST('x', (_s, _v, ctx) => ctx.props.gate === true).field_exists!;
    expect(evaluate({ kind: 'fn', fn: t, text: '', origin: t }, 1, { gate: false })).toEqual({ value: 'no', props: ['gate'] });
    const s = D.VMSTATE_UINT8_TEST('x', (st, v) => v >= 2 && st.mode === 3).field_exists!;
    expect(evaluate({ kind: 'fn', fn: s, text: '', origin: s }, 1, {})).toEqual({ value: 'no', props: [] });
    expect(evaluate({ kind: 'fn', fn: s, text: '', origin: s }, 2, {})).toMatchObject({ value: 'state', reads: ['mode'] });
    const dev = D.VMSTATE_UINT8_TEST('x', (_s, _v, ctx) => ctx.device.flag === 1).field_exists!;
    expect(evaluate({ kind: 'fn', fn: dev, text: '', origin: dev }, 0, {})).toMatchObject({ value: 'state', reads: ['device.flag'] });
    expect(evaluate({ kind: 'opaque' }, 0, null)).toEqual({ value: 'opaque', props: [] });
  });

  it('align: one inserted field is one gap, the rest pairs up again', () => {
    const steps = align(['a', 'b', 'c', 'd'], ['a', 'x', 'b', 'c', 'y'], (s) => s);
    expect(chunks(steps)).toEqual([
      { kind: 'pair', a: 'a', b: 'a' },
      { kind: 'gap', a: [], b: ['x'] },
      { kind: 'pair', a: 'b', b: 'b' },
      { kind: 'pair', a: 'c', b: 'c' },
      { kind: 'gap', a: ['d'], b: ['y'] },
    ]);
  });

  it('machine types: default is every one both releases know; unknown ones are input errors naming what exists', () => {
    expect(staticDiff(rel('8.2.0'), rel('9.0.1')).machines).toEqual(['pc-q35-8.2', 'pc-q35-8.1', 'pc-q35-8.0', 'pc-i440fx-8.2', 'pc-i440fx-8.1', 'pc-i440fx-8.0']);
    expect(() => staticDiff(rel('8.2.0'), rel('9.0.1'), { machines: ['pc-q35-9.0'] })).toThrow(
      /release 8\.2\.0 has no machine type pc-q35-9\.0 \(it has: pc-q35-8\.2, /,
    );
  });
});
