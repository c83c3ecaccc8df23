import type { Props } from '../vmstate/types.js';
import { ABSENT, isCertain, presence, type Presence } from './exists.js';
import { samePredicate } from './probe.js';
import type { Effect, FieldNode, Finding, Severity, VmsdNode } from './types.js';

/**
 * The state of the static walk over one VMSD pair, and what one direction
 * (forward: A saves, B loads; backward: B saves, A loads) does with a field.
 */

export interface Side {
  label: string;
  props: Props | null;
}

export type Via =
  | { kind: 'section' }
  | { kind: 'subsection' }
  | { kind: 'struct'; field: string }
  | { kind: 'vstruct'; field: string }
  | { kind: 'inline'; codec: string };

/** How one direction reaches a VMSD pair: the saver's and the loader's processing versions. */
export interface Leg {
  saveV: number;
  loadV: number;
  /** Set when this direction gets here only sometimes (a state-dependent needed() or test): why. */
  maybe: string | null;
}

export type Dir = 'fwd' | 'bwd';

export interface Walk {
  a: Side;
  b: Side;
  device: string;
  /** This VMSD pair's location: `virtio-gpu:virtio-gpu › virtio-gpu-scanouts:parent_obj.scanout › virtio-gpu-one-scanout`. */
  at: string;
  va: VmsdNode;
  vb: VmsdNode;
  via: Via;
  /** The custom codec this VMSD is saved by, at any depth (QEMU's checker sees nothing below it). */
  custom: string | null;
  perElement: boolean;
  fwd: Leg | null;
  bwd: Leg | null;
  out: Omit<Finding, 'machines' | 'section'>[];
  /** Fields whose presence differs between the two sides because of a version not on the wire. */
  versionCaused: { fwd: string[]; bwd: string[] };
}

/** What one direction makes of one field (or one side's field). */
export interface Flow {
  dir: Dir;
  saver: Side;
  loader: Side;
  leg: Leg;
  writes: Presence;
  reads: Presence;
  status: 'silent' | 'both' | 'unread' | 'unwritten' | 'uncertain';
}

export const dirLabel = (w: Walk, d: Dir) => (d === 'fwd' ? `${w.a.label}→${w.b.label}` : `${w.b.label}→${w.a.label}`);
export const leg = (w: Walk, d: Dir) => (d === 'fwd' ? w.fwd : w.bwd);
export const roles = (w: Walk, d: Dir) => (d === 'fwd' ? { saver: w.a, loader: w.b } : { saver: w.b, loader: w.a });

export function severityOf(fwd: Effect, bwd: Effect, quiet: 'compatible' | 'info'): Severity {
  const f = fwd !== 'ok';
  const b = bwd !== 'ok';
  if (f && b) return 'breaking-both';
  if (f) return 'breaking-forward';
  if (b) return 'breaking-backward';
  return quiet;
}

export function worst(...es: Effect[]): Effect {
  if (es.includes('breaks')) return 'breaks';
  if (es.includes('may-break')) return 'may-break';
  return 'ok';
}

/** A break in a direction that is reached only sometimes is a possible break. */
export const breaks = (l: Leg): Effect => (l.maybe ? 'may-break' : 'breaks');

/** The version at which each side processes a VMSD pair, for people. */
export function processing(w: Walk): { a: number | null; b: number | null } {
  return { a: w.fwd?.saveV ?? w.bwd?.loadV ?? null, b: w.fwd?.loadV ?? w.bwd?.saveV ?? null };
}

export function versionOf(w: Walk, side: 'a' | 'b'): number {
  const p = processing(w);
  return (side === 'a' ? p.a : p.b) ?? (side === 'a' ? w.va.version_id : w.vb.version_id);
}

export function flow(w: Walk, d: Dir, fa: FieldNode | null, fb: FieldNode | null): Flow | null {
  const l = leg(w, d);
  if (!l) return null;
  const { saver, loader } = roles(w, d);
  const [sf, lf] = d === 'fwd' ? [fa, fb] : [fb, fa];
  const writes = sf ? presence(sf, l.saveV, saver.props) : ABSENT;
  const reads = lf ? presence(lf, l.loadV, loader.props) : ABSENT;
  let status: Flow['status'];
  if (isCertain(writes) && isCertain(reads)) {
    status = writes.value === reads.value ? (writes.value === 'yes' ? 'both' : 'silent') : writes.value === 'yes' ? 'unread' : 'unwritten';
  } else if (sf && lf && sf.test && samePredicate(sf.test, lf.test)) {
    // the same test on both sides answers alike for the same state
    status = 'both';
  } else status = 'uncertain';
  return { dir: d, saver, loader, leg: l, writes, reads, status };
}

export function flowEffect(f: Flow | null): Effect {
  if (!f) return 'ok';
  if (f.status === 'unread' || f.status === 'unwritten') return breaks(f.leg);
  if (f.status === 'uncertain') return 'may-break';
  return 'ok';
}
