/**
 * Reachability rules (VMStateDescription.reachable) in the state
 * generators: a rule written on one VMSD holds in every instance of its
 * struct, nested, in arrays and behind subsections; and the ACPI memory
 * hotplug rule holds in the hand-modelled ICH9-LPC and PIIX4_PM, whose
 * realize maps no hotplug registers without DIMM slots.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Engine } from '../machine/engine.js';
import type { State, VMStateDescription } from '../vmstate/types.js';
import { VMSTATE_STRUCT, VMSTATE_STRUCT_ARRAY, VMSTATE_UINT32 } from '../vmstate/dsl.js';
import { findRelease } from '../../scenarios/releases/index.js';
import { testRelease } from '../../test/fixtures/testdev.js';
import type { DeviceClass } from '../machine/types.js';
import { stateArbitrary } from './state.js';
import { applyReachable } from './reachable.js';

const inner: VMStateDescription = {
  name: 'toy-inner',
  version_id: 1,
  fields: [VMSTATE_UINT32('count'), VMSTATE_UINT32('sel')],
  reachable: (s) => {
    if (!Number(s.count)) s.sel = 0;
  },
};
const toy: VMStateDescription = {
  name: 'toy',
  version_id: 1,
  fields: [VMSTATE_STRUCT('one', 1, inner), VMSTATE_STRUCT_ARRAY('many', 3, 1, inner)],
  subsections: [{ name: 'toy/sub', version_id: 1, needed: () => true, fields: [VMSTATE_STRUCT('late', 1, inner)] }],
};
const blank = () => ({ count: 0, sel: 0 });
const toyClass: DeviceClass = {
  name: 'toy',
  type: 'toy',
  parents: ['device'],
  props: {},
  vmsd: toy,
  idstr: 'toy',
  instanceId: 0,
  reset: () => ({ one: blank(), many: [blank(), blank(), blank()], late: blank() }),
};

describe('reachability rules', () => {
  test('applyReachable visits nested structs, array elements and subsections', () => {
    const s: State = { one: { count: 0, sel: 5 }, many: [{ count: 0, sel: 1 }, { count: 2, sel: 7 }, { count: 0, sel: 9 }], late: { count: 0, sel: 3 } };
    applyReachable(toy, s);
    expect(s).toEqual({ one: { count: 0, sel: 0 }, many: [{ count: 0, sel: 0 }, { count: 2, sel: 7 }, { count: 0, sel: 0 }], late: { count: 0, sel: 0 } });
  });

  test('generated states hold the rule everywhere, and still draw the member where the rule allows it', () => {
    const r = testRelease('toy-r', [toyClass]);
    const engine = new Engine(r, r.machines[0]!.name, { devices: ['toy'] });
    const samples = fc.sample(stateArbitrary(engine, 'toy', {}), { numRuns: 300, seed: 3 });
    const structs = samples.flatMap((s) => [s.one, ...(s.many as State[]), s.late] as State[]);
    for (const x of structs) if (!Number(x.count)) expect(x.sel).toBe(0);
    expect(structs.some((x) => Number(x.count) !== 0 && Number(x.sel) !== 0)).toBe(true);
  });

  // hw/acpi/memory_hotplug.c: without slots (dev_count 0) no I/O region is mapped, so the selector stays 0
  test.each([
    ['ich9-lpc', 'pc-q35-7.2', (s: State) => ((s.pm as State).acpi_memory_hotplug as State).selector],
    ['piix4_pm', 'pc-i440fx-7.2', (s: State) => (s.acpi_memory_hotplug as State).selector],
  ])('hand %s at %s: the memory hotplug selector is never drawn without slots', (device, machine, selector) => {
    for (const release of ['7.2.1', '10.0.0']) {
      const engine = new Engine(findRelease(release)!, machine, { devices: [device] });
      const samples = fc.sample(stateArbitrary(engine, device), { numRuns: 200, seed: 5 });
      expect(samples.length).toBe(200);
      for (const s of samples) expect(selector(s)).toBe(0);
    }
  });
});
