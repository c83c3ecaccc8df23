/**
 * The virtio core with its virtio-pci transport, as QEMU saves it through
 * the `virtio` field's custom codec (hw/virtio/virtio.c virtio_save and
 * virtio_load, hw/virtio/virtio-pci.c), byte for byte as the real 7.2 and
 * 10.0 binaries write it:
 *
 *   transport config   PCIDevice (int32 le version 2, config space, irq
 *                      state), then — with MSI-X — the vector table, the
 *                      pending bits and be16 config_vector
 *   core               u8 status, u8 isr, be16 queue_sel, be32 low guest
 *                      features, be32 config length + config bytes,
 *                      be32 queue count, per queue be32 ring size, be64
 *                      descriptor address, be16 last_avail_idx and — with
 *                      MSI-X — be16 vector
 *   device             the device's legacy saver (virtio-blk) or its
 *                      vdc->vmsd (virtio-net, virtio-balloon), loaded at the
 *                      destination's own device version
 *   `virtio`           a VMSD with no fields, only subsections:
 *                      device_endian, 64bit_features, virtqueues, ringsize,
 *                      broken, extra_state (virtio_pci/modern_state),
 *                      started, packed_virtqueues, disabled
 *
 * Load checks modelled: the PCI config against the destination's own
 * (see pci.ts), queue_sel < 1024, at most 1024 queues, a queue without a
 * ring has index 0, MSI-X vectors below the destination's vector count,
 * and the guest features within the destination's host features. Checks
 * that read guest memory (ring indices) are not modelled: the model has no
 * guest RAM.
 */
import { EINVAL, EPERM, VmError } from '../../src/wire/errors.js';
import type { Reader } from '../../src/wire/reader.js';
import type { Writer } from '../../src/wire/writer.js';
import { loadVmsd } from '../../src/vmstate/load.js';
import { saveVmsd } from '../../src/vmstate/save.js';
import { VMSTATE_BOOL, VMSTATE_UINT32, VMSTATE_UINT32_ARRAY, VMSTATE_UINT64, VMSTATE_UINT8, field } from '../../src/vmstate/dsl.js';
import type { VirtioProxy } from '../../src/machine/types.js';
import type { ElementCtx, PathCtx, Props, State, VMStateDescription, VMStateInfo, VmCtx } from '../../src/vmstate/types.js';
import { leafRecorder } from './leaf.js';
import { msixLoad, msixSave } from './msix.js';
import { PCI_BASE_ADDRESS_0, PCI_DEVICE_VERSION, pciDeviceReset, pow2ceil, pciUpdateIrqStatus, vmstate_pci_device, PCI_STATUS, PCI_STATUS_INTERRUPT, type PciDeviceState, type PciLayout } from './pci.js';

export { virtioPciFlags } from './virtio-pci.js';
import { slotArrayInfo, type SlotField } from './slots.js';
import { virtioPciFlags, virtioPciLayout, type VirtioPciDevice } from './virtio-pci.js';

export { leafRecorder } from './leaf.js';

export const VIRTIO_QUEUE_MAX = 1024;
/** The largest ring a queue may have (virtio.h VIRTQUEUE_MAX_SIZE), a different constant of the same value. */
export const VIRTQUEUE_MAX_SIZE = 1024;
export const VIRTIO_NO_VECTOR = 0xffff;

/* Feature bits the core knows (include/standard-headers/linux/virtio_config.h, virtio_ring.h). */
export const VIRTIO_F_NOTIFY_ON_EMPTY = 24n;
export const VIRTIO_F_ANY_LAYOUT = 27n;
export const VIRTIO_RING_F_INDIRECT_DESC = 28n;
export const VIRTIO_RING_F_EVENT_IDX = 29n;
export const VIRTIO_F_BAD_FEATURE = 30n;
export const VIRTIO_F_VERSION_1 = 32n;
export const VIRTIO_F_IOMMU_PLATFORM = 33n;
export const VIRTIO_F_RING_PACKED = 34n;
export const VIRTIO_F_RING_RESET = 40n;

export const VIRTIO_DEVICE_ENDIAN_LITTLE = 1;

const bit = (n: bigint) => 1n << n;
export const hasFeature = (features: bigint, n: bigint) => ((features >> n) & 1n) === 1n;

/** One VirtQueue as the core migrates it, plus its MSI-X vector (kept by the core, migrated by the transport). */
export interface VirtQueueState extends State {
  vring_num: number;
  /** vring.num_default: the device's own ring size (`virtio/ringsize`). */
  num_default: number;
  desc: bigint;
  avail: bigint;
  used: bigint;
  last_avail_idx: number;
  vector: number;
  /* packed rings (`virtio/packed_virtqueues`) */
  last_avail_wrap_counter: boolean;
  used_idx: number;
  used_wrap_counter: boolean;
  inuse: number;
}

/** VirtIOPCIQueue: what the modern interface latched for a queue (`virtio_pci/modern_queue_state`). */
export interface ModernQueueState extends State {
  num: number;
  enabled: boolean;
  desc: number[];
  avail: number[];
  used: number[];
}

/** VirtIOPCIProxy: the PCI function and the modern interface's registers. */
export interface VirtioPciState extends State {
  pci_dev: PciDeviceState;
  dfselect: number;
  gfselect: number;
  guest_features: number[];
  vqs: ModernQueueState[];
}

export interface VirtioState extends State {
  proxy: VirtioPciState;
  status: number;
  isr: number;
  queue_sel: number;
  guest_features: bigint;
  config: Uint8Array;
  config_vector: number;
  /** Queue slots 0..n−1; slots past the end are empty (see slots.ts). */
  vq: VirtQueueState[];
  device_endian: number;
  broken: boolean;
  started: boolean;
  disabled: boolean;
}

/** What the core needs to know about one virtio-pci device model. */
export interface VirtioSpec {
  /** The PCI proxy type: ids, class, config length. */
  device: VirtioPciDevice;
  /** The proxy's config space from the device's properties (virtioPciLayout(device)). */
  pci: PciLayout;
  /** The device's own feature bits under these properties (its get_features); the common ones are added. */
  deviceFeatures(props: Props): bigint;
  /** vdc->vmsd, saved over the whole device state. */
  vmsd?: VMStateDescription;
  /** vdc->save / vdc->load: a hand-written saver over the whole device state. */
  legacy?: VMStateInfo;
  /** vdc->set_features, run by the load with the accepted features (e.g. virtio-net's VLAN filter reset). */
  setFeatures?(device: State, features: bigint, props: Props): void;
}

/** The common feature properties of every virtio device (DEFINE_VIRTIO_COMMON_FEATURES) and VERSION_1 when modern. */
export function commonHostFeatures(props: Props, modern: boolean): bigint {
  let f = 0n;
  const on = (name: string, b: bigint, dflt: boolean) => {
    if ((props[name] ?? dflt) === true) f |= bit(b);
  };
  on('indirect_desc', VIRTIO_RING_F_INDIRECT_DESC, true);
  on('event_idx', VIRTIO_RING_F_EVENT_IDX, true);
  on('notify_on_empty', VIRTIO_F_NOTIFY_ON_EMPTY, true);
  on('any_layout', VIRTIO_F_ANY_LAYOUT, true);
  on('iommu_platform', VIRTIO_F_IOMMU_PLATFORM, false);
  on('packed', VIRTIO_F_RING_PACKED, false);
  on('queue_reset', VIRTIO_F_RING_RESET, true);
  if (modern) f |= bit(VIRTIO_F_VERSION_1);
  return f;
}

/** The properties every virtio-pci model has (proxy and VirtIODevice); devices add their own. */
export function virtioCommonProps(vectors: number, opts: { modernOnly?: boolean } = {}) {
  return {
    vectors: { type: 'uint32' as const, default: vectors },
    'disable-legacy': { type: 'onoffauto' as const, default: opts.modernOnly ? 'on' : 'auto' },
    'disable-modern': { type: 'bool' as const, default: false },
    'migrate-extra': { type: 'bool' as const, default: true },
    'modern-pio-notify': { type: 'bool' as const, default: false },
    'page-per-vq': { type: 'bool' as const, default: false },
    indirect_desc: { type: 'bool' as const, default: true },
    event_idx: { type: 'bool' as const, default: true },
    notify_on_empty: { type: 'bool' as const, default: true },
    any_layout: { type: 'bool' as const, default: true },
    iommu_platform: { type: 'bool' as const, default: false },
    packed: { type: 'bool' as const, default: false },
    queue_reset: { type: 'bool' as const, default: true },
    /** The model's whole-word override of VirtIODevice.host_features (0: from the feature properties); not a QEMU property. */
    host_features: { type: 'uint64' as const, default: 0n },
  };
}

/** The virtio-pci proxy's own properties (hw/virtio/virtio-pci.c and the device's `-pci` type); the rest of a model's props are its VirtIODevice's. */
export const VIRTIO_PCI_PROPS = ['vectors', 'disable-legacy', 'disable-modern', 'migrate-extra', 'modern-pio-notify', 'page-per-vq', 'romfile', 'rombar'] as const;

/**
 * The PCI proxy of the virtio device `name` (`rng` → `virtio-rng-pci`, a
 * subtype of `virtio-rng-pci-base` and `virtio-pci`, implementing both PCI
 * bus interfaces as the generic proxy type does).
 */
export function virtioPciProxy(name: string): VirtioProxy {
  return {
    type: `virtio-${name}-pci`,
    parents: [`virtio-${name}-pci-base`, 'virtio-pci', 'pci-device', 'device'],
    interfaces: ['pci-express-device', 'conventional-pci-device'],
    props: VIRTIO_PCI_PROPS,
  };
}

/** A device model's spec with its proxy layout. */
export function virtioSpec(s: Omit<VirtioSpec, 'pci'>): VirtioSpec {
  return { ...s, pci: virtioPciLayout(s.device) };
}

/** The proxy flags of this device model under these properties. */
export function flagsOf(spec: VirtioSpec, props: Props) {
  return virtioPciFlags(props, spec.device.legacyDeviceId === undefined);
}

/** VirtIODevice.host_features: the common bits, the device's, unless the model's whole-word override is set. */
export function hostFeatures(spec: VirtioSpec, props: Props): bigint {
  const forced = BigInt((props.host_features as bigint | number | undefined) ?? 0n);
  return forced !== 0n ? forced : commonHostFeatures(props, flagsOf(spec, props).modern) | spec.deviceFeatures(props);
}

/* ---------------- slot arrays of the subsections ---------------- */

export function blankQueue(num = 0): VirtQueueState {
  return {
    vring_num: num,
    num_default: num,
    desc: 0n,
    avail: 0n,
    used: 0n,
    last_avail_idx: 0,
    vector: VIRTIO_NO_VECTOR,
    last_avail_wrap_counter: true,
    used_idx: 0,
    used_wrap_counter: true,
    inuse: 0,
  };
}

const MODERN_QUEUE_FIELDS: SlotField[] = [
  { member: 'num', kind: 'u16' },
  { unused: 1 }, // enabled was stored as be16
  { member: 'enabled', kind: 'bool' },
  { member: 'desc', kind: 'u32', count: 2 },
  { member: 'avail', kind: 'u32', count: 2 },
  { member: 'used', kind: 'u32', count: 2 },
];

export function blankModernQueue(): ModernQueueState {
  return { num: 0, enabled: false, desc: [0, 0], avail: [0, 0], used: [0, 0] };
}

const virtqueue_state = slotArrayInfo({
  name: 'virtqueue_state',
  slots: VIRTIO_QUEUE_MAX,
  fields: [
    { member: 'avail', kind: 'u64' },
    { member: 'used', kind: 'u64' },
  ],
  blank: () => blankQueue(),
});

const ringsize_state = slotArrayInfo({
  name: 'ringsize_state',
  slots: VIRTIO_QUEUE_MAX,
  fields: [{ member: 'num_default', kind: 'u32' }],
  blank: () => blankQueue(),
});

const packed_virtqueue_state = slotArrayInfo({
  name: 'packed_virtqueue_state',
  slots: VIRTIO_QUEUE_MAX,
  fields: [
    { member: 'last_avail_idx', kind: 'u16' },
    { member: 'last_avail_wrap_counter', kind: 'bool' },
    { member: 'used_idx', kind: 'u16' },
    { member: 'used_wrap_counter', kind: 'bool' },
    { member: 'inuse', kind: 'u32' },
  ],
  blank: () => blankQueue(),
});

const modern_queue_state = slotArrayInfo({
  name: 'virtio_pci/modern_queue_state',
  slots: VIRTIO_QUEUE_MAX,
  fields: MODERN_QUEUE_FIELDS,
  blank: blankModernQueue,
});

/* ---------------- virtio-pci extra state ---------------- */

const pciVmsds = new WeakMap<VirtioSpec, { vmsd: VMStateDescription; info: VMStateInfo }>();

/** vmstate_virtio_pci (no fields; `virtio_pci/modern_state` when the proxy is modern) and the `virtqueue_extra_state` codec that saves it over the proxy. */
export function vmstate_virtio_pci(spec: VirtioSpec): { vmsd: VMStateDescription; info: VMStateInfo } {
  const known = pciVmsds.get(spec);
  if (known) return known;
  const vmsd: VMStateDescription = {
    name: 'virtio_pci',
    version_id: 1,
    minimum_version_id: 1,
    fields: [],
    subsections: [
      {
        name: 'virtio_pci/modern_state',
        version_id: 1,
        minimum_version_id: 1,
        needed: (_s, ctx) => flagsOf(spec, ctx.props).modern,
        fields: [
          VMSTATE_UINT32('dfselect'),
          VMSTATE_UINT32('gfselect'),
          VMSTATE_UINT32_ARRAY('guest_features', 2),
          field('vqs', { info: modern_queue_state }),
        ],
      },
    ],
  };
  // save_extra_state / load_extra_state: the proxy's VMSD, loaded at version 1
  const info: VMStateInfo = {
    name: 'virtqueue_extra_state',
    nested: [vmsd],
    put(w: Writer, _v: unknown, el: ElementCtx) {
      saveVmsd(w, vmsd, (el.state as VirtioState).proxy, vmsd.version_id, el.ctx, [...el.at, 'proxy'], null);
    },
    get(r: Reader, _current: unknown, el: ElementCtx) {
      loadVmsd(r, vmsd, (el.state as VirtioState).proxy, 1, el.ctx, [...el.at, 'proxy']);
      return undefined;
    },
    // the same VMSD through the engine's own nested save and load (the compiled code, in the compiled engine)
    fast: {
      put(w: Writer, _v: unknown, el: ElementCtx) {
        el.ctx.saveNested(w, vmsd, (el.state as VirtioState).proxy, vmsd.version_id, [...el.at, 'proxy']);
      },
      get(r: Reader, _current: unknown, el: ElementCtx) {
        el.ctx.loadNested(r, vmsd, (el.state as VirtioState).proxy, 1, [...el.at, 'proxy']);
        return undefined;
      },
    },
  };
  const out = { vmsd, info };
  pciVmsds.set(spec, out);
  return out;
}

/* ---------------- the `virtio` container ---------------- */

const containers = new WeakMap<VirtioSpec, VMStateDescription>();

/** vmstate_virtio for one device model: its needed() tests read the device's host features and transport flags. */
export function vmstate_virtio(spec: VirtioSpec): VMStateDescription {
  const known = containers.get(spec);
  if (known) return known;
  const host = (ctx: VmCtx) => hostFeatures(spec, ctx.props);
  const extra = vmstate_virtio_pci(spec).info;
  const sub = (name: string, needed: VMStateDescription['needed'], fields: VMStateDescription['fields']): VMStateDescription => ({
    name,
    version_id: 1,
    minimum_version_id: 1,
    needed,
    fields,
  });
  const vq = (info: VMStateInfo) => field('vq', { info });
  const vmsd: VMStateDescription = {
    name: 'virtio',
    version_id: 1,
    minimum_version_id: 1,
    fields: [],
    subsections: [
      // x86 devices are little endian; VIRTIO 1 devices always are
      sub('virtio/device_endian', (s) => Number(s.device_endian) !== VIRTIO_DEVICE_ENDIAN_LITTLE, [VMSTATE_UINT8('device_endian')]),
      sub('virtio/64bit_features', (_s, ctx) => host(ctx) >> 32n !== 0n, [VMSTATE_UINT64('guest_features')]),
      sub('virtio/virtqueues', (_s, ctx) => hasFeature(host(ctx), VIRTIO_F_VERSION_1), [vq(virtqueue_state)]),
      sub('virtio/ringsize', (s) => (s.vq as VirtQueueState[]).some((q) => q.vring_num !== q.num_default), [vq(ringsize_state)]),
      sub('virtio/broken', (s) => s.broken === true, [VMSTATE_BOOL('broken')]),
      sub('virtio/extra_state', (_s, ctx) => flagsOf(spec, ctx.props).migrateExtra, [{ ...field('extra_state', { info: extra }), member: null }]),
      sub('virtio/started', (s) => s.started === true, [VMSTATE_BOOL('started')]),
      sub('virtio/packed_virtqueues', (_s, ctx) => hasFeature(host(ctx), VIRTIO_F_RING_PACKED), [vq(packed_virtqueue_state)]),
      sub('virtio/disabled', (s) => s.disabled === true, [VMSTATE_BOOL('disabled')]),
    ],
  };
  containers.set(spec, vmsd);
  return vmsd;
}

/* ---------------- reset ---------------- */

/** A freshly reset virtio-pci device's core: `queues` ring sizes, config bytes as the device presents them. */
export function virtioReset(spec: VirtioSpec, props: Props, config: Uint8Array, queues: number[]): VirtioState {
  const d = spec.pci(props);
  return {
    proxy: { pci_dev: pciDeviceReset(d), dfselect: 0, gfselect: 0, guest_features: [0, 0], vqs: queues.map(blankModernQueue) },
    status: 0,
    isr: 0,
    queue_sel: 0,
    guest_features: 0n,
    config,
    config_vector: VIRTIO_NO_VECTOR,
    vq: queues.map((n) => blankQueue(n)),
    device_endian: VIRTIO_DEVICE_ENDIAN_LITTLE,
    broken: false,
    started: false,
    disabled: false,
  };
}

/** How many queues travel: the slots before the first one without a ring. */
export function queuesInUse(vq: VirtQueueState[]): number {
  let n = 0;
  while (n < vq.length && n < VIRTIO_QUEUE_MAX && vq[n]!.vring_num !== 0) n++;
  return n;
}

/* ---------------- the codec ---------------- */

function fail(r: Reader, el: ElementCtx, message: string, qemu: string[], errno = EPERM): VmError {
  return new VmError({ kind: 'post-load-failed', message: `${el.vmsd.name}:virtio: ${message}`, offset: r.offset, errno, qemu });
}

/**
 * The config bytes as virtio_load takes them: the stream says how many it
 * carries (be32), the destination keeps its own vdev->config_len, loads
 * MIN of the two and skips the excess; it never compares the lengths. The
 * buffer is a cache get_config refreshes before every guest read
 * (virtio-config-io.c), so when the lengths differ the bytes are recorded
 * `unchecked` (not compared forward or on the round trip): a length change
 * breaks a migration only through what it changes elsewhere — the legacy
 * I/O BAR the config sizes (see legacyBarContext) or the features the
 * longer config belongs to.
 */
function loadConfig(r: Reader, v: VirtioState, own: number, el: ElementCtx): void {
  const start = r.offset;
  const configLen = r.i32('virtio config length');
  if (v.config.length !== own) {
    const cur = v.config;
    v.config = new Uint8Array(own);
    v.config.set(cur.subarray(0, Math.min(own, cur.length)), 0);
  }
  const take = Math.max(0, Math.min(configLen, own));
  v.config.set(r.bytes(take, 'virtio config'), 0);
  if (configLen > take) r.skip(configLen - take, 'virtio config (excess)');
  el.ctx.record({ keys: [...el.at, 'config'], vmsd: el.vmsd.name, field: el.field.name, offset: start, size: r.offset - start, what: configLen === own ? 'field' : 'unchecked' });
}

/**
 * A rejected byte of the legacy I/O BAR (BAR0 of a transitional proxy)
 * gets the reason virtio-pci has for it: the BAR's size is
 * pow2ceil(VIRTIO_PCI_REGION_SIZE + the device's config length)
 * (virtio_pci_device_plugged), so a config length that crosses a power of
 * two resizes the BAR and the sender's address bits land in bits the
 * destination's BAR keeps read-only. QEMU's own line stays as it is.
 */
function legacyBarContext(e: unknown, spec: VirtioSpec, props: Props): unknown {
  if (!(e instanceof VmError) || e.kind !== 'post-load-failed' || !e.qemu[0]?.includes('Bad config data')) return e;
  const m = /i=0x([0-9a-f]+) read: ([0-9a-f]+) device: ([0-9a-f]+) cmask: [0-9a-f]+ wmask: ([0-9a-f]+)/.exec(e.qemu[0]);
  if (!m) return e;
  const [i, read, dev, wmask] = m.slice(1).map((x) => parseInt(x, 16)) as [number, number, number, number];
  const { legacy, vectors } = flagsOf(spec, props);
  if (!legacy || i < PCI_BASE_ADDRESS_0 || i >= PCI_BASE_ADDRESS_0 + 4) return e;
  // only address bits: the I/O space indicator and the reserved bit are not the size's doing
  const bad = (read ^ dev) & ~wmask & (i === PCI_BASE_ADDRESS_0 ? ~0x3 : 0xff);
  if (!bad) return e;
  const region = vectors ? 24 : 20; // VIRTIO_PCI_REGION_SIZE: the common header, 4 more with MSI-X
  const len = spec.device.configLen(props);
  const size = pow2ceil(region + len);
  return new VmError({
    kind: e.kind,
    message: `${e.message}: BAR0, the legacy I/O window, is ${size} bytes on the destination (${region}-byte header + ${len}-byte device config, rounded up to a power of two); the sender's BAR address has bits set that a ${size}-byte BAR cannot hold, so the sender's config length sized it smaller`,
    path: e.path,
    vmsd: e.vmsd,
    offset: e.offset,
    errno: e.errno,
    qemu: e.qemu,
  });
}

/** The VMStateInfo of VMSTATE_VIRTIO_DEVICE, with the device model it serves. */
export interface VirtioInfo extends VMStateInfo {
  spec: VirtioSpec;
}

const infos = new WeakMap<VirtioSpec, VirtioInfo>();

/**
 * The `virtio` codec for one device model. Its put runs virtio_save with
 * virtio-pci's hooks; its get runs virtio_load and its checks.
 */
export function virtioInfo(spec: VirtioSpec): VirtioInfo {
  const known = infos.get(spec);
  if (known) return known;
  const container = vmstate_virtio(spec);
  const io = virtioIo(spec, container, saveVmsdDirect, loadVmsdDirect);
  const info: VirtioInfo = {
    name: 'virtio',
    spec,
    recordsOwnLeaves: true,
    nested: [...(spec.vmsd ? [spec.vmsd] : []), container],
    put: io.put,
    get: io.get,
    // the PCIDevice through the engine's own nested save and load (the compiled code, in the compiled engine)
    fast: virtioIo(spec, container, saveVmsdByCtx, loadVmsdByCtx),
  };
  infos.set(spec, info);
  return info;
}

type NestedSave = (w: Writer, vmsd: VMStateDescription, state: State, version: number, ctx: VmCtx, at: PathCtx) => void;
type NestedLoad = (r: Reader, vmsd: VMStateDescription, state: State, version: number, ctx: VmCtx, at: PathCtx) => void;
const saveVmsdDirect: NestedSave = (w, vmsd, state, version, ctx, at) => saveVmsd(w, vmsd, state, version, ctx, at, null);
const loadVmsdDirect: NestedLoad = loadVmsd;
const saveVmsdByCtx: NestedSave = (w, vmsd, state, version, ctx, at) => ctx.saveNested(w, vmsd, state, version, at);
const loadVmsdByCtx: NestedLoad = (r, vmsd, state, version, ctx, at) => ctx.loadNested(r, vmsd, state, version, at);

/** virtio_save and virtio_load, with the PCIDevice saved and loaded by `saveNested` and `loadNested`. */
function virtioIo(spec: VirtioSpec, container: VMStateDescription, saveNested: NestedSave, loadNested: NestedLoad): Pick<VMStateInfo, 'put' | 'get'> {
  return {
    put(w: Writer, value: unknown, el: ElementCtx) {
      const v = value as VirtioState;
      const d = spec.pci(el.ctx.props);
      const msix = d.msix_entries_nr;
      const leaf = leafRecorder(el, () => w.offset);
      // virtio_pci_save_config: pci_device_save clears the interrupt status bit (irq_state carries it)
      const pciDev = v.proxy.pci_dev;
      const saved: PciDeviceState = { ...pciDev, config: pciDev.config.slice() };
      saved.config[PCI_STATUS]! &= ~PCI_STATUS_INTERRUPT;
      saveNested(w, vmstate_pci_device(spec.pci), saved, PCI_DEVICE_VERSION, el.ctx, [...el.at, 'proxy', 'pci_dev']);
      msixSave(w, pciDev, msix, el, ['proxy', 'pci_dev']);
      if (msix) leaf(['config_vector'], () => w.u16(v.config_vector));
      leaf(['status'], () => w.u8(v.status));
      leaf(['isr'], () => w.u8(v.isr));
      leaf(['queue_sel'], () => w.u16(v.queue_sel));
      leaf(['guest_features'], () => w.u32(Number(v.guest_features & 0xffffffffn)));
      leaf(['config'], () => {
        w.u32(v.config.length);
        w.bytes(v.config);
      });
      const nq = queuesInUse(v.vq);
      w.u32(nq);
      for (let i = 0; i < nq; i++) {
        const q = v.vq[i]!;
        leaf(['vq', i, 'vring_num'], () => w.u32(q.vring_num));
        leaf(['vq', i, 'desc'], () => w.u64(q.desc));
        leaf(['vq', i, 'last_avail_idx'], () => w.u16(q.last_avail_idx));
        if (msix) leaf(['vq', i, 'vector'], () => w.u16(q.vector));
      }
      if (spec.legacy) spec.legacy.put(w, undefined, { ...el, state: el.state, at: [] });
      if (spec.vmsd) el.ctx.saveNested(w, spec.vmsd, el.state, spec.vmsd.version_id, []);
      el.ctx.saveNested(w, container, v, 1, el.at);
    },
    get(r: Reader, current: unknown, el: ElementCtx) {
      const v = current as VirtioState;
      const props = el.ctx.props;
      const d = spec.pci(props);
      const msix = d.msix_entries_nr;
      const leaf = leafRecorder(el, () => r.offset);
      const useVector = (vector: number, what: string) => {
        // msix_vector_use fails for a vector the destination does not have
        if (vector !== VIRTIO_NO_VECTOR && vector >= msix) {
          throw fail(r, el, `${what} uses MSI-X vector ${vector} but the destination has ${msix}`, [], EINVAL);
        }
      };
      // virtio_pci_load_config
      const pciDev = v.proxy.pci_dev;
      try {
        loadNested(r, vmstate_pci_device(spec.pci), pciDev, pciDev.version_id, el.ctx, [...el.at, 'proxy', 'pci_dev']);
      } catch (e) {
        throw legacyBarContext(e, spec, props);
      }
      pciUpdateIrqStatus(pciDev);
      msixLoad(r, pciDev, msix, el, ['proxy', 'pci_dev']);
      if (msix) leaf(['config_vector'], () => (v.config_vector = r.u16('config_vector')));
      else v.config_vector = VIRTIO_NO_VECTOR;
      useVector(v.config_vector, 'the config interrupt');

      leaf(['status'], () => (v.status = r.u8('virtio status')));
      leaf(['isr'], () => (v.isr = r.u8('virtio isr')));
      leaf(['queue_sel'], () => (v.queue_sel = r.u16('virtio queue_sel')));
      if (v.queue_sel >= VIRTIO_QUEUE_MAX) throw fail(r, el, `queue_sel ${v.queue_sel} is out of range`, []);
      let features = 0n;
      leaf(['guest_features'], () => (features = BigInt(r.u32('virtio guest features'))));
      v.guest_features = features;
      loadConfig(r, v, spec.device.configLen(props), el);
      const nq = r.u32('virtio queue count');
      if (nq > VIRTIO_QUEUE_MAX) throw fail(r, el, `${nq} queues`, [`Invalid number of virtqueues: 0x${nq.toString(16)}`]);
      while (v.vq.length < nq) v.vq.push(blankQueue());
      for (let i = 0; i < nq; i++) {
        const q = v.vq[i]!;
        leaf(['vq', i, 'vring_num'], () => (q.vring_num = r.u32('vring num')));
        leaf(['vq', i, 'desc'], () => (q.desc = r.u64('vring desc')));
        leaf(['vq', i, 'last_avail_idx'], () => (q.last_avail_idx = r.u16('last_avail_idx')));
        if (q.desc === 0n && q.last_avail_idx !== 0) {
          throw fail(r, el, `queue ${i} has no ring but index ${q.last_avail_idx}`, [
            `VQ ${i} address 0x0 inconsistent with Host index 0x${q.last_avail_idx.toString(16)}`,
          ]);
        }
        if (msix) leaf(['vq', i, 'vector'], () => (q.vector = r.u16('queue vector')));
        else q.vector = VIRTIO_NO_VECTOR;
        useVector(q.vector, `queue ${i}`);
      }
      if (spec.legacy) spec.legacy.get(r, undefined, { ...el, state: el.state, at: [] });
      // vdc->vmsd is loaded at the destination's own device version
      if (spec.vmsd) el.ctx.loadNested(r, spec.vmsd, el.state, el.vmsd.version_id, []);
      el.ctx.loadNested(r, container, v, 1, el.at);
      const host = hostFeatures(spec, props);
      const wide = host >> 32n !== 0n;
      const asked = wide ? v.guest_features : features;
      if ((asked & ~host) !== 0n) {
        throw fail(r, el, `guest features 0x${asked.toString(16)} are not a subset of the destination's host features 0x${host.toString(16)}`, [
          `Features 0x${asked.toString(16)} unsupported. Allowed features: 0x${host.toString(16)}`,
        ]);
      }
      v.guest_features = asked & host;
      spec.setFeatures?.(el.state, v.guest_features, props);
      return v;
    },
  };
}
