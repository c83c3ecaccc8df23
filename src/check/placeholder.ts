import { pathOf } from '../vmstate/path.js';
import { stateEqual, stateToJson } from '../vmstate/state.js';
import type { State, TraceEntry, VMStateDescription } from '../vmstate/types.js';
import { vmstate_info_unused_buffer } from '../vmstate/info.js';
import { LeafCursor } from './compare.js';
import type { Failure } from './failure.js';

/**
 * A member the receiver loads from bytes the sender wrote as a VMSTATE_UNUSED
 * placeholder (its save trace's 'unused' entries) gets the placeholder's
 * zeros, not state. Stream comparison cannot see it (the receiver re-saves
 * the zeros, the sender reads them back into its placeholder); the device
 * can: when that value differs from what the member holds in a fresh device
 * of the receiver (its reset state), the receiver comes up unlike any device
 * it ever started as. The first such member in wire order, or null.
 */
export function placeholderFed(
  sent: readonly TraceEntry[],
  read: readonly TraceEntry[] | undefined,
  received: State,
  fresh: State,
): { entry: TraceEntry; placeholder: TraceEntry; path: string; received: unknown; fresh: unknown } | null {
  if (!read) return null;
  const unused = sent.filter((e) => e.what === 'unused');
  if (unused.length === 0) return null;
  const at = new LeafCursor(received, fresh);
  for (const r of read) {
    if (r.what !== 'field' || r.size === 0) continue;
    const p = unused.find((u) => r.offset >= u.offset && r.offset + r.size <= u.offset + u.size);
    if (!p) continue;
    at.move(r.keys);
    if (!stateEqual(at.sent, at.received)) return { entry: r, placeholder: p, path: pathOf(r.keys), received: at.sent, fresh: at.received };
  }
  return null;
}

export function placeholderFailure(
  d: NonNullable<ReturnType<typeof placeholderFed>>,
  saver: string,
  loader: string,
  bytes: Uint8Array,
): Failure {
  const show = (v: unknown) => JSON.stringify(stateToJson(typeof v === 'boolean' ? Number(v) : v));
  return {
    kind: 'state-loss',
    stage: 'forward',
    saver,
    loader,
    path: d.path,
    vmsd: d.entry.vmsd,
    offset: d.entry.offset,
    message:
      `${d.entry.vmsd}:${d.path} is loaded from ${saver}'s VMSTATE_UNUSED placeholder: ${show(d.received)}, ` +
      `where a fresh ${loader} device has ${show(d.fresh)} (${d.placeholder.vmsd} ${d.placeholder.size} unused byte(s) at ${'0x' + d.placeholder.offset.toString(16)})`,
    qemu: [],
    qemuKind: null,
    sent: d.fresh,
    received: d.received,
    bytes,
  };
}

const hasUnusedMemo = new WeakMap<VMStateDescription, boolean>();

/** Whether a VMSD, its nested VMSDs or its subsections hold a VMSTATE_UNUSED placeholder (custom codecs' own nested VMSDs are not seen). */
export function hasUnused(vmsd: VMStateDescription, seen = new Set<VMStateDescription>()): boolean {
  const memo = hasUnusedMemo.get(vmsd);
  if (memo !== undefined) return memo;
  if (seen.has(vmsd)) return false;
  seen.add(vmsd);
  const yes =
    vmsd.fields.some((f) => f.info === vmstate_info_unused_buffer || (f.vmsd !== undefined && f.vmsd !== null && hasUnused(f.vmsd, seen))) ||
    (vmsd.subsections ?? []).some((s) => hasUnused(s, seen));
  hasUnusedMemo.set(vmsd, yes);
  return yes;
}
