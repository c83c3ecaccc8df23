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
 *
 *
 * A leaf the other side read under the same path but over other bytes (a
 * member split or joined across releases: globalstate's runstate, 100
 * bytes in 7.2 and 32 followed by three new members in 10.0) is compared
 * by its wire bytes: what the sender's value is on the wire against what
 * the receiver's leaves over those bytes are, not value against value.
 */
/** How the receiver read a leaf the sender wrote under the same path: from its offset over another size is a split or a join. */
const overBytes = (r: TraceEntry, e: TraceEntry): 'same' | 'other' => (r.offset === e.offset && r.size !== e.size ? 'other' : 'same');

export function diffOnWire(
  wire: TraceEntry[],
  sent: State,
  received: State,
  alsoRead?: TraceEntry[],
  unchecked?: ReadonlySet<string>,
  only?: ReadonlySet<string | number> | null,
): ValueDiff | null {
  // Both traces usually list the same leaves in the same order: walk them in
  // lockstep and fall back to a lookup only where they part.
  let j = 0;
  let readByKey: KeyTrie | null = null;
  /**
   * 'same': read under the same path, over the same bytes or somewhere else (a member
   * that moved is compared by value: its bytes now hold another member); 'other': under
   * the same path from the same offset over another size (split or joined); null: not read.
   */
  const wasRead = (e: TraceEntry): 'same' | 'other' | null => {
    if (!alsoRead) return 'same';
    while (j < alsoRead.length && alsoRead[j]!.what !== 'field') j++;
    if (readByKey === null && j < alsoRead.length && keysEqual(alsoRead[j]!.keys, e.keys)) {
      const r = alsoRead[j++]!;
      return overBytes(r, e);
    }
    if (readByKey === null) {
      readByKey = new KeyTrie();
      for (const r of alsoRead) if (r.what === 'field') readByKey.add(r.keys, r);
    }
    const l = readByKey.get(e.keys);
    if (!l) return null;
    return l.some((r) => overBytes(r, e) === 'same') ? 'same' : 'other';
  };
  const skip = unchecked && unchecked.size > 0 ? unchecked : null;
  const at = new LeafCursor(sent, received);
  let byOffset: TraceEntry[] | null = null;
  for (const e of wire) {
    if (e.what !== 'field') continue;
    const read = wasRead(e);
    if (read === null) continue;
    if (only && e.keys.length > 0 && !only.has(e.keys[0]!)) continue;
    if (skip?.has(e.keys.join('\u001f'))) continue;
    at.move(e.keys);
    if (read === 'other') {
      byOffset ??= alsoRead!.filter((r) => r.what === 'field').sort((x, y) => x.offset - y.offset);
      const mine = wireBytes(at.sent, e.size);
      const theirs = mine && receivedBytes(byOffset, received, e.offset, e.size);
      if (mine && theirs) {
        if (!bytesEqual(mine, theirs)) return { entry: e, path: pathOf(e.keys), sent: at.sent, received: theirs };
        continue;
      }
    }
    if (!stateEqual(at.sent, at.received)) return { entry: e, path: pathOf(e.keys), sent: at.sent, received: at.received };
  }
  return null;
}

/**
 * A leaf's value as the bytes it takes on the wire, when that is plain: a
 * buffer of that length, or an integer (big-endian, as VMState's scalars
 * travel) of 1, 2, 4 or 8 bytes. null: any other value (a codec's).
 */
export function wireBytes(v: unknown, size: number): Uint8Array | null {
  if (v instanceof Uint8Array) return v.length === size ? v : null;
  let n: bigint;
  if (typeof v === 'boolean') n = v ? 1n : 0n;
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'bigint') n = v;
  else return null;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return null;
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(size * 8, n);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** The receiver's leaves over [offset, offset + size) of the stream, as bytes; null when they leave a gap or one is not plain. */
function receivedBytes(byOffset: readonly TraceEntry[], received: State, offset: number, size: number): Uint8Array | null {
  const out = new Uint8Array(size);
  let filled = offset;
  const cur = new LeafCursor(received, received);
  for (const r of byOffset) {
    if (r.offset + r.size <= offset) continue;
    if (r.offset >= offset + size) break;
    if (r.offset > filled) return null;
    cur.move(r.keys);
    const b = wireBytes(cur.sent, r.size);
    if (!b) return null;
    const from = Math.max(offset, r.offset);
    const to = Math.min(offset + size, r.offset + r.size);
    out.set(b.subarray(from - r.offset, to - r.offset), from - offset);
    filled = Math.max(filled, to);
  }
  return filled >= offset + size ? out : null;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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

/** State paths to the trace entries read there, looked up key by key (no string built per leaf). */
class KeyTrie {
  private entries: TraceEntry[] | null = null;
  private next: Map<string | number, KeyTrie> | null = null;

  add(keys: readonly (string | number)[], e: TraceEntry): void {
    let node: KeyTrie = this;
    for (const k of keys) {
      node.next ??= new Map();
      let child = node.next.get(k);
      if (!child) node.next.set(k, (child = new KeyTrie()));
      node = child;
    }
    (node.entries ??= []).push(e);
  }

  get(keys: readonly (string | number)[]): readonly TraceEntry[] | undefined {
    let node: KeyTrie | undefined = this;
    for (const k of keys) {
      node = node.next?.get(k);
      if (!node) return undefined;
    }
    return node.entries ?? undefined;
  }
}
