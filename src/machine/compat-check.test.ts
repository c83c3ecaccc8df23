/**
 * Compat entries that apply to nothing (#13 item 7): an entry naming a
 * property nothing it reaches declares is an error of the release model, and
 * an entry placed in an array older than the property is flagged.
 */
import { describe, expect, it } from 'vitest';
import { releases, findRelease } from '../../scenarios/releases/index.js';
import { lintCompatPlacement, undeclaredCompatEntries } from './compat-check.js';
import type { CompatEntry, Release } from './types.js';

const withArrays = (r: Release, arrays: Record<string, CompatEntry[]>, over: Partial<Release> = {}): Release => ({ ...r, compatArrays: { ...r.compatArrays, ...arrays }, ...over });
const e = (driver: string, property: string, value: string): CompatEntry => ({ driver, property, value });

describe('compat entries naming an undeclared property', () => {
  it.each(releases.map((r) => r.name))('%s: every entry that reaches a model names a property it or its type declares', (name) => {
    expect(undeclaredCompatEntries(findRelease(name)!).map((x) => x.message)).toEqual([]);
  });

  it('a typo in a property name is an error naming the array, the entry and the models it reaches', () => {
    const r = findRelease('9.0.1')!;
    const bad = withArrays(r, { hw_compat_8_2: [...r.compatArrays.hw_compat_8_2!, e('virtio-gpu-device', 'x-scanout-vmstate-versoin', '1')] });
    const errs = undeclaredCompatEntries(bad);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.kind).toBe('bad-input');
    expect(errs[0]!.message).toMatch(/^release 9\.0\.1: hw_compat_8_2\[\d+\] virtio-gpu-device\.x-scanout-vmstate-versoin=1: no model virtio-gpu-device reaches \(virtio-gpu\) declares 'x-scanout-vmstate-versoin'.*QEMU refuses to start/);
  });

  it('a property only a QOM type declares counts once the release lists it (Release.typeProps), and not before', () => {
    const r = findRelease('9.1.0')!;
    expect(undeclaredCompatEntries({ ...r, typeProps: {} }).map((x) => x.message)).toEqual([
      expect.stringMatching(/hw_compat_8_0\[\d+\] pci-device\.x-pcie-ari-nextfn-1=on: /),
      expect.stringMatching(/hw_compat_9_0\[\d+\] virtio-pci\.x-pcie-pm-no-soft-reset=off: /),
    ]);
  });

  it('an entry whose driver no model reaches says nothing (the models carry part of QEMU)', () => {
    const r = findRelease('9.0.1')!;
    expect(undeclaredCompatEntries(withArrays(r, { hw_compat_8_2: [e('no-such-type', 'anything', '1')] }))).toEqual([]);
  });
});

describe('compat entries placed in an array older than their property', () => {
  // QEMU's own: 53da8b5a99 (8.2) put virtio-net's three USO entries in hw_compat_8_0, so 8.2's
  // pc-*-8.1 machine types offer USO that 8.1 never had; 9710401276a0 moved them to hw_compat_8_1
  // (9.1, and 9.0.1). (x-pcie-err-unc-mask in hw_compat_7_2 is no longer one: 8.0.1 has the
  // property, so the array before it is 7.2's; the e1000e-err-unc-mask scenario holds 8.0.0's gap.)
  const QEMU_OWN = ['host_uso', 'guest_uso4', 'guest_uso6'].map((p) => ['8.2.0', 'hw_compat_8_0', p, '8.2.0', ['8.1.0']]);
  it('the built-in releases place every entry after its property, but for the one QEMU placed so', () => {
    expect(lintCompatPlacement(releases).map((x) => [x.release, x.array, x.entry.property, x.introducedIn, x.between])).toEqual(QEMU_OWN);
  });

  it("an entry for 9.1.0's x-pcie-pm-no-soft-reset in hw_compat_8_2 reaches 9.0's machine types too, and is flagged", () => {
    const moved = releases.map((r) => {
      if (r.name !== '9.2.0') return r;
      const hw90 = r.compatArrays.hw_compat_9_0!.filter((x) => x.property !== 'x-pcie-pm-no-soft-reset');
      return withArrays(r, { hw_compat_9_0: hw90, hw_compat_8_2: [...r.compatArrays.hw_compat_8_2!, e('virtio-pci', 'x-pcie-pm-no-soft-reset', 'off')] });
    });
    const found = lintCompatPlacement(moved).filter((x) => x.release === '9.2.0');
    expect(found.map((x) => [x.release, x.array, x.entry.property, x.introducedIn, x.between])).toEqual([['9.2.0', 'hw_compat_8_2', 'x-pcie-pm-no-soft-reset', '9.1.0', ['9.0.0', '9.0.1']]]);
    expect(found[0]!.message).toMatch(/belongs in hw_compat_9_0 \(the release before it\) or a newer array; here it also reaches the machine types of 9\.0\.0, 9\.0\.1, which never had it$/);
  });
});
