import type { Props, State, VmCtx } from '../types.js';

/**
 * Decides at compile time a `needed()` or `field_exists` test that reads
 * only properties (and, on save, the fixed version): the test runs once
 * against a state and device that record any touch. A test that touches
 * either, throws, or calls back into the engine stays a call.
 */
export type Probed = { constant: true; value: boolean } | { constant: false };

class Touched extends Error {}

function watcher(flag: { touched: boolean }): State {
  const touch = (): never => {
    flag.touched = true;
    throw new Touched();
  };
  return new Proxy({} as State, {
    get: touch,
    has: touch,
    set: touch,
    ownKeys: touch,
    getOwnPropertyDescriptor: touch,
    defineProperty: touch,
    deleteProperty: touch,
    getPrototypeOf: touch,
  });
}

export function probe(props: Props, vmdescArrays: VmCtx['vmdescArrays'], run: (state: State, ctx: VmCtx) => unknown): Probed {
  const flag = { touched: false };
  const state = watcher(flag);
  const refuse = (): never => {
    flag.touched = true;
    throw new Touched();
  };
  const ctx: VmCtx = { props, device: watcher(flag), saveNested: refuse, loadNested: refuse, record: refuse, vmdescArrays, tracing: false };
  let value: unknown;
  try {
    value = run(state, ctx);
  } catch {
    return { constant: false };
  }
  return flag.touched ? { constant: false } : { constant: true, value: Boolean(value) };
}
