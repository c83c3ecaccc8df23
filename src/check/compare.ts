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
  let read: Set<string> | null = null;
  if (alsoRead) {
    read = new Set();
    for (const e of alsoRead) if (e.what === 'field') read.add(keyOf(e));
  }
  for (const e of wire) {
    if (e.what !== 'field') continue;
    if (read && !read.has(keyOf(e))) continue;
    const a = getAt(sent, e.keys);
    const b = getAt(received, e.keys);
    if (!stateEqual(a, b)) return { entry: e, path: pathOf(e.keys), sent: a, received: b };
  }
  return null;
}

function keyOf(e: TraceEntry): string {
  return e.keys.join('\u001f');
}
