/**
 * fast-check arbitraries derived from a VMSD at an engine (release ×
 * machine type), refined by a device's validity rules.
 */
export { stateArbitrary } from './state.js';
export { vmsdArbitrary, makeEnv, type GenEnv } from './vmsd.js';
export { conformToWire, wireMembers } from './wire.js';
export { blankState } from './blank.js';
export { inlineVmsds } from './inline.js';
export { customInfoNames } from './codecs.js';
export { scalarArbitrary, blankValue, intRange, isPrimitiveInfo, isEqualInfo, isValuelessInfo } from './scalar.js';
export { biased, keep } from './bias.js';
export { BlankBiasedArbitrary, blankBiasedBytes, blankBiasedInts, maskedBytes, sizedBytes, type LaneSpec, type NumberArray } from './typed.js';
export type { CustomArbitrary, CustomContext, DeviceArbitrary, DeviceGen, InlineVmsd, StateArbitraryOptions, StatePatch, Ungenerated } from './types.js';
