/**
 * virtio-balloon-pci (hw/virtio/virtio-balloon.c, virtio-balloon-pci.c).
 *
 * VMSD `virtio-balloon` version 1: the virtio core, whose device part is
 * vdc->vmsd `virtio-balloon-device` (version 1): num_pages, actual, and two
 * subsections gated on *negotiated* features — `…/free-page-report`
 * (free_page_hint_cmd_id, free_page_hint_status) with FREE_PAGE_HINT and
 * `…/page-poison` (poison_val) with PAGE_POISON. Its post_load only
 * restarts the stats timer.
 *
 * Queues: inflate, deflate, stats (128 each), then the free-page-hint
 * queue (VIRTQUEUE_MAX_SIZE, 1024) and the reporting queue (32) when those
 * features are on (7.2.22 and 10.0.2 alike).
 * Config space: 8 bytes, 12 with free-page-hint, 16 with page-poison
 * (on by default).
 *
 * The release difference is the proxy: up to 9.2.0 virtio-balloon-pci has
 * no `vectors` property and no MSI-X; 10.0.0 ("virtio-balloon-pci: Allow
 * setting nvectors, so we can use MSI-X") gives it 2 vectors, and
 * hw_compat_9_2 sets `vectors=0` so that older machine types keep the old
 * layout.
 */
import type { DeviceClass } from '../../src/machine/types.js';
import type { Props, VMStateDescription } from '../../src/vmstate/types.js';
import { VMSTATE_SINGLE, VMSTATE_UINT32 } from '../../src/vmstate/dsl.js';
import { pciIdstr, type PciSlotOptions } from '../common/pci.js';
import { hasFeature, hostFeatures, virtioCommonProps, virtioInfo, virtioReset, virtioSpec, virtioPciProxy, VIRTQUEUE_MAX_SIZE, type VirtioState } from '../common/virtio.js';

export type VirtioBalloonVariant = '7.2' | '10.0';

export const VIRTIO_BALLOON_F_STATS_VQ = 1n;
export const VIRTIO_BALLOON_F_DEFLATE_ON_OOM = 2n;
export const VIRTIO_BALLOON_F_FREE_PAGE_HINT = 3n;
export const VIRTIO_BALLOON_F_PAGE_POISON = 4n;
export const VIRTIO_BALLOON_F_REPORTING = 5n;

function deviceFeatures(p: Props): bigint {
  let f = 1n << VIRTIO_BALLOON_F_STATS_VQ;
  if (p['deflate-on-oom'] === true) f |= 1n << VIRTIO_BALLOON_F_DEFLATE_ON_OOM;
  if (p['free-page-hint'] === true) f |= 1n << VIRTIO_BALLOON_F_FREE_PAGE_HINT;
  if (p['page-poison'] !== false) f |= 1n << VIRTIO_BALLOON_F_PAGE_POISON;
  if (p['free-page-reporting'] === true) f |= 1n << VIRTIO_BALLOON_F_REPORTING;
  return f;
}

/** virtio_balloon_config_size */
export function balloonConfigLen(p: Props): number {
  if (p['page-poison'] !== false) return 16; // endof(poison_val)
  if (p['free-page-hint'] === true) return 12; // endof(free_page_hint_cmd_id)
  return 8;
}

const guest = (s: Record<string, unknown>, bit: bigint) => hasFeature((s.virtio as VirtioState).guest_features, bit);

export const vmstate_virtio_balloon_device: VMStateDescription = {
  name: 'virtio-balloon-device',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT32('num_pages'), VMSTATE_UINT32('actual')],
  subsections: [
    {
      name: 'virtio-balloon-device/free-page-report',
      version_id: 1,
      minimum_version_id: 1,
      needed: (s) => guest(s, VIRTIO_BALLOON_F_FREE_PAGE_HINT),
      fields: [VMSTATE_UINT32('free_page_hint_cmd_id'), VMSTATE_UINT32('free_page_hint_status')],
    },
    {
      name: 'virtio-balloon-device/page-poison',
      version_id: 1,
      minimum_version_id: 1,
      needed: (s) => guest(s, VIRTIO_BALLOON_F_PAGE_POISON),
      fields: [VMSTATE_UINT32('poison_val')],
    },
  ],
};

export const virtio_balloon_spec = virtioSpec({
  device: { virtioId: 5, legacyDeviceId: 0x1002, classId: 0x00ff, configLen: balloonConfigLen },
  deviceFeatures,
  vmsd: vmstate_virtio_balloon_device,
});

export const vmstate_virtio_balloon: VMStateDescription = {
  name: 'virtio-balloon',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_SINGLE('virtio', virtioInfo(virtio_balloon_spec))],
};

export function virtioBalloonVariant(release: string): VirtioBalloonVariant {
  return Number(release.split('.')[0]) >= 10 ? '10.0' : '7.2';
}

/** The queues as virtio_balloon_device_realize adds them: inflate, deflate, stats, free page hint, reporting. */
export function balloonQueues(p: Props): number[] {
  const q = [128, 128, 128];
  if (p['free-page-hint'] === true) q.push(VIRTQUEUE_MAX_SIZE);
  if (p['free-page-reporting'] === true) q.push(32);
  return q;
}

export function virtioBalloon(variant: VirtioBalloonVariant, opts: PciSlotOptions = {}): DeviceClass {
  const { vectors, ...common } = virtioCommonProps(variant === '10.0' ? 2 : 0);
  return {
    name: 'virtio-balloon',
    type: 'virtio-balloon-device',
    parents: ['virtio-device', 'device'],
    proxy: virtioPciProxy('balloon'),
    props: {
      ...common,
      ...(variant === '10.0' ? { vectors } : {}),
      'deflate-on-oom': { type: 'bool', default: false },
      'free-page-hint': { type: 'bool', default: false },
      'page-poison': { type: 'bool', default: true },
      'free-page-reporting': { type: 'bool', default: false },
    },
    vmsd: vmstate_virtio_balloon,
    idstr: pciIdstr(opts.slot ?? 5, 'virtio-balloon'),
    instanceId: 0,
    reset(p) {
      return {
        virtio: virtioReset(virtio_balloon_spec, p, new Uint8Array(balloonConfigLen(p)), balloonQueues(p)),
        num_pages: 0,
        actual: 0,
        free_page_hint_cmd_id: 0,
        free_page_hint_status: 0,
        poison_val: 0,
      };
    },
    examples(p) {
      const inflated = this.reset(p);
      const v = inflated.virtio as VirtioState;
      Object.assign(v, { status: 0x0f, guest_features: hostFeatures(virtio_balloon_spec, p), started: true });
      Object.assign(inflated, { num_pages: 2048, actual: 2048, poison_val: 0xaaaaaaaa });
      return [this.reset(p), inflated];
    },
  };
}
