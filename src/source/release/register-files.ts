import * as F from '../../vmstate/flags.js';
import { hasMember, setMember } from '../../vmstate/state.js';
import type { State, VMStateDescription } from '../../vmstate/types.js';
import type { DomainTable } from './domains.js';

/** The element count from which a fixed uint8 array is kept typed (16 KiB of JS numbers per state is what it saves). */
export const TYPED_REGISTER_FILE_MIN = 4096;

/**
 * The top-level members of `top` that are plain register files: a fixed
 * `VMS_ARRAY` of at least TYPED_REGISTER_FILE_MIN `uint8` elements (no
 * pointer, count member, struct or custom codec) that nothing of the class
 * translates reads or writes (`touched`: hooks, predicates, realize
 * overrides, codec bindings, properties) and no domain draws. Such a member
 * is kept as a Uint8ClampedArray, as the hand models keep ich9-lpc's
 * chip_config: both engines load it in place (state.ts typedTarget),
 * stateEqual, cloneState and the generator treat it as the numbers it holds,
 * and a uint8 value always fits, so the clamping never applies.
 */
export function registerFileMembers(top: VMStateDescription, touched: (member: string) => boolean, domains: DomainTable | undefined): string[] {
  const out: string[] = [];
  for (const f of top.fields) {
    const m = f.member;
    if (m === null || f.vmsd || f.info?.name !== 'uint8' || (f.size ?? 0) !== 1) continue;
    if (f.flags !== F.VMS_ARRAY || (f.num ?? 0) < TYPED_REGISTER_FILE_MIN) continue;
    if (touched(m) || domains?.[top.name]?.[f.name] || domains?.['*']?.[f.name]) continue;
    out.push(m);
  }
  return out;
}

/** Puts each register file of `members` into the reset template as a zeroed Uint8ClampedArray of the field's count (blankState's zeros, typed). */
export function typeRegisterFiles(template: State, top: VMStateDescription, members: readonly string[]): void {
  for (const m of members) {
    const f = top.fields.find((x) => x.member === m)!;
    if (hasMember(template, m)) setMember(template, m, new Uint8ClampedArray(f.num ?? 0));
  }
}
