import { isStruct } from '../vmstate/field.js';
import type { VMStateDescription } from '../vmstate/types.js';
import { isCustomField } from './_internals/field-kind.js';

/**
 * The custom codecs (VMStateInfo names that are not QEMU primitives) a VMSD
 * uses in its fields, subsections and nested structs — what a device's
 * generator must supply arbitraries for. Codecs reached only through a
 * custom codec's inline VMSDs are not listed.
 */
export function customInfoNames(vmsd: VMStateDescription): string[] {
  const names = new Set<string>();
  const seen = new Set<VMStateDescription>();
  const visit = (v: VMStateDescription) => {
    if (seen.has(v)) return;
    seen.add(v);
    for (const f of v.fields) {
      if (isCustomField(f)) names.add(f.info!.name);
      if (isStruct(f)) visit(f.vmsd!);
    }
    for (const sub of v.subsections ?? []) visit(sub);
  };
  visit(vmsd);
  return [...names];
}
