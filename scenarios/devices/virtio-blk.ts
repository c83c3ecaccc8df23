/**
 * virtio-blk-pci (hw/block/virtio-blk.c), the same in every release from
 * 7.2.0 to 10.0.0.
 *
 * VMSD `virtio-blk` version 2 (minimum 2): only the virtio core. The
 * device part is a hand-written saver (vdc->save / vdc->load): for every
 * request still in flight a byte 1, the queue index (be32, only with more
 * than one queue) and the request's VirtQueueElement in QEMU's old fixed
 * layout, written raw in the host's byte order (x86-64: little endian,
 * 49,168 bytes); then a byte 0. With a packed ring each element is
 * followed by be32 ndescs. The loader rejects a queue index past its own
 * queue count ("Invalid virtqueue index in request list") and aborts on an
 * element with more than 1024 buffers either way.
 *
 * One queue of 256 per num-queues (the model's default is QEMU's `auto`
 * with one vCPU: 1); vectors num-queues + 1. Config space 57 bytes with
 * discard and write-zeroes (both on by default). The model's drive is what
 * the tests give QEMU: a writable null-co block device, so FLUSH is
 * offered and RO is not.
 */
import { EINVAL, VmError } from '../../src/wire/errors.js';
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import type { DeviceClass } from '../../src/machine/types.js';
import type { ElementCtx, Props, State, VMStateDescription, VMStateInfo } from '../../src/vmstate/types.js';
import { VMSTATE_SINGLE } from '../../src/vmstate/dsl.js';
import { pciIdstr, type PciSlotOptions } from '../common/pci.js';
import { leafRecorder } from '../common/leaf.js';
import { VIRTIO_F_RING_PACKED, hasFeature, hostFeatures, virtioCommonProps, virtioInfo, virtioReset, virtioSpec, virtioPciProxy, type VirtioState } from '../common/virtio.js';

const F = {
  SEG_MAX: 2n,
  GEOMETRY: 4n,
  RO: 5n,
  BLK_SIZE: 6n,
  SCSI: 7n,
  FLUSH: 9n,
  TOPOLOGY: 10n,
  CONFIG_WCE: 11n,
  MQ: 12n,
  DISCARD: 13n,
  WRITE_ZEROES: 14n,
};

function deviceFeatures(p: Props): bigint {
  let f = 0n;
  const on = (b: bigint) => (f |= 1n << b);
  if (p['config-wce'] !== false) on(F.CONFIG_WCE);
  if (p.discard !== false) on(F.DISCARD);
  if (p['write-zeroes'] !== false) on(F.WRITE_ZEROES);
  on(F.SEG_MAX);
  on(F.GEOMETRY);
  on(F.TOPOLOGY);
  on(F.BLK_SIZE);
  on(F.FLUSH); // the writable null-co drive has a write-back cache
  if (Number(p['num-queues']) > 1) on(F.MQ);
  return f;
}

/** virtio_blk_cfg_size_params: 24 bytes at least, up to the last field a feature needs. */
export function blkConfigLen(p: Props): number {
  if (p['write-zeroes'] !== false) return 57; // endof(write_zeroes_may_unmap)
  if (p.discard !== false) return 48; // endof(discard_sector_alignment)
  return 24; // endof(blk_size)
}

/** sizeof(VirtQueueElementOld) on x86-64: three uints, padding, 1024 × (in_addr, out_addr), 1024 × 2 iovecs. */
export const VIRTQUEUE_ELEMENT_OLD_SIZE = 16 + 8 * 1024 * 2 + 16 * 1024 * 2;
const VIRTQUEUE_MAX_SIZE = 1024;

/** A VirtQueueElement as it travels: buffer addresses and lengths (iov_base is not migrated). */
export interface BlkElement {
  index: number;
  in_addr: bigint[];
  out_addr: bigint[];
  in_len: bigint[];
  out_len: bigint[];
}

export interface BlkRequest extends State, BlkElement {
  vq_idx: number;
  ndescs: number;
}

function putElement(w: Writer, q: BlkRequest): void {
  const b = new Uint8Array(VIRTQUEUE_ELEMENT_OLD_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, q.index, true);
  v.setUint32(4, q.in_addr.length, true);
  v.setUint32(8, q.out_addr.length, true);
  q.in_addr.forEach((a, i) => v.setBigUint64(16 + 8 * i, a, true));
  q.out_addr.forEach((a, i) => v.setBigUint64(16 + 8 * 1024 + 8 * i, a, true));
  // iov_base is written as 0: virtqueue_map sets it again on load
  q.in_len.forEach((l, i) => v.setBigUint64(16 + 16 * 1024 + 16 * i + 8, l, true));
  q.out_len.forEach((l, i) => v.setBigUint64(16 + 32 * 1024 + 16 * i + 8, l, true));
  w.bytes(b);
}

function getElement(r: Reader, el: ElementCtx): BlkElement {
  const at = r.offset;
  const b = r.bytes(VIRTQUEUE_ELEMENT_OLD_SIZE, 'VirtQueueElementOld');
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const index = v.getUint32(0, true);
  const inNum = v.getUint32(4, true);
  const outNum = v.getUint32(8, true);
  if (inNum > VIRTQUEUE_MAX_SIZE || outNum > VIRTQUEUE_MAX_SIZE) {
    // qemu_get_virtqueue_element asserts: QEMU aborts
    throw new VmError({
      kind: 'post-load-failed',
      message: `${el.vmsd.name}:virtio: a request element has ${inNum} in and ${outNum} out buffers; QEMU asserts at most ${VIRTQUEUE_MAX_SIZE} and aborts`,
      offset: at,
      errno: EINVAL,
      qemu: ['qemu_get_virtqueue_element: Assertion `ARRAY_SIZE(data.in_addr) >= data.in_num\' failed.'],
    });
  }
  const arr = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
  return {
    index,
    in_addr: arr(inNum, (i) => v.getBigUint64(16 + 8 * i, true)),
    out_addr: arr(outNum, (i) => v.getBigUint64(16 + 8 * 1024 + 8 * i, true)),
    in_len: arr(inNum, (i) => v.getBigUint64(16 + 16 * 1024 + 16 * i + 8, true)),
    out_len: arr(outNum, (i) => v.getBigUint64(16 + 32 * 1024 + 16 * i + 8, true)),
  };
}

const packed = (el: ElementCtx) => hasFeature(hostFeatures(virtio_blk_spec, el.ctx.props), VIRTIO_F_RING_PACKED);

/** virtio_blk_save_device / virtio_blk_load_device over the device's request list (`rq`). */
export const vmstate_info_virtio_blk_requests: VMStateInfo = {
  name: 'virtio-blk requests',
  recordsOwnLeaves: true,
  put(w: Writer, _v: unknown, el: ElementCtx) {
    const rq = (el.state.rq as BlkRequest[] | undefined) ?? [];
    const nvqs = Number(el.ctx.props['num-queues']);
    const leaf = leafRecorder(el, () => w.offset);
    rq.forEach((q, i) =>
      leaf(['rq', i], () => {
        w.u8(1);
        if (nvqs > 1) w.u32(q.vq_idx);
        putElement(w, q);
        if (packed(el)) w.u32(q.ndescs);
      }),
    );
    w.u8(0);
  },
  get(r: Reader, _current: unknown, el: ElementCtx) {
    const nvqs = Number(el.ctx.props['num-queues']);
    const rq: BlkRequest[] = [];
    const leaf = leafRecorder(el, () => r.offset);
    for (let i = 0; ; i++) {
      if (r.i8('request marker') === 0) break;
      leaf(['rq', i], () => {
        let vq_idx = 0;
        if (nvqs > 1) {
          const at = r.offset;
          vq_idx = r.u32('request queue index');
          if (vq_idx >= nvqs) {
            throw new VmError({
              kind: 'post-load-failed',
              message: `${el.vmsd.name}:virtio: a request names queue ${vq_idx}; the destination has ${nvqs}`,
              offset: at,
              errno: EINVAL,
              qemu: [`Invalid virtqueue index in request list: 0x${vq_idx.toString(16)}`],
            });
          }
        }
        const e = getElement(r, el);
        const ndescs = packed(el) ? r.u32('ndescs') : 0;
        rq.push({ vq_idx, ...e, ndescs });
      });
    }
    // virtio_blk_load_device links each request at the head: the list comes out reversed
    el.state.rq = rq.reverse();
    return undefined;
  },
};

export const virtio_blk_spec = virtioSpec({
  device: { virtioId: 2, legacyDeviceId: 0x1001, classId: 0x0100, configLen: blkConfigLen },
  deviceFeatures,
  legacy: vmstate_info_virtio_blk_requests,
});

export const vmstate_virtio_blk: VMStateDescription = {
  name: 'virtio-blk',
  version_id: 2,
  minimum_version_id: 2,
  fields: [VMSTATE_SINGLE('virtio', virtioInfo(virtio_blk_spec))],
};

export function virtioBlk(opts: PciSlotOptions = {}): DeviceClass {
  return {
    name: 'virtio-blk',
    type: 'virtio-blk-device',
    parents: ['virtio-device', 'device'],
    proxy: virtioPciProxy('blk'),
    props: {
      ...virtioCommonProps(2),
      'num-queues': { type: 'uint16', default: 1 },
      'queue-size': { type: 'uint16', default: 256 },
      'config-wce': { type: 'bool', default: true },
      discard: { type: 'bool', default: true },
      'write-zeroes': { type: 'bool', default: true },
    },
    vmsd: vmstate_virtio_blk,
    idstr: pciIdstr(opts.slot ?? 4, 'virtio-blk'),
    instanceId: 0,
    reset(p) {
      const n = Number(p['num-queues']);
      return {
        virtio: virtioReset(virtio_blk_spec, p, new Uint8Array(blkConfigLen(p)), Array.from({ length: n }, () => Number(p['queue-size']))),
        rq: [],
      };
    },
    examples(p) {
      const busy = this.reset(p);
      const v = busy.virtio as VirtioState;
      Object.assign(v, { status: 0x0f, guest_features: hostFeatures(virtio_blk_spec, p), started: true });
      Object.assign(v.vq[0]!, { desc: 0x100000n, avail: 0x101000n, used: 0x102000n, last_avail_idx: 3 });
      busy.rq = [{ vq_idx: 0, index: 2, in_addr: [0x200000n], out_addr: [0x201000n, 0x202000n], in_len: [1n], out_len: [16n, 512n], ndescs: 0 }];
      return [this.reset(p), busy];
    },
  };
}
