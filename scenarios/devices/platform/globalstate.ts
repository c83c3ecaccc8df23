/**
 * globalstate (migration/global_state.c): the source's run state, sent by
 * every machine type ≥ 2.4 (store-global-state). post_load parses the name
 * up to its first NUL as a RunState and fails with EINVAL on an unknown one.
 *
 * 7.2 … 8.2: `size` + a 100-byte NUL-padded `runstate`.
 * 9.0+ (d3c86c99 "migration: propagate suspended runstate", January 2024;
 * its author lists it on qemu-devel among the commits that "landed in qemu
 * 9.0" and that 8.2 lacks): the same
 * 104 bytes, re-cut as `runstate[32]`, `has_vm_was_suspended`,
 * `vm_was_suspended`, `unused[66]`; the store before a save sets
 * has_vm_was_suspended to 1 (which lands at byte 32 of an older release's
 * runstate buffer, past the name's NUL, so the older release never sees
 * it — spec corrections), vm_was_suspended to the VM's suspended flag, and
 * zeroes `unused`. post_load sets that flag to vm_was_suspended or'ed with
 * "the run state is suspended", whatever has_vm_was_suspended says.
 *
 * QEMU keeps only the parsed run state (and the flag) and rebuilds the
 * buffer from it before the next save (global_state_store pads with NULs);
 * the model does the same in post_load, so bytes past the NUL are not
 * state. Likewise has_vm_was_suspended: the next store sets it again, so
 * post_load settles it; the model's vm_was_suspended is the VM's flag.
 *
 * The 32-byte buffer keeps QEMU's field name but its state key is
 * `runstate32`: the C member shrank under the same name, and the harness
 * compares same-named members byte for byte.
 */
import { EINVAL, printable } from '../../../src/wire/errors.js';
import { fromLatin1, latin1 } from '../../../src/wire/reader.js';
import { VMSTATE_BUFFER, VMSTATE_UINT32, VMSTATE_UINT8 } from '../../../src/vmstate/dsl.js';
import type { PostLoadFailure, State, VMStateDescription } from '../../../src/vmstate/types.js';
import type { DeviceClass } from '../../../src/machine/types.js';

export type GlobalStateVariant = '7.2' | '9.0';

/** qapi RunState names (the ones a stream can name). */
export const RUN_STATES = [
  'debug',
  'inmigrate',
  'internal-error',
  'io-error',
  'paused',
  'postmigrate',
  'prelaunch',
  'finish-migrate',
  'restore-vm',
  'running',
  'save-vm',
  'shutdown',
  'suspended',
  'watchdog',
  'guest-panicked',
  'colo',
] as const;

export function runstateBytes(name: string, size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set(fromLatin1(name.slice(0, size)));
  return b;
}

function nameOf(buf: Uint8Array): string {
  const nul = buf.indexOf(0);
  return latin1(nul < 0 ? buf.subarray(0, buf.length - 1) : buf.subarray(0, nul));
}

const keyOf = (variant: GlobalStateVariant) => (variant === '7.2' ? 'runstate' : 'runstate32');

function parse(s: State, variant: GlobalStateVariant): PostLoadFailure | void {
  const key = keyOf(variant);
  const name = nameOf(s[key] as Uint8Array);
  if (!(RUN_STATES as readonly string[]).includes(name)) {
    return { errno: EINVAL, message: `Invalid parameter '${printable(name)}'` };
  }
  s[key] = runstateBytes(name, variant === '7.2' ? 100 : 32);
  if (variant === '9.0') {
    s.vm_was_suspended = Number(s.vm_was_suspended) || name === 'suspended' ? 1 : 0;
    s.has_vm_was_suspended = 1;
  }
}

export function vmstate_globalstate(variant: GlobalStateVariant): VMStateDescription {
  const key = keyOf(variant);
  const base: VMStateDescription = {
    name: 'globalstate',
    version_id: 1,
    minimum_version_id: 1,
    pre_save(s) {
      s.size = nameOf(s[key] as Uint8Array).length + 1;
      if (variant === '9.0') {
        s.has_vm_was_suspended = 1;
        s.unused = new Uint8Array(66);
      }
    },
    post_load: (s) => parse(s, variant),
    fields:
      variant === '7.2'
        ? [VMSTATE_UINT32('size'), VMSTATE_BUFFER('runstate', 100)]
        : [
            VMSTATE_UINT32('size'),
            { ...VMSTATE_BUFFER('runstate', 32), member: 'runstate32' },
            VMSTATE_UINT8('has_vm_was_suspended'),
            VMSTATE_UINT8('vm_was_suspended'),
            VMSTATE_BUFFER('unused', 66),
          ],
  };
  return base;
}

export function globalstateReset(variant: GlobalStateVariant, runstate = 'paused'): State {
  const s: State = { size: runstate.length + 1, [keyOf(variant)]: runstateBytes(runstate, variant === '7.2' ? 100 : 32) };
  if (variant === '9.0') Object.assign(s, { has_vm_was_suspended: 1, vm_was_suspended: 0, unused: new Uint8Array(66) });
  return s;
}

export function globalstate(variant: GlobalStateVariant): DeviceClass {
  return {
    name: 'globalstate',
    type: 'globalstate',
    parents: [],
    props: {},
    vmsd: vmstate_globalstate(variant),
    idstr: 'globalstate',
    instanceId: 0,
    reset: () => globalstateReset(variant),
    examples: () => ['paused', 'running', 'prelaunch'].map((r) => globalstateReset(variant, r)),
  };
}
