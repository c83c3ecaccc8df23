import { EINVAL, printable } from '../wire/errors.js';
import { latin1, fromLatin1 } from '../wire/reader.js';
import { VMSTATE_UINT32, VMSTATE_UINT8_ARRAY, VMSTATE_VBUFFER_ALLOC_UINT32 } from '../vmstate/dsl.js';
import type { VMStateDescription } from '../vmstate/types.js';

/**
 * The `configuration` VMSD QEMU sends first (spec §2.2): the versioned
 * machine type name. Loaded at version 0 (a QEMU quirk); the received name
 * only has to be a prefix of the local one.
 */
export function configurationVmsd(localMachine: string): VMStateDescription {
  return {
    name: 'configuration',
    version_id: 1,
    minimum_version_id: 0,
    pre_save(s) {
      s.name = fromLatin1(localMachine);
      s.len = localMachine.length;
    },
    fields: [VMSTATE_UINT32('len'), VMSTATE_VBUFFER_ALLOC_UINT32('name', 0, undefined, 'len')],
    // a source with validate-uuid and -uuid sends its UUID; the engines set none, so a received one is accepted (QEMU warns)
    subsections: [{ name: 'configuration/uuid', version_id: 1, minimum_version_id: 1, needed: () => false, fields: [VMSTATE_UINT8_ARRAY('uuid.data', 16, 1)] }],
    post_load(s) {
      const received = latin1((s.name as Uint8Array | undefined) ?? new Uint8Array());
      if (!localMachine.startsWith(received)) {
        return { errno: EINVAL, message: `Machine type received is '${printable(received)}' and local is '${localMachine}'` };
      }
    },
  };
}
