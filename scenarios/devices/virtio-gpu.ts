/**
 * virtio-gpu (hw/display/virtio-gpu.c, virtio-gpu-base.c): the device state
 * QEMU saves through its custom `virtio-gpu` saver — the 2D resource list,
 * then the `virtio-gpu-scanouts` VMSD inline with no header and no version —
 * and, from 8.2, the `virtio-gpu/blob` subsection and a post_load that
 * restores the scanouts.
 *
 * The scanout VMSD is where QEMU 9.0.0 broke migration (spec §9.1):
 *   8.2.0   virtio-gpu-one-scanout v1, 10 fields (40 bytes)
 *   9.0.0   v2 / min 1, six fb.* fields gated by version 2: always 64 bytes,
 *           since a nested struct is processed at its own local version
 *   9.0.1   back to v1; the fb.* fields gated by a test on the device property
 *           x-scanout-vmstate-version, which hw_compat_8_2 sets to 1
 *
 * Variants by release: 7.2.0–8.1.0 '7.2' (no blob subsection, no
 * post_load), 8.2.0 '8.2', 9.0.0 '9.0.0', 9.0.1 and later '9.0.1'. The
 * blob subsection is f66767f75c9c "virtio-gpu: add virtio-gpu/blob vmstate
 * subsection" (Marc-André Lureau's PULL 09/10 of 2023-11-06, 8.2 cycle).
 *
 * The PCI proxy is virtio-gpu-pci: modern-only (device 1af4:1050,
 * revision 1, class 0380), 3 MSI-X vectors, two queues (control 64,
 * cursor 16) and a 16-byte config space.
 */
import { EINVAL, VmError } from '../../src/wire/errors.js';
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import {
  VMSTATE_INT32,
  VMSTATE_SINGLE,
  VMSTATE_STRUCT_VARRAY_UINT32,
  VMSTATE_UINT32,
  VMSTATE_UINT32_EQUAL,
  VMSTATE_UINT32_TEST,
  VMSTATE_UINT32_V,
} from '../../src/vmstate/dsl.js';
import type { ElementCtx, FieldExists, PostLoadFailure, Props, State, VMStateDescription, VMStateField, VMStateInfo } from '../../src/vmstate/types.js';
import type { DeviceClass } from '../../src/machine/types.js';
import { pciIdstr, type PciSlotOptions } from '../common/pci.js';
import { hostFeatures, leafRecorder, type VirtioState, virtioCommonProps, virtioInfo, virtioReset, virtioSpec, virtioPciProxy, type VirtioSpec } from '../common/virtio.js';

export type VirtioGpuVariant = '7.2' | '8.2' | '9.0.0' | '9.0.1';

/** virtio spec 2D formats QEMU accepts (virtio_gpu_get_pixman_format). */
export const VIRTIO_GPU_2D_FORMATS = [1, 2, 3, 4, 67, 68, 121, 134] as const;

export interface GpuResource extends State {
  resource_id: number;
  width: number;
  height: number;
  format: number;
  iov: { addr: bigint; length: number }[];
  data: Uint8Array;
}

export interface GpuBlobResource extends State {
  resource_id: number;
  blob_size: number;
  iov: { addr: bigint; length: number }[];
}

const SCANOUT_BASE = [
  'resource_id',
  'width',
  'height',
  'x',
  'y',
  'cursor.resource_id',
  'cursor.hot_x',
  'cursor.hot_y',
  'cursor.pos.x',
  'cursor.pos.y',
] as const;
const SCANOUT_FB = ['fb.format', 'fb.bytes_pp', 'fb.width', 'fb.height', 'fb.stride', 'fb.offset'] as const;

/** 9.0.1's test: it reads the owning device's property, not the scanout. */
const scanout_vmstate_after_v2: FieldExists = (_s, _v, ctx) => Number(ctx.props['x-scanout-vmstate-version']) >= 2;

function scanoutFields(variant: VirtioGpuVariant): VMStateField[] {
  const base = [
    VMSTATE_UINT32('resource_id'),
    VMSTATE_UINT32('width'),
    VMSTATE_UINT32('height'),
    VMSTATE_INT32('x'),
    VMSTATE_INT32('y'),
    VMSTATE_UINT32('cursor.resource_id'),
    VMSTATE_UINT32('cursor.hot_x'),
    VMSTATE_UINT32('cursor.hot_y'),
    VMSTATE_UINT32('cursor.pos.x'),
    VMSTATE_UINT32('cursor.pos.y'),
  ];
  if (variant === '9.0.0') return [...base, ...SCANOUT_FB.map((f) => VMSTATE_UINT32_V(f, 2))];
  if (variant === '9.0.1') return [...base, ...SCANOUT_FB.map((f) => VMSTATE_UINT32_TEST(f, scanout_vmstate_after_v2))];
  return base;
}

export function vmstate_virtio_gpu_scanout(variant: VirtioGpuVariant): VMStateDescription {
  return variant === '9.0.0'
    ? { name: 'virtio-gpu-one-scanout', version_id: 2, minimum_version_id: 1, fields: scanoutFields(variant) }
    : { name: 'virtio-gpu-one-scanout', version_id: 1, fields: scanoutFields(variant) };
}

export function vmstate_virtio_gpu_scanouts(variant: VirtioGpuVariant): VMStateDescription {
  return {
    name: 'virtio-gpu-scanouts',
    version_id: 1,
    fields: [
      VMSTATE_INT32('parent_obj.enable'),
      VMSTATE_UINT32_EQUAL('parent_obj.conf.max_outputs'),
      VMSTATE_STRUCT_VARRAY_UINT32('parent_obj.scanout', 'parent_obj.conf.max_outputs', 1, vmstate_virtio_gpu_scanout(variant)),
    ],
  };
}

function einval(r: Reader, el: ElementCtx, message: string): VmError {
  return new VmError({ kind: 'post-load-failed', message: `virtio-gpu: ${message}`, offset: r.offset, errno: EINVAL, path: el.field.name, qemu: [] });
}

/** The custom `virtio-gpu` codec: resources, a 0 terminator, then the scanouts VMSD (loaded at version 1). */
function vmstate_info_virtio_gpu(variant: VirtioGpuVariant): VMStateInfo {
  return virtioGpuCodec(vmstate_virtio_gpu_scanouts(variant));
}

/**
 * virtio_gpu_save / virtio_gpu_load around a `virtio-gpu-scanouts` VMSD
 * (the hand model's, or the one extracted from a tree).
 */
export function virtioGpuCodec(scanouts: VMStateDescription): VMStateInfo {
  return {
    name: 'virtio-gpu',
    recordsOwnLeaves: true,
    nested: [scanouts],
    put(w: Writer, _v: unknown, el: ElementCtx) {
      const resources = (el.state.resources as GpuResource[]) ?? [];
      const leaf = leafRecorder(el, () => w.offset);
      resources.forEach((res, i) =>
        leaf(['resources', i], () => {
          w.u32(res.resource_id);
          w.u32(res.width);
          w.u32(res.height);
          w.u32(res.format);
          w.u32(res.iov.length);
          for (const iov of res.iov) {
            w.u64(iov.addr);
            w.u32(iov.length);
          }
          w.bytes(res.data);
        }),
      );
      w.u32(0);
      el.ctx.saveNested(w, scanouts, el.state, scanouts.version_id, el.at);
    },
    get(r: Reader, _current: unknown, el: ElementCtx) {
      const resources: GpuResource[] = [];
      for (let i = 0; ; i++) {
        const start = r.offset;
        const id = r.u32('resource_id');
        if (id === 0) break;
        const width = r.u32('resource width');
        const height = r.u32('resource height');
        const format = r.u32('resource format');
        if (resources.some((x) => x.resource_id === id)) throw einval(r, el, `resource ${id} appears twice`);
        if (!(VIRTIO_GPU_2D_FORMATS as readonly number[]).includes(format)) throw einval(r, el, `resource ${id} has unknown format ${format}`);
        const n = r.u32('iov_cnt');
        const iov = [];
        for (let k = 0; k < n; k++) iov.push({ addr: r.u64('iov addr'), length: r.u32('iov len') });
        const data = r.bytes(width * 4 * height, `resource ${id} pixels`);
        resources.push({ resource_id: id, width, height, format, iov, data });
        el.ctx.record({ keys: [...el.at, 'resources', i], vmsd: el.vmsd.name, field: el.field.name, offset: start, size: r.offset - start, what: 'field' });
      }
      el.state.resources = resources;
      el.ctx.loadNested(r, scanouts, el.state, 1, el.at);
      return undefined;
    },
  };
}

/** The `blob` codec of the virtio-gpu/blob subsection (8.2+). */
export const vmstate_info_virtio_gpu_blob: VMStateInfo = {
  name: 'blob',
  put(w: Writer, _v: unknown, el: ElementCtx) {
    for (const b of (el.state.blob_resources as GpuBlobResource[]) ?? []) {
      w.u32(b.resource_id);
      w.u32(b.blob_size);
      w.u32(b.iov.length);
      for (const iov of b.iov) {
        w.u64(iov.addr);
        w.u32(iov.length);
      }
    }
    w.u32(0);
  },
  get(r: Reader, _current: unknown, el: ElementCtx) {
    const blobs: GpuBlobResource[] = [];
    for (;;) {
      const id = r.u32('blob resource_id');
      if (id === 0) break;
      const blob_size = r.u32('blob_size');
      const n = r.u32('blob iov_cnt');
      const iov = [];
      for (let k = 0; k < n; k++) iov.push({ addr: r.u64('iov addr'), length: r.u32('iov len') });
      blobs.push({ resource_id: id, blob_size, iov });
    }
    return blobs;
  },
};

/** virtio_gpu_post_load (8.2+): every shown scanout must name a resource the stream brought. */
function postLoad(variant: VirtioGpuVariant) {
  return (s: State): PostLoadFailure | void => {
    const resources = (s.resources as GpuResource[]) ?? [];
    const blobs = (s.blob_resources as GpuBlobResource[]) ?? [];
    const scanouts = (s['parent_obj.scanout'] as State[]) ?? [];
    for (let i = 0; i < scanouts.length; i++) {
      const so = scanouts[i]!;
      const id = Number(so.resource_id);
      if (id === 0) continue;
      const res = resources.find((x) => x.resource_id === id);
      const blob = blobs.find((x) => x.resource_id === id);
      if (!res && !blob) return { errno: EINVAL, message: `scanout ${i} shows resource ${id}, which does not exist` };
      if (variant !== '8.2' && Number(so['fb.format']) !== 0) {
        // the full set-scanout path: the scanout rectangle must lie inside the framebuffer
        const fbw = Number(so['fb.width']);
        const fbh = Number(so['fb.height']);
        const x = Number(so.x);
        const y = Number(so.y);
        if (!(VIRTIO_GPU_2D_FORMATS as readonly number[]).includes(Number(so['fb.format'])) || Number(so['fb.bytes_pp']) !== 4) {
          return { errno: EINVAL, message: `scanout ${i}: framebuffer format ${String(so['fb.format'])} / bytes_pp ${String(so['fb.bytes_pp'])} is not valid` };
        }
        if (x < 0 || y < 0 || x + Number(so.width) > fbw || y + Number(so.height) > fbh) {
          return { errno: EINVAL, message: `scanout ${i}: rectangle ${so.width}x${so.height}+${x}+${y} lies outside the ${fbw}x${fbh} framebuffer` };
        }
      } else if (!res) {
        return { errno: EINVAL, message: `scanout ${i} shows blob resource ${id} without a framebuffer` };
      }
    }
  };
}

const VIRTIO_GPU_F_EDID = 1n;
const VIRTIO_GPU_F_RESOURCE_BLOB = 3n;

/** virtio_gpu_base_get_features without virgl (a plain virtio-gpu-device). */
function deviceFeatures(props: Props): bigint {
  let f = 0n;
  if (props.edid !== false) f |= 1n << VIRTIO_GPU_F_EDID;
  if (props.blob === true) f |= 1n << VIRTIO_GPU_F_RESOURCE_BLOB;
  return f;
}

/** virtio-gpu-pci: VIRTIO_ID_GPU 16, modern-only, PCI_CLASS_DISPLAY_OTHER. */
export const virtio_gpu_spec: VirtioSpec = virtioSpec({
  device: { virtioId: 16, classId: 0x0380, configLen: () => 16 },
  deviceFeatures,
});

export function vmstate_virtio_gpu(variant: VirtioGpuVariant): VMStateDescription {
  const withBlob = variant !== '7.2';
  return {
    name: 'virtio-gpu',
    version_id: 1,
    minimum_version_id: 1,
    fields: [VMSTATE_SINGLE('virtio', virtioInfo(virtio_gpu_spec)), VMSTATE_SINGLE('virtio-gpu', vmstate_info_virtio_gpu(variant), 0, null)],
    subsections: withBlob
      ? [
          {
            name: 'virtio-gpu/blob',
            version_id: 1,
            minimum_version_id: 1,
            needed: (_s, ctx) => ctx.props.blob === true,
            fields: [VMSTATE_SINGLE('virtio-gpu/blob', vmstate_info_virtio_gpu_blob, 0, 'blob_resources')],
          },
        ]
      : [],
    post_load: withBlob ? postLoad(variant) : undefined,
  };
}

function blankScanout(variant: VirtioGpuVariant): State {
  const s: State = {};
  for (const k of SCANOUT_BASE) s[k] = 0;
  if (variant === '9.0.0' || variant === '9.0.1') for (const k of SCANOUT_FB) s[k] = 0;
  return s;
}

/** The release's variant of virtio-gpu. */
export function virtioGpuVariant(release: string): VirtioGpuVariant {
  const [a, b, c] = release.split('.').map(Number) as [number, number, number];
  const v = a * 10000 + b * 100 + c;
  if (v >= 90001) return '9.0.1';
  if (v >= 90000) return '9.0.0';
  if (v >= 80200) return '8.2';
  return '7.2';
}

export { pciIdstr, type PciSlotOptions } from '../common/pci.js';

export function virtioGpu(variant: VirtioGpuVariant, opts: PciSlotOptions = {}): DeviceClass {
  const props: DeviceClass['props'] = {
    ...virtioCommonProps(3, { modernOnly: true }),
    max_outputs: { type: 'uint32', default: 1 },
    edid: { type: 'bool', default: true },
    blob: { type: 'bool', default: false },
  };
  if (variant === '9.0.1') props['x-scanout-vmstate-version'] = { type: 'uint8', default: 2 };
  return {
    name: 'virtio-gpu',
    type: 'virtio-gpu-device',
    parents: ['virtio-gpu-base', 'virtio-device', 'device'],
    proxy: virtioPciProxy('gpu'),
    props,
    vmsd: vmstate_virtio_gpu(variant),
    idstr: pciIdstr(opts.slot ?? 2, 'virtio-gpu'),
    instanceId: 0,
    reset(p) {
      const max = Number(p.max_outputs);
      // vdev->config holds what the guest last read (get_config fills it on access): zeros until then
      return {
        virtio: virtioReset(virtio_gpu_spec, p, new Uint8Array(16), [64, 16]),
        resources: [],
        blob_resources: [],
        'parent_obj.enable': 0,
        'parent_obj.conf.max_outputs': max,
        'parent_obj.scanout': Array.from({ length: max }, () => blankScanout(variant)),
      };
    },
    examples(p) {
      const quiet = this.reset(p);
      const shown = this.reset(p);
      const data = new Uint8Array(4 * 4 * 2).map((_, i) => (i * 7) & 0xff);
      shown.resources = [{ resource_id: 1, width: 4, height: 2, format: 1, iov: [{ addr: 0x100000n, length: 32 }], data }];
      shown['parent_obj.enable'] = 1;
      const so = (shown['parent_obj.scanout'] as State[])[0]!;
      Object.assign(so, { resource_id: 1, width: 4, height: 2, 'cursor.pos.x': 3, 'cursor.pos.y': 1 });
      if ('fb.format' in so) Object.assign(so, { 'fb.format': 1, 'fb.bytes_pp': 4, 'fb.width': 4, 'fb.height': 2, 'fb.stride': 16 });
      const v = shown.virtio as VirtioState;
      new DataView(v.config.buffer).setUint32(8, Number(p.max_outputs), true); // num_scanouts as the guest read it
      Object.assign(v, { status: 0x0f, guest_features: hostFeatures(virtio_gpu_spec, p), started: true });
      return [quiet, shown];
    },
  };
}
