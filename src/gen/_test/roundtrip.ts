import type { Engine } from '../../machine/engine.js';
import { stateEqual, stateToJson } from '../../vmstate/state.js';
import type { State } from '../../vmstate/types.js';

/** The first path where two states differ, for failure messages. */
export function firstDiff(a: unknown, b: unknown, path = ''): string | null {
  if (stateEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !(a instanceof Uint8Array) && !(b instanceof Uint8Array)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`);
      if (d) return d;
    }
  }
  return `${path || '/'}: ${JSON.stringify(stateToJson(a))?.slice(0, 200)} vs ${JSON.stringify(stateToJson(b))?.slice(0, 200)}`;
}

export interface RoundTrip {
  /** load(save(s)) */
  once: State;
  /** load(save(load(save(s)))); computed only when `once` differs from s (else it equals `once`). */
  twice: State;
  /** Subsections the first save sent. */
  subsections: string[];
}

function loadBack(engine: Engine, key: string, s: State, what: string): { state: State; subsections: string[] } {
  const saved = engine.save({ [key]: s });
  const subsections = saved.sections.flatMap((sec) => sec.trace.filter((t) => t.what === 'subsection').map((t) => t.vmsd));
  const loaded = engine.load(saved.bytes);
  if (!loaded.ok) {
    const e = loaded.error;
    throw new Error(`${engine.name} ${key}: ${what} failed: ${e.kind}: ${e.message}${e.path ? ` at ${e.path}` : ''}`);
  }
  return { state: loaded.states[key]!, subsections };
}

/** Saves `s` as device `key` and loads it back on the same engine (twice if the first load changed it); throws on a load error. */
export function roundTrip(engine: Engine, key: string, s: State): RoundTrip {
  const first = loadBack(engine, key, s, 'load(save(s))');
  const twice = stateEqual(first.state, s) ? first.state : loadBack(engine, key, first.state, 'load(save(load(save(s))))').state;
  return { once: first.state, twice, subsections: first.subsections };
}
