import { VmError } from '../../wire/errors.js';
import { saveVmsd } from '../../vmstate/save.js';
import type { Props, State, VmCtx } from '../../vmstate/types.js';

/**
 * The VmCtx generation hands to field_exists tests, needed() and pre_save
 * hooks: the instance's properties and the device state they may reach
 * through their opaque. Nothing is recorded; nested saves really save (into
 * whatever writer the caller gives), nested loads are never expected.
 */
export function probeCtx(props: Props, device: State): VmCtx {
  const ctx: VmCtx = {
    props,
    device,
    saveNested: (w, vmsd, state, version, at, desc) => saveVmsd(w, vmsd, state, version, ctx, at, desc ?? null),
    loadNested: (_r, vmsd) => {
      throw new VmError({ kind: 'bad-state', message: `state generation does not load (asked to load ${vmsd.name})` });
    },
    record: () => {},
  };
  return ctx;
}
