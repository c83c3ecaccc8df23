import { pathOf } from '../vmstate/path.js';
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
 * `only`: the top-level members the states may differ in (known from a
 * whole-state compare); leaves under any other member are passed by
 * without looking them up.
 */
export function diffOnWire(
  wire: TraceEntry[],
  sent: State,
  received: State,
  alsoRead?: TraceEntry[],
  unchecked?: ReadonlySet<string>,
  only?: ReadonlySet<string | number> | null,
): ValueDiff | null {
  // Both traces usually list the same leaves in the same order: walk them in
  // lockstep and fall back to a lookup set only where they part.
  let j = 0;
  let readSet: KeyTrie | null = null;
  const wasRead = (e: TraceEntry): boolean => {
    if (!alsoRead) return true;
    while (j < alsoRead.length && alsoRead[j]!.what !== 'field') j++;
    if (readSet === null && j < alsoRead.length && keysEqual(alsoRead[j]!.keys, e.keys)) {
      j++;
      return true;
    }
    if (readSet === null) {
      readSet = new KeyTrie();
      for (const r of alsoRead) if (r.what === 'field') readSet.add(r.keys);
    }
    return readSet.has(e.keys);
  };
  const skip = unchecked && unchecked.size > 0 ? unchecked : null;
  const at = new LeafCursor(sent, received);
  for (const e of wire) {
    if (e.what !== 'field') continue;
    if (!wasRead(e)) continue;
    if (only && e.keys.length > 0 && !only.has(e.keys[0]!)) continue;
    if (skip?.has(e.keys.join('\u001f'))) continue;
    at.move(e.keys);
    if (!stateEqual(at.sent, at.received)) return { entry: e, path: pathOf(e.keys), sent: at.sent, received: at.received };
  }
  return null;
}

/**
 * Both states' values at the leaves of a trace, in trace order. A save
 * writes a struct's leaves one after another, so consecutive leaves share
 * their path up to the last key or two: the cursor keeps the containers it
 * resolved along the previous leaf's path and walks down only from where
 * the paths part, instead of from the root for every leaf.
 */
export class LeafCursor {
  /** Parent keys of the last leaf (its keys without the last one). */
  private prev: readonly (string | number)[] = [];
  private depth = 0;
  /** Containers along `prev` in each state: [root, root[k0], root[k0][k1], ...]. */
  private readonly a: unknown[];
  private readonly b: unknown[];
  sent: unknown = undefined;
  received: unknown = undefined;

  constructor(sent: unknown, received: unknown) {
    this.a = [sent];
    this.b = [received];
  }

  move(keys: readonly (string | number)[]): void {
    const last = keys.length - 1;
    if (last < 0) {
      this.sent = this.a[0];
      this.received = this.b[0];
      return;
    }
    const prev = this.prev;
    const max = Math.min(last, this.depth);
    let d = 0;
    while (d < max && prev[d] === keys[d]) d++;
    const { a, b } = this;
    for (let i = d; i < last; i++) {
      a[i + 1] = step(a[i], keys[i]!);
      b[i + 1] = step(b[i], keys[i]!);
    }
    this.prev = keys;
    this.depth = last;
    this.sent = step(a[last], keys[last]!);
    this.received = step(b[last], keys[last]!);
  }
}

const step = (cur: unknown, k: string | number): unknown => (cur === null || cur === undefined ? undefined : (cur as Record<string | number, unknown>)[k]);

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

/** A set of state paths, looked up key by key (no string built per leaf). */
class KeyTrie {
  private leaf = false;
  private next: Map<string | number, KeyTrie> | null = null;

  add(keys: readonly (string | number)[]): void {
    let node: KeyTrie = this;
    for (const k of keys) {
      node.next ??= new Map();
      let child = node.next.get(k);
      if (!child) node.next.set(k, (child = new KeyTrie()));
      node = child;
    }
    node.leaf = true;
  }

  has(keys: readonly (string | number)[]): boolean {
    let node: KeyTrie | undefined = this;
    for (const k of keys) {
      node = node.next?.get(k);
      if (!node) return false;
    }
    return node.leaf;
  }
}
