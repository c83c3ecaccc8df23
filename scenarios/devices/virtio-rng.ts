/**
 * virtio-rng-pci (hw/virtio/virtio-rng.c, virtio-rng-pci.c), the same in
 * every release from 7.2.0 to 10.0.0.
 *
 * VMSD `virtio-rng` version 1: only the virtio core. One queue of 8, no
 * config space, no device features. The proxy is transitional
 * (1af4:1005, class 00ff); its `vectors` property defaults to 2 since 7.2
 * (hw_compat_7_1 sets 0 for older machine types, and with it MSI-X goes).
 */
import type { DeviceClass } from '../../src/machine/types.js';
import type { VMStateDescription } from '../../src/vmstate/types.js';
import { VMSTATE_SINGLE } from '../../src/vmstate/dsl.js';
import { hostFeatures, virtioCommonProps, virtioInfo, virtioReset, virtioSpec, virtioPciProxy, type VirtioState } from '../common/virtio.js';
import { pciIdstr, type PciSlotOptions } from '../common/pci.js';

export const virtio_rng_spec = virtioSpec({
  device: { virtioId: 4, legacyDeviceId: 0x1005, classId: 0x00ff, configLen: () => 0 },
  deviceFeatures: () => 0n,
});

export const vmstate_virtio_rng: VMStateDescription = {
  name: 'virtio-rng',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_SINGLE('virtio', virtioInfo(virtio_rng_spec))],
};

export function virtioRng(opts: PciSlotOptions = {}): DeviceClass {
  return {
    name: 'virtio-rng',
    type: 'virtio-rng-device',
    parents: ['virtio-device', 'device'],
    proxy: virtioPciProxy('rng'),
    props: {
      ...virtioCommonProps(2),
      'max-bytes': { type: 'uint64', default: 0x7fffffffffffffffn },
      period: { type: 'uint32', default: 1 << 16 },
    },
    vmsd: vmstate_virtio_rng,
    idstr: pciIdstr(opts.slot ?? 6, 'virtio-rng'),
    instanceId: 0,
    reset(p) {
      return { virtio: virtioReset(virtio_rng_spec, p, new Uint8Array(0), [8]) };
    },
    examples(p) {
      const running = this.reset(p);
      const v = running.virtio as VirtioState;
      Object.assign(v, { status: 0x0f, guest_features: hostFeatures(virtio_rng_spec, p), started: true });
      Object.assign(v.vq[0]!, { desc: 0x7ff000n, avail: 0x7ff080n, used: 0x7ff100n, last_avail_idx: 12 });
      return [this.reset(p), running];
    },
  };
}
