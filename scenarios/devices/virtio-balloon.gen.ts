/**
 * virtio-balloon: the core plus the balloon's own members. num_pages is
 * the host's target and actual the guest's answer (any 32-bit page
 * counts); the free-page-hint command id and status and the poison value
 * only travel with their negotiated features, and only then change.
 */
import fc from 'fast-check';
import { biased, type CustomArbitrary, type DeviceGen } from '../../src/gen/index.js';
import { hasFeature, type VirtioState } from '../common/virtio.js';
import { virtioStateArbitrary } from '../common/virtio.gen.js';
import { VIRTIO_BALLOON_F_FREE_PAGE_HINT, VIRTIO_BALLOON_F_PAGE_POISON, virtio_balloon_spec } from './virtio-balloon.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

export const virtioBalloonArbitrary: CustomArbitrary = (ctx) => {
  const reset = ctx.resetState;
  return fc
    .record({
      virtio: virtioStateArbitrary(virtio_balloon_spec, ctx.props, reset.virtio as VirtioState),
      num_pages: biased(Number(reset.num_pages), u32),
      actual: biased(Number(reset.actual), u32),
      free_page_hint_cmd_id: u32,
      // FREE_PAGE_HINT_S_REQUESTED … S_DONE
      free_page_hint_status: fc.integer({ min: 0, max: 3 }),
      poison_val: u32,
    })
    .map((s) => {
      const f = s.virtio.guest_features;
      if (!hasFeature(f, VIRTIO_BALLOON_F_FREE_PAGE_HINT)) {
        s.free_page_hint_cmd_id = Number(reset.free_page_hint_cmd_id);
        s.free_page_hint_status = Number(reset.free_page_hint_status);
      }
      if (!hasFeature(f, VIRTIO_BALLOON_F_PAGE_POISON)) s.poison_val = 0; // set_config clears it without the feature
      return s;
    });
};

export const virtioBalloonGen: DeviceGen = { custom: { virtio: virtioBalloonArbitrary } };
