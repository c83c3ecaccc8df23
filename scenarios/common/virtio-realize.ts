/**
 * What a virtio device's realize decides and no VMSD says, keyed by the
 * QOM type of the virtio device (the class an extracted release has): the
 * PCI proxy type it sits behind on x86 (ids, class, MSI-X vectors), its
 * queues (virtio_add_queue sizes), its config length (virtio_init), its
 * feature bits (get_features), and the VMSD named as vdc->vmsd. With these
 * the hand-written virtio core (virtio.ts) runs the device's extracted VMSDs.
 *
 * A virtio device missing here cannot be checked: its cases are incomplete
 * and name it.
 */
import type { PropDef } from '../../src/machine/types.js';
import type { Props } from '../../src/vmstate/types.js';
import { balloonQueues, virtio_balloon_spec } from '../devices/virtio-balloon.js';
import { virtio_blk_spec } from '../devices/virtio-blk.js';
import { virtio_gpu_spec } from '../devices/virtio-gpu.js';
import { virtio_net_specs } from '../devices/virtio-net.js';
import { virtio_rng_spec } from '../devices/virtio-rng.js';
import type { SourceFact } from './msix-realize.js';
import { virtioSpec, type VirtioSpec } from './virtio.js';

/** What a fact may read of the tree: the virtio device's properties and its x86 proxy's. */
export interface VirtioTree {
  props: Readonly<Record<string, PropDef>>;
  /** The proxy class's properties; undefined when the tree has no such class. */
  proxyProps: Readonly<Record<string, PropDef>> | undefined;
}

export interface VirtioRealize {
  /** The x86 proxy type and its ancestors (compat entries name them: `virtio-pci`). */
  proxy: string[];
  /** The core's view of the device: proxy ids and class, config length, feature bits (the hand models' specs where there is one). */
  spec: VirtioSpec | ((t: VirtioTree) => VirtioSpec);
  /** The proxy's `vectors` as realize leaves it under default properties (DEV_NVECTORS_UNSPECIFIED resolved). */
  vectors: number | ((t: VirtioTree) => number);
  /** virtio_add_queue sizes under these properties. */
  queues(p: Props): number[];
  /** vdc->vmsd by its name, extracted from the tree; absent: the device has none. */
  deviceVmsd?: string;
  /** Property defaults realize replaces (an `auto` num-queues becomes 1 with the cases' one vCPU). */
  realized?: Record<string, PropDef['default']>;
  /** Source lines of both trees that say so (test/source/realize-facts.test.ts finds them). */
  source?: readonly SourceFact[];
}

const proxyOf = (name: string) => [`virtio-${name}-pci`, `virtio-${name}-pci-base`, 'virtio-pci', 'pci-device'];

/* virtio-scsi (hw/scsi/virtio-scsi.c): VIRTIO_ID_SCSI 8, transitional 0x1004, PCI_CLASS_STORAGE_SCSI; VirtIOSCSIConfig is 9 × u32 */
const VIRTIO_SCSI_F_HOTPLUG = 1n;
const VIRTIO_SCSI_F_CHANGE = 2n;
export const virtio_scsi_spec = virtioSpec({
  device: { virtioId: 8, legacyDeviceId: 0x1004, classId: 0x0100, configLen: () => 36 },
  // virtio_scsi_get_features: the host_features bits of the hotplug and param_change properties
  deviceFeatures: (p) => (p.hotplug !== false ? 1n << VIRTIO_SCSI_F_HOTPLUG : 0n) | (p.param_change !== false ? 1n << VIRTIO_SCSI_F_CHANGE : 0n),
});

/*
 * virtio-input (hw/input/virtio-input.c, virtio-input-hid.c): VIRTIO_ID_INPUT 18, modern only
 * (virtio_pci_force_virtio_1), queues evt and sts of 64, no device feature bits, no vdc->vmsd; the
 * proxy class is PCI_CLASS_INPUT_KEYBOARD / _MOUSE, or _OTHER for the tablet (virtio-input-pci.c).
 * The config length is realize's: the largest config entry + 8 (virtio_input_device_realize), and
 * the keyboard's largest entry is its EV_KEY bitmap, sized by the keymap generated at build time
 * (not in the source tree); so the lengths are the ones the 7.2.22 and 10.0.2 binaries put in
 * their streams (keyboard 37, mouse and tablet 51), measured with `vmcompat qemu --keep-streams`.
 */
const inputSpec = (classId: number, len: number) =>
  virtioSpec({ device: { virtioId: 18, classId, configLen: () => len }, deviceFeatures: () => 0n });
const INPUT_SOURCE: SourceFact[] = [
  { file: 'hw/input/virtio-input.c', text: 'vinput->cfg_size += 8;' },
  { file: 'hw/input/virtio-input.c', text: 'vinput->evt = virtio_add_queue(vdev, 64, virtio_input_handle_evt);' },
  { file: 'hw/input/virtio-input.c', text: 'vinput->sts = virtio_add_queue(vdev, 64, virtio_input_handle_sts);' },
  { file: 'hw/virtio/virtio-input-pci.c', text: 'DEFINE_PROP_UINT32("vectors", VirtIOPCIProxy, nvectors, 2),' },
  { file: 'hw/virtio/virtio-input-pci.c', text: 'virtio_pci_force_virtio_1(vpci_dev);' },
];
const input = (name: string, classId: number, len: number): VirtioRealize => ({
  proxy: [`virtio-${name}-pci`, 'virtio-input-hid-pci', 'virtio-input-pci', 'virtio-pci', 'pci-device'],
  spec: inputSpec(classId, len),
  vectors: 2,
  queues: () => [64, 64],
  source: INPUT_SOURCE,
});
/*
 * virtio-9p (hw/9pfs/virtio-9p-device.c, hw/virtio/virtio-9p-pci.c): VIRTIO_ID_9P 9, transitional
 * PCI_DEVICE_ID_VIRTIO_9P 0x1009, the proxy's class_id 0x2 as QEMU sets it; the config is
 * struct virtio_9p_config (a be16/le16 tag_len) followed by the mount tag, so its length is
 * 2 + strlen(mount_tag); the one feature bit is VIRTIO_9P_MOUNT_TAG (0), always on.
 */
const VIRTIO_9P_MOUNT_TAG = 0n;
export const virtio_9p_spec = virtioSpec({
  device: { virtioId: 9, legacyDeviceId: 0x1009, classId: 0x2, configLen: (p) => 2 + Buffer.byteLength(String(p.mount_tag ?? ''), 'utf8') },
  deviceFeatures: () => 1n << VIRTIO_9P_MOUNT_TAG,
});

/*
 * virtio-iommu (hw/virtio/virtio-iommu.c, virtio-iommu-pci.c): VIRTIO_ID_IOMMU 23, modern only
 * (virtio_pci_force_virtio_1), class_id PCI_CLASS_OTHERS as QEMU writes it (0xff); the config is
 * struct virtio_iommu_config, 40 bytes (u64 page_size_mask, a 64-bit and a 32-bit range, u32
 * probe_size, u8 bypass, 3 reserved); get_features ORs in what realize put in s->features:
 * EVENT_IDX, INDIRECT_DESC, VERSION_1 and the IOMMU bits INPUT_RANGE, DOMAIN_RANGE, MAP_UNMAP,
 * MMIO, PROBE, BYPASS_CONFIG (0, 1, 2, 5, 4, 6). The proxy has no `vectors` property: no MSI-X.
 */
const IOMMU_FEATURES = [0n, 1n, 2n, 4n, 5n, 6n, 28n /* VIRTIO_RING_F_INDIRECT_DESC */, 29n /* VIRTIO_RING_F_EVENT_IDX */, 32n /* VIRTIO_F_VERSION_1 */].reduce((f, b) => f | (1n << b), 0n);
export const virtio_iommu_spec = virtioSpec({
  device: { virtioId: 23, classId: 0xff, configLen: () => 40 },
  deviceFeatures: () => IOMMU_FEATURES,
});

const PCI_CLASS_INPUT_KEYBOARD = 0x0900;
const PCI_CLASS_INPUT_MOUSE = 0x0902;
const PCI_CLASS_INPUT_OTHER = 0x0980;

export const virtioRealize: Readonly<Record<string, VirtioRealize>> = {
  'virtio-keyboard-device': input('keyboard', PCI_CLASS_INPUT_KEYBOARD, 37),
  'virtio-mouse-device': input('mouse', PCI_CLASS_INPUT_MOUSE, 51),
  'virtio-tablet-device': input('tablet', PCI_CLASS_INPUT_OTHER, 51),
  // virtio_9p_device_realize: one queue of MAX_REQ (128); virtio-9p-pci.c: 2 vectors; no vdc->vmsd (vmstate_virtio_9p is the core's alone)
  'virtio-9p-device': {
    proxy: proxyOf('9p'),
    spec: virtio_9p_spec,
    vectors: 2,
    queues: () => [128],
    source: [
      { file: 'hw/9pfs/virtio-9p-device.c', text: 'v->config_size = sizeof(struct virtio_9p_config) + strlen(s->fsconf.tag);' },
      { file: 'hw/9pfs/virtio-9p-device.c', text: 'virtio_init(vdev, VIRTIO_ID_9P, v->config_size);' },
      { file: 'hw/9pfs/virtio-9p-device.c', text: 'v->vq = virtio_add_queue(vdev, MAX_REQ, handle_9p_output);' },
      { file: 'hw/9pfs/9p.h', text: '#define MAX_REQ 128' },
      { file: 'hw/9pfs/virtio-9p-device.c', text: 'virtio_add_feature(&features, VIRTIO_9P_MOUNT_TAG);' },
      { file: 'hw/virtio/virtio-9p-pci.c', text: 'DEFINE_PROP_UINT32("vectors", VirtIOPCIProxy, nvectors, 2),' },
      { file: 'hw/virtio/virtio-9p-pci.c', text: 'pcidev_k->device_id = PCI_DEVICE_ID_VIRTIO_9P;' },
      { file: 'hw/virtio/virtio-9p-pci.c', text: 'pcidev_k->class_id = 0x2;' },
      { file: 'include/standard-headers/linux/virtio_9p.h', text: '__virtio16 tag_len;' },
    ],
  },
  // virtio_iommu_device_realize: request and event queues of VIOMMU_DEFAULT_QUEUE_SIZE (256); vdc->vmsd = vmstate_virtio_iommu_device
  'virtio-iommu-device': {
    proxy: proxyOf('iommu'),
    spec: virtio_iommu_spec,
    vectors: 0,
    queues: () => [256, 256],
    deviceVmsd: 'virtio-iommu-device',
    source: [
      { file: 'hw/virtio/virtio-iommu.c', text: 'virtio_init(vdev, VIRTIO_ID_IOMMU, sizeof(struct virtio_iommu_config));' },
      { file: 'hw/virtio/virtio-iommu.c', text: '#define VIOMMU_DEFAULT_QUEUE_SIZE 256' },
      { file: 'hw/virtio/virtio-iommu.c', text: 's->event_vq = virtio_add_queue(vdev, VIOMMU_DEFAULT_QUEUE_SIZE, NULL);' },
      { file: 'hw/virtio/virtio-iommu.c', text: 'virtio_add_feature(&s->features, VIRTIO_IOMMU_F_BYPASS_CONFIG);' },
      { file: 'hw/virtio/virtio-iommu.c', text: 'virtio_add_feature(&s->features, VIRTIO_IOMMU_F_MMIO);' },
      { file: 'hw/virtio/virtio-iommu.c', text: 'vdc->vmsd = &vmstate_virtio_iommu_device;' },
      { file: 'hw/virtio/virtio-iommu-pci.c', text: 'virtio_pci_force_virtio_1(vpci_dev);' },
      { file: 'hw/virtio/virtio-iommu-pci.c', text: 'pcidev_k->class_id = PCI_CLASS_OTHERS;' },
      { file: 'include/standard-headers/linux/virtio_iommu.h', text: 'uint8_t reserved[3];' },
    ],
  },
  // hw/display/virtio-gpu-base.c virtio_gpu_base_device_realize: control queue 64, cursor queue 16; virtio-gpu-pci.c: 3 vectors
  'virtio-gpu-device': { proxy: proxyOf('gpu'), spec: virtio_gpu_spec, vectors: 3, queues: () => [64, 16] },
  // hw/virtio/virtio-rng.c virtio_rng_device_realize: one queue of 8; virtio-rng-pci.c: 2 vectors
  'virtio-rng-device': { proxy: proxyOf('rng'), spec: virtio_rng_spec, vectors: 2, queues: () => [8] },
  // hw/net/virtio-net.c virtio_net_device_realize: rx, tx (rx_queue_size, tx_queue_size), ctrl 64 for one queue pair;
  // virtio-net-pci.c: nvectors = 2 * MAX(peers.queues, 1) + 2; vdc->vmsd = vmstate_virtio_net_device.
  // The USO features exist from 8.2 (host_uso): the spec of the tree's feature set.
  'virtio-net-device': {
    proxy: proxyOf('net'),
    spec: (t) => virtio_net_specs['host_uso' in t.props ? '8.2' : '7.2'],
    vectors: 4,
    queues: (p) => [Number(p.rx_queue_size), Number(p.tx_queue_size), 64],
    deviceVmsd: 'virtio-net-device',
    source: [
      { file: 'hw/virtio/virtio-net-pci.c', text: 'vpci_dev->nvectors = 2 * MAX(net->nic_conf.peers.queues, 1)' },
      { file: 'hw/net/virtio-net.c', text: 'n->ctrl_vq = virtio_add_queue(vdev, 64, virtio_net_handle_ctrl);' },
      { file: 'hw/net/virtio-net.c', text: 'vdc->vmsd = &vmstate_virtio_net_device;' },
    ],
  },
  // hw/block/virtio-blk.c virtio_blk_device_realize: num-queues queues of queue-size, num-queues auto = 1 with one vCPU;
  // virtio-blk-pci.c: nvectors = num_queues + 1; vdc->save / vdc->load: the in-flight requests (virtio-blk.ts's saver)
  'virtio-blk-device': {
    proxy: proxyOf('blk'),
    spec: virtio_blk_spec,
    vectors: 2,
    realized: { 'num-queues': 1 },
    queues: (p) => Array.from({ length: Number(p['num-queues']) }, () => Number(p['queue-size'])),
    source: [
      { file: 'hw/virtio/virtio-blk-pci.c', text: 'vpci_dev->nvectors = conf->num_queues + 1;' },
      { file: 'hw/block/virtio-blk.c', text: 'virtio_add_queue(vdev, conf->queue_size, virtio_blk_handle_output);' },
      { file: 'hw/block/virtio-blk.c', text: 'vdc->save = virtio_blk_save_device;' },
    ],
  },
  // hw/virtio/virtio-balloon.c virtio_balloon_device_realize (queues above); vdc->vmsd = vmstate_virtio_balloon_device;
  // virtio-balloon-pci.c has a `vectors` property (unspecified: 2) from 10.0 only, before it no MSI-X
  'virtio-balloon-device': {
    proxy: proxyOf('balloon'),
    spec: virtio_balloon_spec,
    vectors: (t) => (t.proxyProps && 'vectors' in t.proxyProps ? 2 : 0),
    queues: balloonQueues,
    deviceVmsd: 'virtio-balloon-device',
    source: [
      { file: 'hw/virtio/virtio-balloon.c', text: 's->svq = virtio_add_queue(vdev, 128, virtio_balloon_receive_stats);' },
      { file: 'hw/virtio/virtio-balloon.c', text: 's->free_page_vq = virtio_add_queue(vdev, VIRTQUEUE_MAX_SIZE,' },
      { file: 'hw/virtio/virtio-balloon.c', text: 's->reporting_vq = virtio_add_queue(vdev, 32,' },
      { file: 'include/hw/virtio/virtio.h', text: '#define VIRTQUEUE_MAX_SIZE 1024' },
      { file: 'hw/virtio/virtio-balloon.c', text: 'vdc->vmsd = &vmstate_virtio_balloon_device;' },
    ],
  },
  // hw/scsi/virtio-scsi.c virtio_scsi_common_realize: ctrl, event and num_queues command queues of virtqueue_size;
  // num_queues auto = 1 with one vCPU; virtio-scsi-pci.c: nvectors = num_queues + VIRTIO_SCSI_VQ_NUM_FIXED (2) + 1
  'virtio-scsi-device': {
    proxy: proxyOf('scsi'),
    spec: virtio_scsi_spec,
    vectors: 4,
    realized: { num_queues: 1 },
    queues: (p) => Array.from({ length: 2 + Number(p.num_queues) }, () => Number(p.virtqueue_size)),
    source: [
      { file: 'hw/virtio/virtio-scsi-pci.c', text: 'vpci_dev->nvectors = conf->num_queues + VIRTIO_SCSI_VQ_NUM_FIXED + 1;' },
      { file: 'hw/scsi/virtio-scsi.c', text: 'virtio_init(vdev, VIRTIO_ID_SCSI, sizeof(VirtIOSCSIConfig));' },
      { file: 'hw/scsi/virtio-scsi.c', text: 'DEFINE_PROP_BIT("hotplug", VirtIOSCSI, host_features, VIRTIO_SCSI_F_HOTPLUG, true),' },
      { file: 'hw/scsi/virtio-scsi.c', text: 'DEFINE_PROP_BIT("param_change", VirtIOSCSI, host_features, VIRTIO_SCSI_F_CHANGE, true),' },
    ],
  },
};

/**
 * Virtio classes whose realize adds a migration blocker in every
 * configuration the cases have, which their VMSD does not show: QEMU
 * refuses to migrate a VM with one, so their cases cannot apply (skipped,
 * saying why; ConvertOptions.blocked). A VMSD that is `.unmigratable`
 * (virtio-crypto's) is found from the tree and needs no entry.
 */
export interface VirtioBlocked {
  why: string;
  source: readonly SourceFact[];
}

export const virtioBlocked: Readonly<Record<string, VirtioBlocked>> = {
  // virtio_gpu_gl_device_realize sets VIRTIO_GPU_FLAG_VIRGL_ENABLED, and virtio_gpu_base_device_realize then adds a blocker
  'virtio-gpu-gl-device': {
    why: "its realize enables virgl and virtio_gpu_base_device_realize then adds a migration blocker ('virgl is not yet migratable')",
    source: [
      { file: 'hw/display/virtio-gpu-gl.c', text: 'g->parent_obj.conf.flags |= (1 << VIRTIO_GPU_FLAG_VIRGL_ENABLED);' },
      { file: 'hw/display/virtio-gpu-base.c', text: 'error_setg(&g->migration_blocker, "virgl is not yet migratable");' },
    ],
  },
  // vhost_scsi_realize: without the migratable property (default off) a migration blocker; with it, the device's
  // features are what the vhost-scsi kernel back-end accepts (vhost_get_features), which no case has
  'vhost-scsi': {
    why: "with its default migratable=off its realize adds a migration blocker, and with migratable=on its features are the vhost kernel back-end's, which the cases have none of",
    source: [
      { file: 'hw/scsi/vhost-scsi.c', text: 'if (!vsc->migratable) {' },
      { file: 'hw/scsi/vhost-scsi.c', text: '"set \'migratable\' property to true to enable migration.");' },
    ],
  },
};
