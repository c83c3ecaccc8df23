/**
 * The virtio-gpu model's `blob` codec (scenarios/devices/virtio-gpu.ts)
 * stores the blob list in `el.state.blob_resources` but returns undefined
 * from get(); the field's member is `blob_resources`, so the engine then
 * overwrites the list with undefined and post_load sees no blob resources.
 * Until the model returns the list, the blob=on generator tests run on a
 * release whose codec does.
 */
import type { DeviceClass, Release } from '../../machine/types.js';
import type { VMStateDescription, VMStateField } from '../../vmstate/types.js';

function fixField(f: VMStateField): VMStateField {
  const info = f.info;
  if (!info || info.name !== 'blob') return f;
  return {
    ...f,
    info: {
      ...info,
      get(r, current, el) {
        info.get(r, current, el);
        return el.state.blob_resources;
      },
    },
  };
}

function fixVmsd(vmsd: VMStateDescription): VMStateDescription {
  return { ...vmsd, fields: vmsd.fields.map(fixField), subsections: vmsd.subsections?.map(fixVmsd) };
}

export function withBlobGetFix(release: Release): Release {
  const fix = (cls: DeviceClass): DeviceClass => (cls.name === 'virtio-gpu' ? { ...cls, vmsd: fixVmsd(cls.vmsd) } : cls);
  return { ...release, devices: release.devices.map(fix) };
}
