import { describe, expect, test } from 'vitest';
import * as F from '../../vmstate/flags.js';
import * as I from '../../vmstate/info.js';
import type { State, VMStateDescription, VMStateField } from '../../vmstate/types.js';
import { domainSteps, type DomainTable } from './domains.js';

const fld = (name: string, info: VMStateField['info'], size: number, flags = F.VMS_SINGLE): VMStateField => ({ name, member: name, info, size, flags, version_id: 0 });
/** A hand-made VMSD in globalstate's shape: a size, a name buffer, two flags, padding; and a nested struct with padding of its own. */
const inner: VMStateDescription = { name: 'toy-inner', version_id: 1, minimum_version_id: 1, fields: [fld('unused', I.vmstate_info_buffer, 2, F.VMS_BUFFER)] };
const top: VMStateDescription = {
  name: 'toystate',
  version_id: 1,
  minimum_version_id: 1,
  fields: [
    fld('size', I.vmstate_info_uint32, 4),
    fld('state', I.vmstate_info_buffer, 8, F.VMS_BUFFER),
    fld('flag', I.vmstate_info_uint8, 1),
    fld('unused', I.vmstate_info_buffer, 3, F.VMS_BUFFER),
    { name: 'in', member: 'in', flags: F.VMS_STRUCT, version_id: 0, vmsd: inner },
  ],
};
const table: DomainTable = {
  '*': { unused: { kind: 'zero', why: 'padding' } },
  toystate: {
    state: { kind: 'name', names: { qapi: 'ToyRun' }, why: 'a run state name' },
    size: { kind: 'strsize', of: 'state', why: 'strnlen + 1' },
    flag: { kind: 'flag', why: 'a bool' },
  },
};
const names = (q: string) => (q === 'ToyRun' ? ['idle', 'running', 'much-too-long'] : undefined);
const drawn = (): State => ({ size: 77, state: Uint8Array.of(1, 9, 9, 9, 9, 9, 9, 9), flag: 0xfe, unused: Uint8Array.of(5, 6, 7), in: { unused: Uint8Array.of(8, 8) } });

describe('domainSteps: fields drawn inside the domain QEMU’s C gives them', () => {
  test('a name NUL-padded from the enum (only those that fit), its size from it, a flag 0/1, padding zero, nested too', () => {
    const { refine, notes } = domainSteps(top, drawn(), table, names);
    const s = refine!(drawn(), {});
    expect(s.state).toEqual(Uint8Array.of(...new TextEncoder().encode('running'), 0));
    expect(s.size).toBe(8);
    expect(s.flag).toBe(0);
    expect(s.unused).toEqual(new Uint8Array(3));
    expect((s.in as State).unused).toEqual(new Uint8Array(2));
    expect(notes).toContain('toystate:state drawn inside its domain (name): a run state name');
  });

  test('a VMSD the table does not name gets no step; a name domain whose enum the tree lacks is a note, not a step', () => {
    expect(domainSteps({ ...top, name: 'other', fields: top.fields.slice(0, 3) }, drawn(), table, names).refine).toBeNull();
    const r = domainSteps({ ...top, fields: top.fields.slice(1, 2) }, drawn(), table, () => undefined);
    expect(r.refine).toBeNull();
    expect(r.notes).toEqual(['toystate:state not held to its domain: the tree has no QAPI enum ToyRun']);
  });
});
