/**
 * The fixed vocabulary of failure causes: every failure is explained by one
 * of these, in one line, with the usual fix. README.md ("Why it failed")
 * documents the same list; a cause id is part of the JSON report contract.
 */
export const CAUSES = [
  'nested-version',
  'ungated-field',
  'compat-property-missing',
  'subsection-unknown',
  'subsection-version',
  'section-version-too-new',
  'section-version-too-old',
  'field-width',
  'array-length',
  'field-layout',
  'field-dropped',
  'equal-value',
  'load-validator',
  'feature-bits',
  'section-missing',
  'section-renamed',
  'custom-codec',
  'state-loss',
  'value-lost',
  'model-broken',
  'unexplained',
] as const;

export type CauseId = (typeof CAUSES)[number];

/** What each cause means, in the words the README uses (its one-line summary and its usual fix). */
export const CAUSE_DOC: Record<CauseId, { summary: string; fix: string }> = {
  'nested-version': {
    summary: "a nested struct's version is not on the wire: fields gated on it are sent by one side and not expected by the other",
    fix: 'gate the new fields with a field_exists test on a compat property that the old machine types switch off, not on the nested version',
  },
  'ungated-field': {
    summary: 'a field was added or removed with no version, test or compat gate',
    fix: 'gate it with VMSTATE_*_TEST on a compat property (off in the old machine types\' hw_compat array), or move it into a subsection with a needed()',
  },
  'compat-property-missing': {
    summary: "the field or subsection is gated by a property, but the old machine type's compat arrays do not set it back",
    fix: "add the property to the old machine type's hw_compat/pc_compat array with the value that keeps the old layout",
  },
  'subsection-unknown': {
    summary: 'a subsection is sent to a release that does not know it',
    fix: 'add a needed() that is false for old machine types (a compat property) and when the state is at its default',
  },
  'subsection-version': {
    summary: "a subsection's version is outside what the loader accepts",
    fix: 'keep the subsection version for old machine types, or send a new subsection for the new fields',
  },
  'section-version-too-new': {
    summary: 'the section version was bumped: an older loader refuses it (QEMU accepts no newer section version)',
    fix: 'expected for a real version bump; if old releases must load it, keep version_id and gate the new fields on a compat property',
  },
  'section-version-too-old': {
    summary: "the loader's minimum_version_id was raised above what the sender writes",
    fix: 'keep minimum_version_id at the oldest version a supported release sends',
  },
  'field-width': {
    summary: "a field's width or type changed, so every later byte is read at the wrong place",
    fix: 'keep the old width on the wire for old machine types (a _TEST pair on a compat property, or the upper part in a subsection)',
  },
  'array-length': {
    summary: "an array's length changed",
    fix: 'keep the old length on the wire for old machine types (a _TEST field for the extra elements, or a subsection)',
  },
  'field-layout': {
    summary: 'the same bytes are cut into other fields, or a placeholder changed size',
    fix: 'keep the layout byte for byte (VMSTATE_UNUSED of the old size where a field went)',
  },
  'field-dropped': {
    summary: 'a field became a placeholder (VMSTATE_UNUSED): the layout holds, the value is dropped',
    fix: 'keep loading the value into the device (or accept that the guest loses it, and say so in the commit)',
  },
  'equal-value': {
    summary: 'an _EQUAL field carries a value the other release does not accept',
    fix: "keep the old value for old machine types with a compat property, or relax the loader's check",
  },
  'load-validator': {
    summary: "the loader's post_load, pre_load or VMSTATE_VALIDATE rejected a value the sender can produce",
    fix: 'accept (or normalise) the old values in the loader, or stop the sender producing them for old machine types',
  },
  'feature-bits': {
    summary: 'the source negotiated feature bits the destination does not offer',
    fix: 'switch the feature off for old machine types with a compat property',
  },
  'section-missing': {
    summary: 'a section one side sends or expects does not exist on the other',
    fix: 'keep registering the section for the releases that have it, or do not create the device at old machine types',
  },
  'section-renamed': {
    summary: "the section's idstr or VMSD name changed, so the loader does not recognise it",
    fix: 'keep the old name (names are part of the wire format for sections and subsections)',
  },
  'custom-codec': {
    summary: 'a hand-written get/put changed what it writes',
    fix: 'make the codec write the old layout for old machine types (a compat property), and model it in the device file',
  },
  'state-loss': {
    summary: "guest-visible state does not survive the sender's own save and load",
    fix: 'put the member on the wire (a field or a subsection), or restore it in post_load',
  },
  'value-lost': {
    summary: 'the load succeeds but a value the sender put on the wire comes back different',
    fix: "check the loader's post_load or set_features: it rewrites the value it received",
  },
  'model-broken': {
    summary: "the sender's own save and load fail: the state or the model is wrong, not the migration",
    fix: 'fix the device model or its validity rules',
  },
  unexplained: {
    summary: "the two models' schemas agree where it failed: the difference is in a hook, a codec or a value",
    fix: 'compare the two releases\' hooks (pre_save, post_load, needed) for this VMSD',
  },
};

export function isCause(s: string): s is CauseId {
  return (CAUSES as readonly string[]).includes(s);
}
