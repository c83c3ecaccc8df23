import { describe, expect, it } from 'vitest';
import { findRelease } from '../../scenarios/releases/index.js';
import type { Release } from '../machine/types.js';
import { staticDiff, type Source } from './index.js';
import { base, mutants } from '../../test/static/mutants.js';

/** Re-splits: the same bytes cut into other fields (src/static/resplit.ts). Their static verdicts are cross-checked with the case runner in crosscheck.test.ts. */

const asSource = (release: Release): Source => ({ kind: 'release', release });
const rel = (name: string) => asSource(findRelease(name)!);
const mutant = (name: string) => asSource(mutants.find((m) => m.name === name)!.release);
const testdev = (to: Source, machine: string) => staticDiff(asSource(base), to, { machines: [machine] }).devices[0]!;

describe('re-splits', () => {
  it("QEMU 9.0's globalstate: runstate[100] became runstate[32] + two flags + unused[66], one info finding and no break", () => {
    const r = staticDiff(rel('8.2.0'), rel('9.0.0'));
    const d = r.devices.find((x) => x.device === 'globalstate')!;
    expect([d.forward, d.backward]).toEqual(['ok', 'ok']);
    expect(d.findings).toHaveLength(1);
    expect(d.findings[0]).toMatchObject({
      change: 'field-resplit',
      severity: 'info',
      forward: 'ok',
      backward: 'ok',
      path: 'globalstate:runstate',
      field: 'runstate, has_vm_was_suspended, vm_was_suspended, unused',
      machines: r.machines,
    });
    expect(d.findings[0]!.reason).toBe(
      'runstate (100 bytes) in 8.2.0 = runstate (32) + has_vm_was_suspended (1) + vm_was_suspended (1) + unused (66) in 9.0.0: the bytes line up, the values are read differently. ' +
        '8.2.0→9.0.0: 100 bytes written and read; 9.0.0→8.2.0: 100 bytes written and read.',
    );
    const back = staticDiff(rel('9.0.0'), rel('8.2.0'), { machines: ['pc-q35-8.2'] }).devices.find((x) => x.device === 'globalstate')!;
    expect(back.findings.map((f) => [f.change, f.severity])).toEqual([['field-resplit', 'info']]);
    expect(back.findings[0]!.reason).toMatch(/^runstate \(32\) \+ has_vm_was_suspended \(1\) \+ vm_was_suspended \(1\) \+ unused \(66\) in 9\.0\.0 = runstate \(100 bytes\) in 8\.2\.0: /);
  });

  it('a re-split of a testdev field is one info finding naming what covers the same bytes', () => {
    const d = testdev(mutant('resplit'), 'pc-q35-9.0');
    expect(d.findings).toHaveLength(1);
    expect(d.findings[0]).toMatchObject({ change: 'field-resplit', severity: 'info', field: 'e, e2, e3' });
    expect(d.findings[0]!.reason).toMatch(/^e \(4 bytes\) in base = e \(2\) \+ e2 \(1\) \+ e3 \(1\) in base\+resplit: the bytes line up, /);
  });

  it.each([
    ['runs whose bytes differ', 'resplit-bytes-differ', [['field-resized', 'e'], ['field-added', 'e2, e3']]],
    // a field both sides name must start at the same byte: otherwise its value is read as another field
    ['a field both sides name that moves within the run', 'resplit-field-moved', [['field-added', 'z'], ['field-removed', 'b']]],
  ])('%s still break both ways, field by field', (_what, name, findings) => {
    const d = testdev(mutant(name), 'pc-q35-9.0');
    expect([d.forward, d.backward]).toEqual(['breaks', 'breaks']);
    expect(d.findings.map((f) => [f.change, f.field, f.severity])).toEqual(findings.map(([change, field]) => [change, field, 'breaking-both']));
  });

  it('a new field gated by a version the loader is not at still breaks', () => {
    const d = testdev(mutant('resplit-version-gated'), 'pc-q35-9.0');
    expect(d.findings.some((f) => f.change === 'field-resplit')).toBe(false);
    // base sends version 3, at which base+resplit-version-gated does not read e3; the other way the section version is refused
    expect(d.forward).toBe('breaks');
    expect(d.findings.find((f) => f.field === 'e')).toMatchObject({ change: 'field-resized', forward: 'breaks' });
    expect(d.findings.find((f) => f.field === 'e2')).toMatchObject({ change: 'field-added', forward: 'breaks' });
    expect(d.findings.find((f) => f.field === 'e3')!.reason).toContain('does not read it (at version 3, < 4)');
  });

  it('a new field gated by a compat property is a re-split only where the property puts it on the wire', () => {
    const on = testdev(mutant('resplit-property-gated'), 'pc-q35-9.0');
    expect([on.forward, on.backward]).toEqual(['ok', 'ok']);
    expect(on.findings.map((f) => [f.change, f.severity])).toEqual([['field-resplit', 'info']]);
    const off = testdev(mutant('resplit-property-gated'), 'pc-q35-8.2');
    expect([off.forward, off.backward]).toEqual(['breaks', 'breaks']);
    expect(off.findings.some((f) => f.change === 'field-resplit')).toBe(false);
  });
});
