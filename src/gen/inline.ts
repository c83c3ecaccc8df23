import { Writer } from '../wire/writer.js';
import { saveVmsd } from '../vmstate/save.js';
import { cloneState } from '../vmstate/state.js';
import type { Props, State, VMStateDescription, VMStateField, VmCtx } from '../vmstate/types.js';
import { probeCtx } from './_internals/ctx.js';
import type { InlineVmsd } from './types.js';

/**
 * The VMSDs a custom codec saves inline (virtio's `virtio` container,
 * virtio-gpu's `virtio-gpu-scanouts`), in the order and at the versions it
 * passes to `ctx.saveNested`, found by saving `holder` — a reset state —
 * once into a scratch writer (a codec that cannot save it yields what it
 * reached before failing), then any VMSD the codec declares in
 * `info.nested` that the save did not reach, at that VMSD's own version.
 */
export function inlineVmsds(f: VMStateField, owner: VMStateDescription, holder: State, props: Props, device: State): InlineVmsd[] {
  const found: InlineVmsd[] = [];
  if (!f.info) return found;
  const state = cloneState(holder); // pre_save hooks of nested VMSDs may write
  const base = probeCtx(props, device);
  const ctx: VmCtx = {
    ...base,
    saveNested: (w, vmsd, s, version, at) => {
      found.push({ vmsd, version });
      saveVmsd(w, vmsd, s, version, ctx, at, null);
    },
  };
  try {
    f.info.put(new Writer(), f.member === null ? undefined : state[f.member], { field: f, vmsd: owner, state, size: f.size ?? 0, ctx, at: [] });
  } catch {
    // keep what was found
  }
  // what the codec declares but did not save for this state, at the nested VMSD's own version (the best guess)
  for (const vmsd of f.info.nested ?? []) if (!found.some((x) => x.vmsd === vmsd)) found.push({ vmsd, version: vmsd.version_id });
  return found;
}
