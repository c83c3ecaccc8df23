/**
 * The virtio core state QEMU saves through the `virtio` field's custom codec
 * (hw/virtio/virtio.c virtio_save/virtio_load, spec §8.2–8.3). Modelled as a
 * custom VMStateInfo plus the `virtio` container VMSD with its subsections.
 *
 * Not modelled yet: the virtio-pci transport bytes that precede the core
 * (PCI config space, MSI-X, per-queue vectors) and the device-specific
 * `vdc->vmsd`; the core starts directly with `status`.
 */
import { EPERM, VmError } from '../../src/wire/errors.js';
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import { VMSTATE_BOOL, VMSTATE_STRUCT_ARRAY, VMSTATE_UINT64 } from '../../src/vmstate/dsl.js';
import type { ElementCtx, State, VMStateDescription, VMStateInfo } from '../../src/vmstate/types.js';

export const VIRTIO_QUEUE_MAX = 1024;
export const VIRTIO_F_VERSION_1 = 32n;

export interface VirtQueueState extends State {
  vring_num: number;
  desc: bigint;
  avail: bigint;
  used: bigint;
  last_avail_idx: number;
}

export interface VirtioState extends State {
  status: number;
  isr: number;
  queue_sel: number;
  guest_features: bigint;
  config: Uint8Array;
  vq: VirtQueueState[];
  broken: boolean;
  started: boolean;
}

const vmstate_virtqueue: VMStateDescription = {
  name: 'virtqueue_state',
  version_id: 1,
  minimum_version_id: 1,
  fields: [VMSTATE_UINT64('avail'), VMSTATE_UINT64('used')],
};

const hostFeatures = (ctx: { props: Record<string, unknown> }) => BigInt((ctx.props.host_features as bigint | undefined) ?? 0n);

/** The `virtio` container: no fields, only subsections, always loaded at version 1. */
export const vmstate_virtio: VMStateDescription = {
  name: 'virtio',
  version_id: 1,
  minimum_version_id: 1,
  fields: [],
  subsections: [
    {
      name: 'virtio/64bit_features',
      version_id: 1,
      minimum_version_id: 1,
      needed: (_s, ctx) => hostFeatures(ctx) >> 32n !== 0n,
      fields: [VMSTATE_UINT64('guest_features')],
    },
    {
      name: 'virtio/virtqueues',
      version_id: 1,
      minimum_version_id: 1,
      needed: (_s, ctx) => ((hostFeatures(ctx) >> VIRTIO_F_VERSION_1) & 1n) === 1n,
      fields: [VMSTATE_STRUCT_ARRAY('vq', VIRTIO_QUEUE_MAX, 0, vmstate_virtqueue)],
    },
    {
      name: 'virtio/broken',
      version_id: 1,
      minimum_version_id: 1,
      needed: (s) => s.broken === true,
      fields: [VMSTATE_BOOL('broken')],
    },
    {
      name: 'virtio/started',
      version_id: 1,
      minimum_version_id: 1,
      needed: (s) => s.started === true,
      fields: [VMSTATE_BOOL('started')],
    },
  ],
};

/** A fresh virtio core: `queues` ring sizes, all 1024 slots present as QEMU allocates them. */
export function virtioReset(configLen: number, queues: number[]): VirtioState {
  const vq: VirtQueueState[] = [];
  for (let i = 0; i < VIRTIO_QUEUE_MAX; i++) {
    vq.push({ vring_num: queues[i] ?? 0, desc: 0n, avail: 0n, used: 0n, last_avail_idx: 0 });
  }
  return { status: 0, isr: 0, queue_sel: 0, guest_features: 0n, config: new Uint8Array(configLen), vq, broken: false, started: false };
}

/** Records each leaf a custom codec writes or reads, with its offset and size. */
export function leafRecorder(el: ElementCtx, offset: () => number) {
  return (keys: (string | number)[], io: () => unknown) => {
    const start = offset();
    io();
    el.ctx.record({ keys: [...el.at, ...keys], vmsd: el.vmsd.name, field: el.field.name, offset: start, size: offset() - start, what: 'field' });
  };
}

function fail(r: Reader, el: ElementCtx, message: string, qemu: string): VmError {
  return new VmError({ kind: 'post-load-failed', message: `${el.vmsd.name}:virtio: ${message}`, offset: r.offset, errno: EPERM, qemu: [qemu] });
}

/**
 * The `virtio` codec. Its put writes the core fields, then the container
 * VMSD; its get mirrors it and then checks the guest features against the
 * destination's own host features, as virtio_load does.
 */
export const vmstate_info_virtio: VMStateInfo = {
  name: 'virtio',
  recordsOwnLeaves: true,
  nested: [vmstate_virtio],
  put(w: Writer, value: unknown, el: ElementCtx) {
    const v = value as VirtioState;
    const leaf = leafRecorder(el, () => w.offset);
    leaf(['status'], () => w.u8(v.status));
    leaf(['isr'], () => w.u8(v.isr));
    leaf(['queue_sel'], () => w.u16(v.queue_sel));
    leaf(['guest_features'], () => w.u32(Number(v.guest_features & 0xffffffffn)));
    leaf(['config'], () => {
      w.u32(v.config.length);
      w.bytes(v.config);
    });
    let nq = 0;
    while (nq < VIRTIO_QUEUE_MAX && v.vq[nq]!.vring_num !== 0) nq++;
    w.u32(nq);
    for (let i = 0; i < nq; i++) {
      const q = v.vq[i]!;
      leaf(['vq', i, 'vring_num'], () => w.u32(q.vring_num));
      leaf(['vq', i, 'desc'], () => w.u64(q.desc));
      leaf(['vq', i, 'last_avail_idx'], () => w.u16(q.last_avail_idx));
    }
    el.ctx.saveNested(w, vmstate_virtio, v, 1, el.at);
  },
  get(r: Reader, current: unknown, el: ElementCtx) {
    const v = current as VirtioState;
    const leaf = leafRecorder(el, () => r.offset);
    leaf(['status'], () => (v.status = r.u8('virtio status')));
    leaf(['isr'], () => (v.isr = r.u8('virtio isr')));
    leaf(['queue_sel'], () => (v.queue_sel = r.u16('virtio queue_sel')));
    if (v.queue_sel >= VIRTIO_QUEUE_MAX) throw fail(r, el, `queue_sel ${v.queue_sel} out of range`, 'virtio: queue_sel out of range');
    leaf(['guest_features'], () => (v.guest_features = BigInt(r.u32('virtio guest features'))));
    leaf(['config'], () => {
      const configLen = r.u32('virtio config length');
      const config = r.bytes(configLen, 'virtio config');
      // A longer incoming config is cut, a shorter one fills the start (virtio_load).
      v.config.set(config.subarray(0, v.config.length));
    });
    const nq = r.u32('virtio queue count');
    if (nq > VIRTIO_QUEUE_MAX) throw fail(r, el, `${nq} queues`, `Invalid number of virtqueues: 0x${nq.toString(16)}`);
    for (let i = 0; i < nq; i++) {
      const q = v.vq[i]!;
      leaf(['vq', i, 'vring_num'], () => (q.vring_num = r.u32('vring num')));
      leaf(['vq', i, 'desc'], () => (q.desc = r.u64('vring desc')));
      leaf(['vq', i, 'last_avail_idx'], () => (q.last_avail_idx = r.u16('last_avail_idx')));
      if (q.desc === 0n && q.last_avail_idx !== 0) {
        throw fail(r, el, `queue ${i} has no ring but index ${q.last_avail_idx}`, `VQ ${i} address 0x0 inconsistent with Host index 0x${q.last_avail_idx.toString(16)}`);
      }
    }
    el.ctx.loadNested(r, vmstate_virtio, v, 1, el.at);
    const host = hostFeatures(el.ctx);
    if ((v.guest_features & ~host) !== 0n) {
      throw fail(
        r,
        el,
        `guest features 0x${v.guest_features.toString(16)} are not a subset of the destination's host features 0x${host.toString(16)}`,
        `Features 0x${v.guest_features.toString(16)} unsupported. Allowed features: 0x${host.toString(16)}`,
      );
    }
    return v;
  },
};
