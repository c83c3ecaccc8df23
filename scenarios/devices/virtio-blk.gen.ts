/**
 * virtio-blk: the core plus the in-flight request list. At most one
 * request, because the loader relinks the list in reverse (a longer list
 * comes back in the other order, which the guest cannot see but a
 * byte-for-byte comparison would); each with up to three buffers a side,
 * on a queue the device has.
 */
import fc from 'fast-check';
import type { CustomArbitrary, DeviceGen } from '../../src/gen/index.js';
import { VIRTIO_F_RING_PACKED, hasFeature, hostFeatures, type VirtioState } from '../common/virtio.js';
import { virtioStateArbitrary } from '../common/virtio.gen.js';
import { virtio_blk_spec, type BlkRequest } from './virtio-blk.js';

const u64 = fc.bigInt(0n, 2n ** 64n - 1n);

export const virtioBlkArbitrary: CustomArbitrary = (ctx) => {
  const nvqs = Number(ctx.props['num-queues']);
  // ndescs travels only with a packed ring
  const packed = hasFeature(hostFeatures(virtio_blk_spec, ctx.props), VIRTIO_F_RING_PACKED);
  const request: fc.Arbitrary<BlkRequest> = fc.record({
    vq_idx: fc.integer({ min: 0, max: Math.max(0, nvqs - 1) }),
    index: fc.integer({ min: 0, max: 1023 }),
    in: fc.array(fc.tuple(u64, u64), { maxLength: 3 }),
    out: fc.array(fc.tuple(u64, u64), { maxLength: 3 }),
    ndescs: packed ? fc.integer({ min: 0, max: 1024 }) : fc.constant(0),
  }).map(({ in: i, out: o, ...r }) => ({ ...r, in_addr: i.map((x) => x[0]), in_len: i.map((x) => x[1]), out_addr: o.map((x) => x[0]), out_len: o.map((x) => x[1]) }));
  return fc.record({
    virtio: virtioStateArbitrary(virtio_blk_spec, ctx.props, ctx.resetState.virtio as VirtioState),
    rq: fc.array(request, { maxLength: 1 }),
  });
};

export const virtioBlkGen: DeviceGen = { custom: { virtio: virtioBlkArbitrary } };
