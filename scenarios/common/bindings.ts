/**
 * The hand-written codecs an extracted release uses, keyed by the C name
 * of the VMStateInfo they stand for (src/source/release/bindings.ts).
 * A codec missing here makes the cases of every device that uses it
 * unverifiable: they are reported, never passed.
 *
 *   vmstate_info_pci_config     the config space (256 or 4096 bytes, the
 *                               field's size) and get_pci_config_device's
 *                               check, against a generic endpoint's header
 *                               masks: what a device's realize adds (BARs,
 *                               capabilities, its ids) is not in the source
 *                               model, so those bytes stay at reset
 *   vmstate_info_pci_irq_state  four be32 pin levels, each 0 or 1
 *   virtio_vmstate_info         the virtio core (virtio.ts) behind its
 *                               x86 PCI proxy, with the realize facts of
 *                               virtio-realize.ts and vdc->vmsd extracted
 *   virtio_gpu_load             virtio-gpu's saver (resources, then the
 *                               tree's own `virtio-gpu-scanouts` VMSD)
 *   virtio_gpu_blob_load        virtio-gpu/blob's blob resource list
 *   vmstate_info_msix           the MSI-X table and pending bits of the
 *                               PCIDevice (msix.ts), as many vectors as
 *                               the class's realize gives it
 *                               (msix-realize.ts)
 *   vmstate_info_bitmap         VMSTATE_BITMAP: be64 words of a bitmap
 *                               whose size member counts bits (bitmap.ts)
 *   vmstate_info_scsi_requests  a SCSI device's request queue, empty only
 *                               (scsi-requests.ts)
 *   shpc_vmstate_info           a bridge's SHPC register block, raw (shpc.ts)
 *   vmstate_hack_uint32_as_uint16  fw_cfg's v1 `cur_offset` (be16 into a
 *                               32-bit member; only loads, QEMU refuses to
 *                               save with it)
 */
import fc from 'fast-check';
import { VmError } from '../../src/wire/errors.js';
import type { CodecTable } from '../../src/source/release/bindings.js';
import type { VMStateDescription, VMStateInfo } from '../../src/vmstate/types.js';
import { PCIE_CONFIG_SPACE_SIZE, pci_register_device, vmstate_pci_device, pciLayout, type PciConfigInfo } from './pci.js';
import { pciConfigArbitrary } from './pci.gen.js';
import { virtioCommonProps, virtioInfo, virtioReset, type VirtioSpec } from './virtio.js';
import { virtioArbitrary } from './virtio.gen.js';
import { virtioBlocked, virtioRealize } from './virtio-realize.js';
import { virtioGpuCodec, vmstate_info_virtio_gpu_blob } from '../devices/virtio-gpu.js';
import { virtioGpuArbitrary } from '../devices/virtio-gpu.gen.js';
import { vmstate_hack_uint32_as_uint16 } from '../devices/platform/fw_cfg.js';
import { vmstate_info_msix } from './msix.js';
import { bitmapArbitrary, vmstate_info_bitmap } from './bitmap.js';
import { shpcArbitrary, shpcReset, shpc_vmstate_info } from './shpc.js';
import { scsiRequestsArbitrary, vmstate_info_scsi_requests } from './scsi-requests.js';
import { msixRealize } from './msix-realize.js';
import { msixCustom } from './pci.gen.js';
import { msixResetTable } from './pci.js';

/** One VirtioSpec per (device, tree VMSD): virtioInfo keys its codec by the spec. */
const virtioSpecs = new WeakMap<object, Map<string, VirtioSpec>>();
function treeSpec(base: VirtioSpec, vmsd: VMStateDescription | undefined): VirtioSpec {
  const key = vmsd ?? base;
  let m = virtioSpecs.get(key);
  if (!m) virtioSpecs.set(key, (m = new Map()));
  let s = m.get(base.device.virtioId.toString());
  if (!s) m.set(base.device.virtioId.toString(), (s = { ...base, vmsd }));
  return s;
}

const generic = (express: boolean) => pci_register_device({ vendor_id: 0, device_id: 0, revision: 0, class_id: 0, subsystem_vendor_id: 0, subsystem_id: 0 }, express);
const layouts = { pci: pciLayout(() => generic(false)), pcie: pciLayout(() => generic(true)) };
const pciVmsd = { pci: vmstate_pci_device(layouts.pci), pcie: vmstate_pci_device(layouts.pcie) };

/** The hand model's `pci config` codec for a config space of `size` bytes. */
function configCodec(size: number): { info: VMStateInfo; express: boolean } {
  const express = size === PCIE_CONFIG_SPACE_SIZE;
  const f = pciVmsd[express ? 'pcie' : 'pci'].fields.find((x) => x.name === 'config' && x.size === size)!;
  return { info: f.info as PciConfigInfo, express };
}

const irqInfo = pciVmsd.pci.fields.find((f) => f.name === 'irq_state')!.info!;

/** A codec that never runs in the cases' configuration: using it is a typed error naming why. */
function refusing(name: string, why: string): VMStateInfo {
  const fail = (): never => {
    throw new VmError({ kind: 'bad-input', message: `${name}: ${why}, which the model does not have` });
  };
  return { name, put: fail, get: fail };
}

export const codecs: CodecTable = {
  vmstate_info_pci_config: (f) => {
    if (f.size !== 256 && f.size !== PCIE_CONFIG_SPACE_SIZE) return null;
    const { info, express } = configCodec(f.size);
    const d = generic(express);
    return {
      info: { ...info, name: `pci config ${f.size}` },
      // only the config field that exists for these properties generates (the other size is never on the wire)
      arbitrary: (ctx) =>
        ctx.field.field_exists && !ctx.field.field_exists(ctx.resetState, ctx.version, { props: ctx.props, device: ctx.deviceReset } as never)
          ? fc.constant({})
          : fc.record({ [ctx.field.member!]: pciConfigArbitrary(d, new Uint8Array(d.size)) }),
      note: 'config space checked against a generic endpoint header (the device realize adds nothing the model knows)',
    };
  },
  virtio_vmstate_info: (_f, ctx) => {
    const r = virtioRealize[ctx.device];
    if (!r) {
      const b = virtioBlocked[ctx.device];
      if (b) return `${ctx.device} never migrates: ${b.why} (scenarios/common/virtio-realize.ts virtioBlocked)`;
      return `no realize facts for ${ctx.device} (queues, config length, proxy ids) in scenarios/common/virtio-realize.ts`;
    }
    let vmsd: VMStateDescription | undefined;
    if (r.deviceVmsd) {
      vmsd = ctx.vmsd(r.deviceVmsd);
      if (!vmsd) return `vdc->vmsd ${r.deviceVmsd} of ${ctx.device} is not in the tree`;
    }
    const tree = { props: ctx.props, proxyProps: ctx.classProps(r.proxy[0]!) };
    const spec = treeSpec(typeof r.spec === 'function' ? r.spec(tree) : r.spec, vmsd);
    const modernOnly = spec.device.legacyDeviceId === undefined;
    return {
      info: virtioInfo(spec),
      member: 'virtio',
      arbitrary: virtioArbitrary,
      props: virtioCommonProps(typeof r.vectors === 'function' ? r.vectors(tree) : r.vectors, { modernOnly }),
      ...(r.realized ? { realized: r.realized } : {}),
      parents: r.proxy,
      deviceVmsds: vmsd ? [vmsd] : [],
      reset: (p) => virtioReset(spec, p, new Uint8Array(spec.device.configLen(p)), r.queues(p)),
      note: 'virtio core and PCI proxy hand-written (scenarios/common/virtio.ts), realize facts from scenarios/common/virtio-realize.ts',
    };
  },
  virtio_gpu_load: (_f, ctx) => {
    const scanouts = ctx.vmsd('virtio-gpu-scanouts');
    if (!scanouts) return 'the tree has no virtio-gpu-scanouts VMSD';
    return { info: virtioGpuCodec(scanouts), arbitrary: virtioGpuArbitrary, deviceVmsds: [scanouts] };
  },
  // the blob resources come with virtio_gpu_load's arbitrary (scanouts must agree with them)
  virtio_gpu_blob_load: () => ({ info: vmstate_info_virtio_gpu_blob, member: 'blob_resources', reset: () => [], arbitrary: () => fc.constant({}) }),
  vmstate_info_msix: (_f, ctx) => {
    const r = msixRealize[ctx.device];
    if (!r) return `no MSI-X vector count for ${ctx.device} (what its realize passes msix_init) in scenarios/common/msix-realize.ts`;
    return {
      info: vmstate_info_msix,
      arbitrary: msixCustom,
      structReset: (p) => {
        const n = r.vectors(p);
        return n ? { msix_table: msixResetTable(n), msix_pba: new Uint8Array((n + 7) >> 3) } : {};
      },
      note: `MSI-X vector count from realize (${r.from})`,
    };
  },
  // virtio-net-device/backend: needed only when the vhost-user back-end migrates its own state; the cases have no vhost-user back-end
  vhost_user_net_load_state: () => ({ info: refusing('virtio-net vhost-user backend state', 'needs a vhost-user back-end'), absent: 'the back-end state of a vhost-user net device; the cases run without a vhost-user back-end' }),
  vmstate_info_bitmap: () => ({ info: vmstate_info_bitmap, arbitrary: bitmapArbitrary }),
  // SCSIDevice's queued requests: only the empty queue (scsi-requests.ts); the field has offset 0 and no member of its own
  vmstate_info_scsi_requests: () => ({ info: vmstate_info_scsi_requests, member: 'requests', reset: () => [], arbitrary: scsiRequestsArbitrary, note: 'SCSI request queue carried empty (no HBA or device save_request modelled: no I/O in flight at switch-over)' }),
  // the SHPC register block of pci-bridge / pcie-pci-bridge: raw bytes, SHPC_SLOT_REG(SHPC_MAX_SLOTS) long (shpc.ts)
  shpc_vmstate_info: () => ({ info: shpc_vmstate_info, arbitrary: shpcArbitrary, reset: shpcReset, note: 'SHPC registers raw (shpc_load checks nothing); reset as zeros, shpc_reset not modelled' }),
  // a v2 save never reaches it (the field exists only at version 1): nothing to generate
  vmstate_hack_uint32_as_uint16: () => ({ info: vmstate_hack_uint32_as_uint16, arbitrary: () => fc.constant({}) }),
  vmstate_info_pci_irq_state: () => ({
    info: irqInfo,
    arbitrary: (ctx) => fc.record({ [ctx.field.member!]: fc.constantFrom(0, 1) }),
  }),
};
