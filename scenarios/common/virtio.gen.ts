/**
 * Arbitrary for the virtio core and its virtio-pci transport, as the
 * `virtio` codec saves them (virtio.ts), within what a running guest can
 * reach and virtio_load accepts on the same device:
 *
 *   transport   a reachable PCI function (pci.gen.ts); the config vector
 *               and every queue vector are VIRTIO_NO_VECTOR or a vector
 *               the device has (msix_vector_use); the modern registers
 *               (feature selects, the guest's feature words, each live
 *               queue's latched size, enable and ring addresses) are free
 *   core        queue_sel < 1024; guest features ⊆ host features; a queue
 *               without a descriptor ring has last_avail_idx 0; a live
 *               queue may be resized (then `virtio/ringsize` travels);
 *               avail/used move only when `virtio/virtqueues` travels
 *               (VIRTIO_F_VERSION_1), packed-ring indices only when
 *               `virtio/packed_virtqueues` does; the config bytes are free
 *               (they are what the guest last read); broken, started and
 *               disabled are free, so their subsections come out both ways
 *
 * The device's own members (vdc->vmsd, legacy savers) come from the
 * device's generator.
 */
import fc, { type Arbitrary } from 'fast-check';
import { biased, blankBiasedBytes } from '../../src/gen/index.js';
import type { CustomArbitrary } from '../../src/gen/index.js';
import type { Props } from '../../src/vmstate/types.js';
import { pciDeviceArbitrary } from './pci.gen.js';
import {
  VIRTIO_F_RING_PACKED,
  VIRTIO_F_VERSION_1,
  VIRTIO_NO_VECTOR,
  VIRTIO_QUEUE_MAX,
  flagsOf,
  hasFeature,
  hostFeatures,
  queuesInUse,
  type ModernQueueState,
  type VirtioInfo,
  type VirtioSpec,
  type VirtioState,
  type VirtQueueState,
} from './virtio.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt(0n, 2n ** 64n - 1n);
const pair = fc.tuple(u32, u32).map(([a, b]) => [a, b]);

function vectorArbitrary(n: number, reset: number): Arbitrary<number> {
  if (!n) return fc.constant(VIRTIO_NO_VECTOR);
  return biased(reset, fc.oneof(fc.constant(VIRTIO_NO_VECTOR), fc.integer({ min: 0, max: n - 1 })));
}

function queueArbitrary(reset: VirtQueueState, n: number, rings: boolean, packed: boolean): Arbitrary<VirtQueueState> {
  return fc
    .record({
      vring_num: biased(reset.vring_num, fc.integer({ min: 1, max: 1024 }), 3, 1),
      desc: biased(reset.desc, u64),
      last_avail_idx: biased(reset.last_avail_idx, u16),
      avail: rings ? biased(reset.avail, u64) : fc.constant(reset.avail),
      used: rings ? biased(reset.used, u64) : fc.constant(reset.used),
      vector: vectorArbitrary(n, reset.vector),
      packed: packed
        ? fc.record({ last_avail_wrap_counter: fc.boolean(), used_idx: u16, used_wrap_counter: fc.boolean(), inuse: u32 })
        : fc.constant({}),
    })
    .map(({ packed: p, ...q }) => ({ ...reset, ...q, ...p, last_avail_idx: q.desc === 0n ? 0 : q.last_avail_idx }));
}

const modernQueueArbitrary: Arbitrary<ModernQueueState> = fc.record({ num: u16, enabled: fc.boolean(), desc: pair, avail: pair, used: pair });

/** A VirtioState for `spec` under `props`, from its reset state. */
export function virtioStateArbitrary(spec: VirtioSpec, props: Props, reset: VirtioState): Arbitrary<VirtioState> {
  const host = hostFeatures(spec, props);
  const rings = hasFeature(host, VIRTIO_F_VERSION_1);
  const packed = hasFeature(host, VIRTIO_F_RING_PACKED);
  const d = spec.pci(props);
  const n = d.msix_entries_nr;
  const modern = flagsOf(spec, props).modern;
  const inUse = queuesInUse(reset.vq);
  return fc
    .record({
      pci_dev: pciDeviceArbitrary(d, reset.proxy.pci_dev),
      modern: modern
        ? fc.record({
            dfselect: biased(reset.proxy.dfselect, u32),
            gfselect: biased(reset.proxy.gfselect, u32),
            guest_features: biased(reset.proxy.guest_features, pair),
            vqs: fc.tuple(...reset.proxy.vqs.slice(0, inUse).map((q) => biased(q, modernQueueArbitrary))),
          })
        : fc.constant(null),
      config_vector: vectorArbitrary(n, reset.config_vector),
      status: biased(reset.status, u8),
      isr: biased(reset.isr, u8),
      queue_sel: biased(reset.queue_sel, fc.integer({ min: 0, max: VIRTIO_QUEUE_MAX - 1 })),
      guest_features: fc.oneof({ withCrossShrink: true }, fc.constant(reset.guest_features & host), fc.constant(host), u64.map((f) => f & host)),
      config: blankBiasedBytes(reset.config),
      queues: fc.tuple(...reset.vq.slice(0, inUse).map((q) => queueArbitrary(q, n, rings, packed))),
      broken: fc.boolean(),
      started: fc.boolean(),
      disabled: biased(false, fc.boolean(), 3, 1),
    })
    .map(({ pci_dev, modern: m, queues, ...core }) => {
      const vq = reset.vq.map((q, i) => (i < queues.length ? queues[i]! : { ...q }));
      const proxy = m ? { ...reset.proxy, pci_dev, ...m, vqs: reset.proxy.vqs.map((q, i) => (i < m.vqs.length ? m.vqs[i]! : { ...q })) } : { ...reset.proxy, pci_dev };
      return { ...reset, ...core, proxy, vq };
    });
}

/** The `virtio` codec's member: the whole VirtioState under the field's member name. */
export const virtioArbitrary: CustomArbitrary = (ctx) => {
  const member = ctx.field.member ?? 'virtio';
  const spec = (ctx.field.info as VirtioInfo).spec;
  return virtioStateArbitrary(spec, ctx.props, ctx.resetValue as VirtioState).map((v) => ({ [member]: v }));
};
