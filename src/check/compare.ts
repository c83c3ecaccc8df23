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
 * trace), optionally only those the other side also read. Returns the
 * first difference in wire order.
 */
export function diffOnWire(wire: TraceEntry[], sent: State, received: State, alsoRead?: TraceEntry[]): ValueDiff | null {
  const read = alsoRead ? new Set(alsoRead.filter((e) => e.what === 'field').map((e) => pathOf(e.keys))) : null;
  for (const e of wire) {
    if (e.what !== 'field') continue;
    const path = pathOf(e.keys);
    if (read && !read.has(path)) continue;
    const a = getAt(sent, e.keys);
    const b = getAt(received, e.keys);
    if (!stateEqual(a, b)) return { entry: e, path, sent: a, received: b };
  }
  return null;
}
