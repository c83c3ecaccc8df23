/**
 * Arbitrary for the virtio core the `virtio` codec saves (spec §8.2–8.3),
 * within what virtio_load accepts on the same device:
 *   queue_sel < VIRTIO_QUEUE_MAX;
 *   guest features ⊆ the device's host_features property;
 *   a queue with descriptor address 0 has last_avail_idx 0;
 *   ring sizes stay the device's own (they decide how many queues travel);
 *   avail/used addresses move only when virtio/virtqueues is sent
 *   (host offers VIRTIO_F_VERSION_1), else a load cannot bring them back.
 * broken and started are free, so their subsections are both sent and not.
 */
import fc, { type Arbitrary } from 'fast-check';
import { biased } from '../../src/gen/index.js';
import type { CustomArbitrary } from '../../src/gen/index.js';
import { VIRTIO_F_VERSION_1, VIRTIO_QUEUE_MAX, type VirtioState, type VirtQueueState } from './virtio.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u64 = fc.bigInt(0n, 2n ** 64n - 1n);

function queueArbitrary(reset: VirtQueueState, rings: boolean): Arbitrary<VirtQueueState> {
  return fc
    .record({
      desc: biased(reset.desc, u64),
      last_avail_idx: biased(reset.last_avail_idx, u16),
      avail: rings ? biased(reset.avail, u64) : fc.constant(reset.avail),
      used: rings ? biased(reset.used, u64) : fc.constant(reset.used),
    })
    .map((q) => ({ ...reset, ...q, last_avail_idx: q.desc === 0n ? 0 : q.last_avail_idx }));
}

/** The `virtio` codec's member: the whole VirtioState under the field's member name. */
export const virtioArbitrary: CustomArbitrary = (ctx) => {
  const member = ctx.field.member ?? 'virtio';
  const reset = ctx.resetValue as VirtioState;
  const host = BigInt((ctx.props.host_features as bigint | number | undefined) ?? 0n);
  const rings = ((host >> VIRTIO_F_VERSION_1) & 1n) === 1n;
  let inUse = 0;
  while (inUse < VIRTIO_QUEUE_MAX && reset.vq[inUse]!.vring_num !== 0) inUse++;
  return fc
    .record({
      status: biased(reset.status, u8),
      isr: biased(reset.isr, u8),
      queue_sel: biased(reset.queue_sel, fc.integer({ min: 0, max: VIRTIO_QUEUE_MAX - 1 })),
      guest_features: fc.oneof(
        { withCrossShrink: true },
        fc.constant(reset.guest_features & host),
        fc.constant(host),
        u64.map((f) => f & host),
      ),
      config: biased(reset.config, fc.uint8Array({ minLength: reset.config.length, maxLength: reset.config.length })),
      queues: fc.tuple(...reset.vq.slice(0, inUse).map((q) => queueArbitrary(q, rings))),
      broken: fc.boolean(),
      started: fc.boolean(),
    })
    .map(({ queues, ...core }) => {
      const vq = reset.vq.map((q, i) => (i < queues.length ? queues[i]! : { ...q }));
      const v: VirtioState = { ...reset, ...core, vq };
      return { [member]: v };
    });
};
