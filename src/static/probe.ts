import { VmError } from '../wire/errors.js';
import type { Props, State, VmCtx } from '../vmstate/types.js';
import type { Predicate } from './types.js';

/**
 * Runs a model's field_exists test or needed() without any device state:
 * the state handed over is a trap that notes every read. A predicate that
 * answers without touching state depends only on the version and the
 * resolved properties, so its answer holds for every state; one that reads
 * state cannot be judged statically.
 */
export type Answer =
  | { value: 'yes' | 'no'; props: string[] }
  | { value: 'state'; props: string[]; reads: string[] }
  /** A dump's test: only its existence is known. */
  | { value: 'opaque'; props: string[] };

class StateRead extends Error {}

export function evaluate(p: Predicate, version: number, props: Props | null): Answer {
  if (p.kind === 'opaque' || props === null) return { value: 'opaque', props: [] };
  const reads: string[] = [];
  const propsRead: string[] = [];
  const trap = (where: string): State =>
    new Proxy({} as State, {
      get(_t, k) {
        if (typeof k === 'symbol') return undefined;
        reads.push(`${where}${k}`);
        throw new StateRead();
      },
      has(_t, k) {
        reads.push(`${where}${String(k)}`);
        throw new StateRead();
      },
      ownKeys() {
        reads.push(`${where}*`);
        throw new StateRead();
      },
    });
  const seenProps = new Proxy(props as Record<string, unknown>, {
    get(t, k) {
      if (typeof k === 'string' && !propsRead.includes(k)) propsRead.push(k);
      return t[k as string];
    },
  });
  const refuse = () => {
    throw new StateRead();
  };
  const ctx: VmCtx = {
    props: seenProps as Props,
    device: trap('device.'),
    saveNested: refuse,
    loadNested: refuse,
    record: () => {},
  };
  try {
    const v = p.fn(trap(''), version, ctx);
    if (reads.length > 0) return { value: 'state', props: propsRead, reads };
    return { value: v ? 'yes' : 'no', props: propsRead };
  } catch (e) {
    if (e instanceof StateRead || reads.length > 0) return { value: 'state', props: propsRead, reads };
    throw new VmError({ kind: 'bad-state', message: `a field_exists test or needed() threw without reading state: ${(e as Error).message}` });
  }
}

/** Two predicates that can be trusted to answer alike for the same state: the same function, or the same source text. */
export function samePredicate(a: Predicate | null, b: Predicate | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind === 'opaque' || b.kind === 'opaque') return a.kind === b.kind;
  return a.origin === b.origin || a.text === b.text;
}

/** `x-scanout-vmstate-version=1` for the reason text. */
export function propsText(names: readonly string[], props: Props | null): string {
  if (!props || names.length === 0) return '';
  return names.map((n) => `${n}=${String(props[n])}`).join(', ');
}
