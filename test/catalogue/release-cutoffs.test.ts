/**
 * The first release of each device change the release models carry, as
 * QEMU's merge record places it (the evidence is next to each fact in the
 * device models): the release before the cut-off has the old form, the
 * cut-off release the new one.
 */
import { describe, expect, it } from 'vitest';
import { releases } from '../../scenarios/releases/index.js';
import { resolveProps } from '../../src/machine/props.js';
import type { DeviceClass } from '../../src/machine/types.js';
import type { VMStateDescription } from '../../src/vmstate/types.js';
import { e1000eLayout } from '../../scenarios/devices/pci/e1000e.js';
import { uncMaskMode } from '../../scenarios/common/pcie.js';

const device = (release: string, name: string): DeviceClass => {
  const r = releases.find((x) => x.name === release);
  const d = r?.devices.find((x) => x.name === name);
  if (!d) throw new Error(`${name} is not in release ${release}`);
  return d;
};
const subsections = (v: VMStateDescription) => (v.subsections ?? []).map((s) => s.name);
const nested = (v: VMStateDescription, field: string) => v.fields.find((f) => f.name === field)?.vmsd;

describe('release cut-offs', () => {
  it('i8259/ltim first in 8.0.0 (ecb0e98b4f24)', () => {
    expect(['7.2.1', '8.0.0', '10.0.0'].map((r) => subsections(device(r, 'i8259').vmsd))).toEqual([[], ['i8259/ltim'], ['i8259/ltim']]);
  });

  it('ICH9-LPC: noreboot false from 8.0.0; memhp always sent and memory-hotplug-support gone from 9.1.0; SMI timers from 9.2.0', () => {
    const row = (r: string) => {
      const d = device(r, 'ich9-lpc');
      const memhp = nested(d.vmsd, 'pm')!.subsections!.find((s) => s.name === 'ich9_pm/memhp')!;
      return [d.props.noreboot!.default, 'memory-hotplug-support' in d.props, memhp.needed !== undefined, 'x-smi-swsmi-timer' in d.props, 'x-smi-periodic-timer' in d.props];
    };
    expect(Object.fromEntries(['7.2.1', '8.0.0', '9.0.1', '9.1.0', '9.2.0', '10.0.0'].map((r) => [r, row(r)]))).toEqual({
      '7.2.1': [true, true, true, false, false],
      '8.0.0': [false, true, true, false, false],
      '9.0.1': [false, true, true, false, false],
      '9.1.0': [false, false, false, false, false],
      '9.2.0': [false, false, false, true, true],
      '10.0.0': [false, false, false, true, true],
    });
  });

  it('e1000: mitigation and autonegotiation gone, e1000/mit_state always sent, from 8.2.0 (fa4ec9ffda74)', () => {
    const row = (r: string) => {
      const d = device(r, 'e1000');
      const mit = d.vmsd.subsections!.find((s) => s.name === 'e1000/mit_state')!;
      return ['mitigation' in d.props, 'autonegotiation' in d.props, mit.needed !== undefined];
    };
    expect(['8.1.0', '8.2.0', '10.0.0'].map(row)).toEqual([[true, true, true], [false, false, false], [false, false, false]]);
  });

  it('rombar int32 -1 from 10.0.0 (a7a3784128fa), uint32 1 before, on every NIC', () => {
    for (const nic of ['e1000', 'e1000e', 'rtl8139', 'virtio-net']) {
      const row = (r: string) => {
        const p = device(r, nic).props.rombar!;
        return `${p.type}=${String(p.default)}`;
      };
      expect([nic, row('9.2.0'), row('10.0.0')]).toEqual([nic, 'uint32=1', 'int32=-1']);
    }
  });

  it('pvpanic-pci events 3 until 9.0.1, 7 from 9.1.0 (6269086b0179)', () => {
    expect(['9.0.1', '9.1.0'].map((r) => device(r, 'pvpanic-pci').props.events!.default)).toEqual([3, 7]);
  });

  it("e1000e's AER mask register: read-only in 7.2, writable with no property in 8.0.0, the x-pcie-err-unc-mask property from 8.1.0 (5ed3dabe57dd)", () => {
    const PCI_ERR_UNCOR_MASK = 0x100 + 0x08;
    const row = (r: string) => {
      const d = device(r, 'e1000e');
      const m = releases.find((x) => x.name === r)!.machines.find((x) => x.name === 'pc-q35-7.2')!;
      const layout = e1000eLayout(uncMaskMode(r))(resolveProps(d, m.compat));
      const writable = layout.wmask[PCI_ERR_UNCOR_MASK] !== 0;
      return ['x-pcie-err-unc-mask' in d.props, writable];
    };
    expect(['7.2.1', '8.0.0', '8.1.0'].map(row)).toEqual([[false, false], [false, true], [true, false]]);
  });
});
