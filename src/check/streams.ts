import { VmError } from '../wire/errors.js';
import type { Engine } from '../machine/engine.js';
import type { State } from '../vmstate/types.js';
import type { CaseEngines } from './case.js';

/**
 * The streams of one case for one state, as a maintainer takes them away: what
 * A saved (forward), what B saved again after loading it (the stream that goes
 * back), and what A saved after loading that (the end of the round trip). Each
 * carries its JSON description, as QEMU's do, so `decode` and `diff` read it.
 * A stage that fails ends the list: its stream is the last one (none at all
 * when A cannot save the state).
 */
export interface CaseStream {
  /** `forward`, `resaved`, `returned`. */
  role: 'forward' | 'resaved' | 'returned';
  /** The release that wrote it. */
  savedBy: string;
  bytes: Uint8Array;
  /** Why the next stage has no stream (the load that failed), or null. */
  stopped: string | null;
}

export function caseStreams({ a, b }: CaseEngines, states: Record<string, State>): CaseStream[] {
  const out: CaseStream[] = [];
  const step = (role: CaseStream['role'], saver: Engine, s: Record<string, State>, loader: Engine | null): Record<string, State> | null => {
    let bytes: Uint8Array;
    try {
      bytes = saver.save(s, { trace: false }).bytes;
    } catch (e) {
      if (!(e instanceof VmError)) throw e;
      const last = out.at(-1);
      if (last) last.stopped = `${saver.release.name} could not save what it loaded: ${e.message}`;
      return null;
    }
    const entry: CaseStream = { role, savedBy: saver.release.name, bytes, stopped: null };
    out.push(entry);
    if (!loader) return null;
    const r = loader.load(bytes, { trace: false });
    if (r.ok) return r.states;
    entry.stopped = `${loader.release.name} rejected it: ${r.error.message}`;
    return null;
  };
  const fwd = step('forward', a, states, b);
  if (!fwd) return out;
  const back = step('resaved', b, fwd, a);
  if (!back) return out;
  step('returned', a, back, null);
  return out;
}

/** Letters, digits, `.`, `_` and `-` only; anything else (`/`, `>`, spaces) becomes `_`. */
export function safeName(s: string): string {
  return s.replace(/->/g, '-to-').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
}
