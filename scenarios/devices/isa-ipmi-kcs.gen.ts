/**
 * isa-ipmi-kcs has no custom codec; its generator only carries the
 * post_load rules (spec §9.2): outpos < outlen < MAX_IPMI_MSG_SIZE and
 * inlen < MAX_IPMI_MSG_SIZE, else post_load resets them. The generic walk
 * gives full-range uint32s; refine folds most of them into the valid region
 * and leaves about one in eight raw, so that normalisation is exercised too.
 */
import type { DeviceGen } from '../../src/gen/index.js';
import type { State } from '../../src/vmstate/types.js';
import { MAX_IPMI_MSG_SIZE } from './isa-ipmi-kcs.js';

/** Out-of-range values kept raw (post_load will normalise them): about one in eight. */
const keepRaw = (v: number) => v >= MAX_IPMI_MSG_SIZE && v % 8 === 0;

export function refineKcs(kcs: State): void {
  const outpos = Number(kcs.outpos);
  const outlen = Number(kcs.outlen);
  const inlen = Number(kcs.inlen);
  if (!keepRaw(outlen)) {
    const len = outlen % MAX_IPMI_MSG_SIZE;
    kcs.outlen = len;
    kcs.outpos = len === 0 ? 0 : outpos % len;
  }
  if (!keepRaw(inlen)) kcs.inlen = inlen % MAX_IPMI_MSG_SIZE;
}

/** True when ipmi_kcs_vmstate_post_load leaves the positions as they are. */
export function kcsPositionsValid(kcs: State): boolean {
  const outpos = Number(kcs.outpos);
  const outlen = Number(kcs.outlen);
  const outOk = outpos < outlen && outlen < MAX_IPMI_MSG_SIZE;
  const idle = outpos === 0 && outlen === 0; // normalised already: post_load writes the same values
  return (outOk || idle) && Number(kcs.inlen) < MAX_IPMI_MSG_SIZE;
}

export const isaIpmiKcsGen: DeviceGen = {
  refine(state) {
    const kcs = state.kcs;
    if (kcs && typeof kcs === 'object') refineKcs(kcs as State);
    return state;
  },
};
