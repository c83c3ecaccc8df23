import { pathOf, getAt } from '../vmstate/path.js';
import { stateEqual } from '../vmstate/state.js';
import type { State, TraceEntry } from '../vmstate/types.js';

export interface ValueDiff {
  entry: TraceEntry;
  path: string;
  sent: unknown;
  received: unknown;
}

/**
 * Compares two states on exactly the leaves a save put on the wire (its
 * trace), optionally only those the other side also read and not those
 * a load recorded `unchecked`. Returns the first difference in wire order.
 */
export function diffOnWire(wire: TraceEntry[], sent: State, received: State, alsoRead?: TraceEntry[], unchecked?: ReadonlySet<string>): ValueDiff | null {
  // Both traces usually list the same leaves in the same order: walk them in
  // lockstep and fall back to a lookup set only where they part.
  let j = 0;
  let readSet: Set<string> | null = null;
  const wasRead = (e: TraceEntry): boolean => {
    if (!alsoRead) return true;
    while (j < alsoRead.length && alsoRead[j]!.what !== 'field') j++;
    if (readSet === null && j < alsoRead.length && keysEqual(alsoRead[j]!.keys, e.keys)) {
      j++;
      return true;
    }
    if (readSet === null) {
      readSet = new Set();
      for (const r of alsoRead) if (r.what === 'field') readSet.add(r.keys.join('\u001f'));
    }
    return readSet.has(e.keys.join('\u001f'));
  };
  for (const e of wire) {
    if (e.what !== 'field') continue;
    if (!wasRead(e)) continue;
    if (unchecked?.has(e.keys.join('\u001f'))) continue;
    const a = getAt(sent, e.keys);
    const b = getAt(received, e.keys);
    if (!stateEqual(a, b)) return { entry: e, path: pathOf(e.keys), sent: a, received: b };
  }
  return null;
}

/** The leaves a load recorded `unchecked` (taken only in part, see TraceEntry), as keys for diffOnWire. */
export function uncheckedKeys(trace: readonly TraceEntry[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const e of trace ?? []) if (e.what === 'unchecked') out.add(e.keys.join('\u001f'));
  return out;
}

function keysEqual(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
