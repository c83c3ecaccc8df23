import { isStruct } from '../../vmstate/field.js';
import type { VMStateField } from '../../vmstate/types.js';
import { isPrimitiveInfo } from '../scalar.js';

/** A field whose codec is hand-written (QEMU's custom get/put): its arbitrary comes from a registry. */
export function isCustomField(f: VMStateField): boolean {
  return !isStruct(f) && f.info !== undefined && !isPrimitiveInfo(f.info.name);
}
