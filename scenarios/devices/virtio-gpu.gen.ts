/**
 * Arbitraries for virtio-gpu's custom codecs (spec §8.4, §9.1), within what
 * the device's loader and post_load accept:
 *
 *   - 0..3 2D resources with distinct non-zero ids, 1..8 × 1..8 pixels so
 *     the pixel data (width × 4 × height) stays small, formats from
 *     VIRTIO_GPU_2D_FORMATS, a few iov entries;
 *   - 0..3 blob resources when the `blob` property is on (ids distinct from
 *     the 2D ones: QEMU keeps both in one list);
 *   - the `virtio-gpu-scanouts` VMSD found inline in the codec and walked
 *     generically, then each scanout made consistent: resource_id is 0 or
 *     an existing resource; where its fb.* members travel and fb.format ≠ 0
 *     they pass the 9.0 set-scanout check (valid format, bytes_pp 4,
 *     rectangle inside fb.width × fb.height) and may show a blob; with
 *     fb.format 0 (or no fb.* on the wire) only a 2D resource can be shown.
 *
 * A scanout picks its resource by index (modulo the list), so shrinking the
 * resource list keeps every scanout valid.
 */
import fc, { type Arbitrary } from 'fast-check';
import type { CustomArbitrary, CustomContext, DeviceGen, StatePatch } from '../../src/gen/index.js';
import { nestedVersion } from '../../src/vmstate/field.js';
import type { State, VMStateDescription } from '../../src/vmstate/types.js';
import { virtioArbitrary } from '../common/virtio.gen.js';
import { VIRTIO_GPU_2D_FORMATS, type GpuBlobResource, type GpuResource } from './virtio-gpu.js';

const MAX_RESOURCES = 3;
const MAX_SIDE = 8;
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const iovArbitrary = fc.array(fc.record({ addr: fc.bigInt(0n, 2n ** 64n - 1n), length: u32 }), { maxLength: 3 });

const resourceArbitrary: Arbitrary<GpuResource> = fc
  .record({
    resource_id: fc.integer({ min: 1, max: 0xffffffff }),
    width: fc.integer({ min: 1, max: MAX_SIDE }),
    height: fc.integer({ min: 1, max: MAX_SIDE }),
    format: fc.constantFrom(...VIRTIO_GPU_2D_FORMATS),
    iov: iovArbitrary,
    pixels: fc.uint8Array({ minLength: MAX_SIDE * 4 * MAX_SIDE, maxLength: MAX_SIDE * 4 * MAX_SIDE }),
  })
  .map(({ pixels, ...r }) => ({ ...r, data: pixels.slice(0, r.width * 4 * r.height) }));

const blobArbitrary: Arbitrary<GpuBlobResource> = fc.record({
  resource_id: fc.integer({ min: 1, max: 0xffffffff }),
  blob_size: u32,
  iov: iovArbitrary,
});

/** How one scanout shows a resource. `pick` indexes the resource list (modulo its length). */
type Shape =
  | { kind: 'off' }
  | { kind: 'legacy'; pick: number }
  | { kind: 'fb'; pick: number; format: number; fbw: number; fbh: number; x: number; y: number; w: number; h: number };

function shapeArbitrary(fb: boolean): Arbitrary<Shape> {
  const off = fc.constant<Shape>({ kind: 'off' });
  const legacy = fc.record({ kind: fc.constant('legacy' as const), pick: fc.nat() });
  if (!fb) return fc.oneof({ withCrossShrink: true }, off, legacy);
  const framebuffer = fc.record({
    kind: fc.constant('fb' as const),
    pick: fc.nat(),
    format: fc.constantFrom(...VIRTIO_GPU_2D_FORMATS),
    fbw: fc.integer({ min: 1, max: 0xffffffff }),
    fbh: fc.integer({ min: 1, max: 0xffffffff }),
    // fractions of the room left, applied in scanoutOf
    x: u32,
    y: u32,
    w: u32,
    h: u32,
  });
  return fc.oneof({ withCrossShrink: true }, off, legacy, framebuffer);
}

const INT32_MAX = 0x7fffffff;

function scanoutOf(generic: State, shape: Shape, resources: GpuResource[], blobs: GpuBlobResource[]): State {
  const so = { ...generic };
  if (shape.kind === 'off') {
    so.resource_id = 0;
    return so;
  }
  if (shape.kind === 'legacy') {
    so.resource_id = resources.length ? resources[shape.pick % resources.length]!.resource_id : 0;
    if ('fb.format' in so) so['fb.format'] = 0;
    return so;
  }
  const pool = [...resources, ...blobs];
  so.resource_id = pool.length ? pool[shape.pick % pool.length]!.resource_id : 0;
  const x = shape.x % (Math.min(shape.fbw, INT32_MAX) + 1);
  const y = shape.y % (Math.min(shape.fbh, INT32_MAX) + 1);
  Object.assign(so, {
    x,
    y,
    width: shape.w % (shape.fbw - x + 1),
    height: shape.h % (shape.fbh - y + 1),
    'fb.format': shape.format,
    'fb.bytes_pp': 4,
    'fb.width': shape.fbw,
    'fb.height': shape.fbh,
  });
  return so;
}

function findScanouts(ctx: CustomContext): { scanouts: VMStateDescription; version: number; one: VMStateDescription; oneVersion: number } {
  const found = ctx.inline.find((x) => x.vmsd.name === 'virtio-gpu-scanouts');
  const field = found?.vmsd.fields.find((f) => f.name === 'parent_obj.scanout');
  if (!found || !field?.vmsd) {
    throw new Error(`virtio-gpu generator: the '${ctx.field.name}' codec saved no virtio-gpu-scanouts VMSD with a parent_obj.scanout array`);
  }
  return { scanouts: found.vmsd, version: found.version, one: field.vmsd, oneVersion: nestedVersion(field) };
}

/** The `virtio-gpu` codec (no member): resources, blob resources (they are shown by scanouts too) and the scanouts VMSD's members. */
export const virtioGpuArbitrary: CustomArbitrary = (ctx) => {
  const { scanouts, version, one, oneVersion } = findScanouts(ctx);
  const device = ctx.resetState;
  const members = scanouts.fields.map((f) => f.member).filter((m): m is string => m !== null);
  const base: State = Object.fromEntries(members.filter((m) => m in device).map((m) => [m, device[m]]));
  const resetScanouts = (device['parent_obj.scanout'] as State[] | undefined) ?? [];
  const fbOnWire = resetScanouts.length > 0 && ctx.wireMembers(one, oneVersion, resetScanouts[0]!).has('fb.format');
  const blobOn = ctx.props.blob === true;
  return fc
    .record({
      resources: fc.uniqueArray(resourceArbitrary, { selector: (r) => r.resource_id, maxLength: MAX_RESOURCES }),
      blobs: blobOn ? fc.uniqueArray(blobArbitrary, { selector: (r) => r.resource_id, maxLength: MAX_RESOURCES }) : fc.constant<GpuBlobResource[]>([]),
      generic: ctx.struct(scanouts, version, base),
      shapes: fc.array(shapeArbitrary(fbOnWire), { minLength: resetScanouts.length, maxLength: resetScanouts.length }),
    })
    .map(({ resources, blobs, generic, shapes }): StatePatch => {
      const ids = new Set(resources.map((r) => r.resource_id));
      const blob_resources = blobs.filter((b) => !ids.has(b.resource_id));
      const list = (generic['parent_obj.scanout'] as State[] | undefined) ?? [];
      const scanout = list.map((so, i) => (shapes[i] ? scanoutOf(so, shapes[i]!, resources, blob_resources) : so));
      const patch: StatePatch = { ...generic, resources, 'parent_obj.scanout': scanout };
      if (blobOn) patch.blob_resources = blob_resources;
      return patch;
    });
};

/** The `blob` codec's member (blob_resources) comes with the resources above, which scanouts must agree with. */
const blobArbitraryPatch: CustomArbitrary = () => fc.constant({});

export const virtioGpuGen: DeviceGen = {
  custom: {
    virtio: virtioArbitrary,
    'virtio-gpu': virtioGpuArbitrary,
    blob: blobArbitraryPatch,
  },
};
