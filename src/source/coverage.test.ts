import { describe, expect, test } from 'vitest';
import type { Dump } from '../static/dump.js';
import { coverage, coverageHolds, defaultValidationMachines } from './coverage.js';
import type { ExtractedModel } from './model.js';

const model: ExtractedModel = {
  format: 'vmcompat-extract/1',
  version: '9.9.9',
  tree: '/t',
  target: 'x86_64-softmmu',
  files: 1,
  vmsds: [{ cname: 'vmstate_x', name: 'x', version_id: 1, minimum_version_id: 1, fields: [], subsections: [], hooks: {}, other: {}, static: true, at: { file: 'hw/x.c', line: 3 } }],
  classes: [{ name: 'x-dev', parent: 'device', abstract: false, class_init: 'x_class_init', instance: 'XState', vmsd: { name: 'vmstate_x', file: 'hw/x.c' }, vmsdAt: { file: 'hw/x.c', line: 9 }, props: null, at: { file: 'hw/x.c', line: 12 } }],
  registers: [],
  unresolved: [],
  missingHeaders: {},
};

const section = (name: string, version_id: number) => ({ name, version_id, minimum_version_id: 1, vmsd: { name, version_id, minimum_version_id: 1, fields: [], subsections: [] } });
const dump = (machine: string, sections: [string, ReturnType<typeof section>][]): Dump => ({ file: machine, machine, counts: true, sections: new Map(sections) });

describe('coverage', () => {
  test('counts the dump’s device classes the model rebuilds, per machine type, with each mismatch', () => {
    const c = coverage(model, [dump('pc-q35-9.9', [['x-dev', section('x', 1)], ['y-dev', section('y', 1)]]), dump('pc-i440fx-9.9', [['x-dev', section('x', 2)]])]);
    expect(c.machines.map((m) => [m.machine, m.matched, m.total, m.percent])).toEqual([
      ['pc-q35-9.9', 1, 2, 50],
      ['pc-i440fx-9.9', 0, 1, 0],
    ]);
    expect(c.machines[0]!.mismatches).toEqual([{ device: 'y-dev', path: 'y-dev', reason: 'no TypeInfo named "y-dev" in the files read', at: null }]);
    expect(c.machines[1]!.mismatches[0]).toMatchObject({ device: 'x-dev', path: 'x', reason: 'version_id: source 1, binary 2', at: { file: 'hw/x.c', line: 3 } });
    expect(c.lowest).toBe(0);
    expect(coverageHolds(c)).toBe(false);
    expect(coverageHolds(coverage(model, [dump('m', [['x-dev', section('x', 1)]])]))).toBe(true);
  });

  test('comparing nothing never holds: no machine type, or a dump with no device class', () => {
    expect(coverageHolds(coverage(model, []))).toBe(false);
    expect(coverageHolds(coverage(model, [dump('m', [])]))).toBe(false);
  });

  test('default machine types: the newest and the oldest of pc-q35 and pc-i440fx that both sides know', () => {
    const tree = ['pc-q35-10.0', 'pc-q35-9.2', 'pc-q35-2.4', 'pc-q35-2.10', 'pc-i440fx-10.0', 'pc-i440fx-1.4', 'isapc', 'microvm', 'pc-q35-11.0'];
    const bin = ['pc-q35-10.0', 'pc-q35-9.2', 'pc-q35-2.10', 'pc-q35-2.4', 'pc-i440fx-10.0', 'pc-i440fx-1.4', 'isapc'];
    expect(defaultValidationMachines(tree, bin)).toEqual(['pc-q35-10.0', 'pc-q35-2.4', 'pc-i440fx-10.0', 'pc-i440fx-1.4']);
    expect(defaultValidationMachines(['pc-q35-7.2'], ['pc-q35-7.2'])).toEqual(['pc-q35-7.2']);
    expect(defaultValidationMachines(['isapc'], ['isapc'])).toEqual([]);
  });
});
