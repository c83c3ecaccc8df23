/**
 * The values fields of extracted VMSDs can hold by QEMU's C where the VMSD
 * does not say (src/source/release/domains.ts), keyed by the VMSD's name
 * and the field's C name; `*` holds for a field of that name in any VMSD.
 */
import type { DomainTable } from '../../src/source/release/domains.js';

export const treeDomains: DomainTable = {
  '*': {
    // a real member called unused (not VMSTATE_UNUSED's placeholder) is padding its owner clears before it is saved
    unused: { kind: 'zero', why: 'a member named unused is padding its device clears before saving it (global_state_do_store memsets GlobalState.unused)' },
  },
  // migration/global_state.c
  globalstate: {
    runstate: { kind: 'name', names: { qapi: 'RunState' }, why: 'global_state_do_store copies RunState_str() of the run state, NUL-padded' },
    size: { kind: 'strsize', of: 'runstate', why: 'global_state_pre_save sets size to strnlen(runstate) + 1' },
    has_vm_was_suspended: { kind: 'flag', why: 'a bool global_state_do_store sets' },
    vm_was_suspended: { kind: 'flag', why: "a bool, vm_get_suspended()'s value" },
  },
};
