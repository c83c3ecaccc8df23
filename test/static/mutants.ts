/**
 * One-change variants of the test device, each a schema change a QEMU patch
 * could make, for cross-checking the static diff against the case runner.
 * `base` and every mutant share machine types pc-q35-8.2 (hw_compat_8_2
 * turns the device property `gate` off) and pc-q35-9.0 (gate on).
 */
import * as D from '../../src/vmstate/dsl.js';
import type { DeviceClass, Release } from '../../src/machine/types.js';
import type { State, VMStateDescription, VMStateField } from '../../src/vmstate/types.js';
import { goldenState, sub, sub2, testdevClass, testdevReset, testdevVmsd, testRelease } from '../fixtures/testdev.js';

/** A subsection every save sends, so that version changes of a subsection are decided by the schema alone. */
const always = (version = 1, minimum = 1): VMStateDescription => ({
  name: 'testdev/always',
  version_id: version,
  minimum_version_id: minimum,
  fields: [D.VMSTATE_UINT8('always')],
});

const baseVmsd = (over: Partial<VMStateDescription> = {}) =>
  testdevVmsd({ subsections: [...testdevVmsd().subsections!, always()], ...over });

const gate = (_s: State, _v: number, ctx: { props: Record<string, unknown> }) => ctx.props.gate === true;

/** The reset state and a busy one (every field non-zero), both with the mutant's own members on top. */
function device(vmsd: VMStateDescription, extra: State = {}): DeviceClass {
  const reset = () => ({ ...testdevReset(), always: 0, ...extra });
  return { ...testdevClass(vmsd), reset, examples: () => [reset(), { ...goldenState(), always: 5, ...extra }] };
}

const replace = (name: string, f: VMStateField) => baseVmsd().fields.map((g) => (g.name === name ? f : g));
const insertBefore = (name: string, ...fs: VMStateField[]) => baseVmsd().fields.flatMap((g) => (g.name === name ? [...fs, g] : [g]));
/**
 * The uint32 `e` cut into a uint16 that keeps the name (as globalstate's runstate did), `e2` and `e3`;
 * the uint16's member is `e16`, since the case runner compares same-named members.
 */
const splitE = (...fs: VMStateField[]) => baseVmsd().fields.flatMap((g) => (g.name === 'e' ? [{ ...D.VMSTATE_UINT16('e'), member: 'e16' }, D.VMSTATE_UINT8('e2'), ...fs] : [g]));
/** What the split fields hold in every example state: the bytes of 0xdeadbeef. */
const splitState = { e16: 0xdead, e2: 0xbe, e3: 0xef };

export const base: Release = testRelease('base', [device(baseVmsd())]);

export interface Mutant {
  name: string;
  release: Release;
  /**
   * Why the static diff cannot give the case runner's answer here, when it
   * cannot; such mutants are checked against their documented outcome
   * instead of for agreement.
   */
  undecidable?: string;
}

const mutant = (name: string, vmsd: VMStateDescription, extra: State = {}, undecidable?: string): Mutant => ({
  name,
  release: testRelease(`base+${name}`, [device(vmsd, extra)]),
  undecidable,
});

const subV2: VMStateDescription = { ...sub, version_id: 2, fields: [...sub.fields, D.VMSTATE_UINT8_V('y', 2)] };
const structsOf = (nested: VMStateDescription) =>
  baseVmsd().fields.map((f) => (f.vmsd === sub ? { ...f, vmsd: nested } : f));

export const mutants: Mutant[] = [
  mutant('unchanged', baseVmsd()),
  mutant('field-appended', baseVmsd({ fields: [...baseVmsd().fields, D.VMSTATE_UINT32('z')] }), { z: 0 }),
  mutant('field-inserted', baseVmsd({ fields: insertBefore('e', D.VMSTATE_UINT32('z')) }), { z: 0 }),
  mutant('field-removed', baseVmsd({ fields: baseVmsd().fields.filter((f) => f.name !== 'c') })),
  mutant('field-gated-by-property', baseVmsd({ fields: [...baseVmsd().fields, D.VMSTATE_UINT32_TEST('z', gate)] }), { z: 0 }),
  mutant('nested-version-bump', baseVmsd({ fields: structsOf(subV2) })),
  mutant('nested-version-only', baseVmsd({ fields: structsOf({ ...sub, version_id: 2 }) })),
  mutant('nested-field-gated-by-property', baseVmsd({ fields: structsOf({ ...sub, fields: [...sub.fields, D.VMSTATE_UINT8_TEST('y', gate)] }) })),
  mutant('vstruct-version', baseVmsd({ fields: replace('vs', D.VMSTATE_VSTRUCT_V('vs', 0, sub2, 2)) })),
  mutant('section-version-bump', baseVmsd({ version_id: 4, fields: [...baseVmsd().fields, D.VMSTATE_UINT32_V('z', 4)] }), { z: 0 }),
  mutant('minimum-raised', baseVmsd({ version_id: 4, minimum_version_id: 4 })),
  mutant('resized', baseVmsd({ fields: replace('e', D.VMSTATE_UINT64('e')) }), { e: 0n }),
  mutant('renamed', baseVmsd({ fields: replace('c', D.VMSTATE_UINT16('c2')) }), { c2: 0 }),
  mutant('array-grown', baseVmsd({ fields: replace('arr', D.VMSTATE_UINT16_ARRAY('arr', 3)) }), { arr: [0, 0, 0] }),
  mutant('unused-size-mismatch', baseVmsd({ fields: baseVmsd().fields.map((f) => (f.name === 'unused' ? D.VMSTATE_UINT32('u') : f)) }), { u: 0 }),
  mutant('struct-to-scalar-same-bytes', baseVmsd({ fields: replace('st', D.VMSTATE_UINT8('st')) }), { st: 0 }),
  mutant('subsection-added-always', baseVmsd({ subsections: [...baseVmsd().subsections!, { name: 'testdev/new', version_id: 1, fields: [D.VMSTATE_UINT8('newsub')] }] }), { newsub: 0 }),
  mutant(
    'subsection-added-property',
    baseVmsd({ subsections: [...baseVmsd().subsections!, { name: 'testdev/new', version_id: 1, needed: (_s, ctx) => ctx.props.gate === true, fields: [D.VMSTATE_UINT8('newsub')] }] }),
    { newsub: 0 },
  ),
  mutant('subsection-version-bump', baseVmsd({ subsections: [testdevVmsd().subsections![0]!, always(2, 1)] })),
  mutant('subsection-removed', testdevVmsd()),
  // re-splits: the same 4 bytes as uint16 + uint8 + uint8 (QEMU 9.0's globalstate did this to runstate[100])
  mutant('resplit', baseVmsd({ fields: splitE(D.VMSTATE_UINT8('e3')) }), splitState),
  mutant('resplit-bytes-differ', baseVmsd({ fields: splitE(D.VMSTATE_UINT16('e3')) }), splitState),
  mutant('resplit-version-gated', baseVmsd({ version_id: 4, fields: splitE(D.VMSTATE_UINT8_V('e3', 4)) }), splitState),
  mutant('resplit-property-gated', baseVmsd({ fields: splitE(D.VMSTATE_UINT8_TEST('e3', gate)) }), splitState),
  // the same 2 bytes, but `a` moved one byte on: z, a where base has a, b
  mutant('resplit-field-moved', baseVmsd({ fields: insertBefore('a', D.VMSTATE_UINT8('z')).filter((f) => f.name !== 'b') }), { z: 0 }),
  // ---- classes the schema cannot decide ----
  mutant(
    'subsection-added-state',
    baseVmsd({ subsections: [...baseVmsd().subsections!, { name: 'testdev/new', version_id: 1, needed: (s) => s.newsub !== 0, fields: [D.VMSTATE_UINT8('newsub')] }] }),
    { newsub: 0 },
    'needed() reads device state: the subsection is sent only for some states (the reset state does not send it)',
  ),
  mutant(
    'field-retired-to-unused',
    baseVmsd({ fields: replace('c', D.VMSTATE_UNUSED(2)) }),
    {},
    'the bytes line up, so both loads succeed; but the value of c does not survive base→B→base, which the round-trip property checks. The schema says the layout is compatible and notes the lost value',
  ),
  mutant(
    'codec-same-size',
    baseVmsd({ fields: replace('f', D.VMSTATE_UINT32('f')) }),
    {},
    'int32 → uint32: the same four bytes, read with another codec; only a negative value (a state) comes back different',
  ),
  mutant(
    'equal-value-differs',
    baseVmsd(),
    { magic: 8 },
    "an _EQUAL field compares the stream's value with the destination's current state (here its reset value): values, not schema",
  ),
  mutant(
    'post-load-rejects',
    baseVmsd({ post_load: (s) => (Number(s.a) === 1 ? { errno: -22, message: 'a must not be 1' } : undefined) }),
    { a: 2 },
    "post_load validates values: whether a sender's state is accepted is not in the schema",
  ),
];
