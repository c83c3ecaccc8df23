import type { Props } from '../vmstate/types.js';
import { evaluate, propsText } from './probe.js';
import type { FieldNode, Predicate } from './types.js';

/** Whether one side puts a field on the wire (saving) or expects it (loading), and why, in words. */
export interface Presence {
  value: 'yes' | 'no' | 'state' | 'opaque';
  /** `at version 2`, `its test on x-scanout-vmstate-version=1 says no` … */
  why: string;
  /** Decided by the version rule (no test). */
  byVersion: boolean;
}

export const ABSENT: Presence = { value: 'no', why: 'no such field', byVersion: false };

export function isCertain(p: Presence): p is Presence & { value: 'yes' | 'no' } {
  return p.value === 'yes' || p.value === 'no';
}

/** QEMU's existence rule (spec §3.4 step 4a): a test, if any, replaces the version rule. */
export function presence(f: FieldNode, version: number, props: Props | null): Presence {
  if (f.test) {
    const a = evaluate(f.test, version, props);
    if (a.value === 'opaque') return { value: 'opaque', why: 'a field_exists test the dump does not describe', byVersion: false };
    if (a.value === 'state') return { value: 'state', why: `a field_exists test that reads device state (${a.reads.join(', ')})`, byVersion: false };
    const on = a.props.length ? ` on ${propsText(a.props, props)}` : ` at version ${version}`;
    return { value: a.value, why: `its field_exists test${on} says ${a.value}`, byVersion: false };
  }
  if (f.version_id === 0) return { value: 'yes', why: 'always', byVersion: false };
  return { value: f.version_id <= version ? 'yes' : 'no', why: `at version ${version}, ${f.version_id <= version ? '≥' : '<'} ${f.version_id}`, byVersion: true };
}

/** How a field is gated, for people: `ungated`, `gated by version 2`, `gated by a field_exists test on x-foo (=1 here)`. */
export function gateText(f: FieldNode, version: number, props: Props | null): string {
  if (!f.test) return f.version_id === 0 ? 'ungated' : `gated by version ${f.version_id}`;
  return testText(f.test, version, props);
}

export function testText(p: Predicate, version: number, props: Props | null, what = 'field_exists test'): string {
  const a = evaluate(p, version, props);
  if (a.value === 'opaque') return `gated by a ${what} (the dump only says there is one)`;
  if (a.value === 'state') return `gated by a ${what} that reads device state (${a.reads.join(', ')})`;
  if (a.props.length === 0) return `gated by a ${what} on the version`;
  const values = a.props.length === 1 ? `=${String(props?.[a.props[0]!])}` : propsText(a.props, props);
  return `gated by a ${what} on ${a.props.join(', ')} (${values} here)`;
}
