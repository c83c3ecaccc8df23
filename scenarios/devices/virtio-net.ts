/**
 * virtio-net-pci (hw/net/virtio-net.c).
 *
 * VMSD `virtio-net` version 11 (minimum 11): only the virtio core, whose
 * device part is vdc->vmsd `virtio-net-device` (version 11, loaded at the
 * destination's own 11):
 *
 *   mac[6], vqs[0].tx_waiting, mergeable_rx_bufs, status, promisc,
 *   allmulti, mac_table.in_use, mac_table.macs (in_use × 6 bytes when
 *   in_use ≤ 64, else the same number of bytes skipped), vlans (512-byte
 *   bitmap), tmp has_vnet_hdr, the overflow and rx-mode bytes, tmp
 *   has_ufo, max_queue_pairs (uint16 equal) and curr_queue_pairs when
 *   max_queue_pairs > 1, tmp tx_waiting of queue pairs 1.., and
 *   curr_guest_offloads when CTRL_GUEST_OFFLOADS is negotiated; subsection
 *   `virtio-net-device/rss` when RSS is enabled.
 *
 * Load rules modelled: the peer must offer a vnet header / UFO if the
 * stream says the source's did (this model's NIC has no backend peer, as
 * in the tests: neither); curr_queue_pairs ≤ max_queue_pairs; post_load
 * drops a MAC table too big for 64 entries and recomputes
 * curr_guest_offloads unless CTRL_GUEST_OFFLOADS was negotiated.
 *
 * The load also runs the device's set_features with the accepted guest
 * features, and that is where releases differ: up to 8.1 it *clears* the
 * VLAN filter table when CTRL_VLAN is negotiated, so a migrated guest
 * loses its VLAN filters — QEMU's own round trip drops state the guest
 * set. 8.2.0 fixed it (06b636a1e2ad "virtio-net: do not reset vlan
 * filtering at set_features"): the table is only set to all-ones when
 * CTRL_VLAN is not negotiated. The model declares `vlans` guest-visible,
 * so a 7.2.0–8.1.0 round trip that loses it is reported as state loss.
 *
 * Host features: every feature property; without a backend peer
 * get_features drops the checksum/TSO/ECN/UFO/USO offloads and hash
 * reporting. Queues rx 256, tx 256, ctrl 64; vectors 2 × pairs + 2.
 *
 * VIRTIO_F_RING_RESET: 93a97dc5200a "virtio-net: enable vq reset feature"
 * (7.2.0) added it in get_features whenever the peer is not vhost (this
 * model's NIC has no peer), whatever the core's queue_reset property says,
 * so at pc-*-7.1 and older, where hw_compat_7_1 sets queue_reset=false, the
 * device still offers it. A guest that negotiated it cannot move to a release
 * that keeps the property's word: virtio_load refuses the features.
 * 1fac00f70b32 "virtio-net: not enable vq reset feature unconditionally"
 * removed the line (master, May 2023: 8.1.0; stable 7.2.3 and 8.0.1), so
 * 7.2.0–7.2.2 and 8.0.0 have it (ringResetAlways). The 7.2.22 tree has the
 * fix.
 */
import { EINVAL } from '../../src/wire/errors.js';
import type { DeviceClass } from '../../src/machine/types.js';
import type { Props, State, VMStateDescription } from '../../src/vmstate/types.js';
import * as F from '../../src/vmstate/flags.js';
import {
  VMSTATE_BOOL,
  VMSTATE_BUFFER,
  VMSTATE_SINGLE_TEST,
  VMSTATE_STRUCT_VARRAY_UINT16,
  VMSTATE_UINT16,
  VMSTATE_UINT16_TEST,
  VMSTATE_UINT32,
  VMSTATE_UINT64_TEST,
  VMSTATE_UINT8,
  VMSTATE_UINT8_ARRAY,
  VMSTATE_VARRAY_UINT16,
  field,
} from '../../src/vmstate/dsl.js';
import { vmstate_info_buffer, vmstate_info_uint16, vmstate_info_uint16_equal } from '../../src/vmstate/info.js';
import { pciIdstr, type PciSlotOptions } from '../common/pci.js';
import { nicProps } from '../common/nic.js';
import { TMP_PARENT, VMSTATE_STRUCT_POINTER_ELEMENT, VMSTATE_UNUSED_VARRAY_UINT32, VMSTATE_WITH_TMP } from '../common/tmp.js';
import { hasFeature, hostFeatures, virtioCommonProps, virtioInfo, virtioReset, virtioSpec, virtioPciProxy, VIRTIO_F_RING_RESET, type VirtioState } from '../common/virtio.js';

export type VirtioNetVariant = '7.2' | '8.2';

export const VIRTIO_NET = {
  CSUM: 0n,
  GUEST_CSUM: 1n,
  CTRL_GUEST_OFFLOADS: 2n,
  MTU: 3n,
  MAC: 5n,
  GSO: 6n,
  GUEST_TSO4: 7n,
  GUEST_TSO6: 8n,
  GUEST_ECN: 9n,
  GUEST_UFO: 10n,
  HOST_TSO4: 11n,
  HOST_TSO6: 12n,
  HOST_ECN: 13n,
  HOST_UFO: 14n,
  MRG_RXBUF: 15n,
  STATUS: 16n,
  CTRL_VQ: 17n,
  CTRL_RX: 18n,
  CTRL_VLAN: 19n,
  CTRL_RX_EXTRA: 20n,
  GUEST_ANNOUNCE: 21n,
  MQ: 22n,
  CTRL_MAC_ADDR: 23n,
  GUEST_USO4: 54n,
  GUEST_USO6: 55n,
  HOST_USO: 56n,
  HASH_REPORT: 57n,
  GUEST_RSC4: 41n,
  GUEST_RSC6: 42n,
  RSS: 60n,
} as const;

export const MAC_TABLE_ENTRIES = 64;
export const MAX_VLAN = 1 << 12;
export const VIRTIO_NET_RSS_MAX_KEY_SIZE = 40;
export const VIRTIO_NET_RSS_MAX_TABLE_LEN = 128;
export const VIRTIO_NET_S_LINK_UP = 1;

/** Feature properties (DEFINE_PROP_BIT64 on host_features) and their defaults. */
const FEATURE_PROPS: [string, bigint, boolean][] = [
  ['csum', VIRTIO_NET.CSUM, true],
  ['guest_csum', VIRTIO_NET.GUEST_CSUM, true],
  ['gso', VIRTIO_NET.GSO, true],
  ['guest_tso4', VIRTIO_NET.GUEST_TSO4, true],
  ['guest_tso6', VIRTIO_NET.GUEST_TSO6, true],
  ['guest_ecn', VIRTIO_NET.GUEST_ECN, true],
  ['guest_ufo', VIRTIO_NET.GUEST_UFO, true],
  ['guest_announce', VIRTIO_NET.GUEST_ANNOUNCE, true],
  ['host_tso4', VIRTIO_NET.HOST_TSO4, true],
  ['host_tso6', VIRTIO_NET.HOST_TSO6, true],
  ['host_ecn', VIRTIO_NET.HOST_ECN, true],
  ['host_ufo', VIRTIO_NET.HOST_UFO, true],
  ['mrg_rxbuf', VIRTIO_NET.MRG_RXBUF, true],
  ['status', VIRTIO_NET.STATUS, true],
  ['ctrl_vq', VIRTIO_NET.CTRL_VQ, true],
  ['ctrl_rx', VIRTIO_NET.CTRL_RX, true],
  ['ctrl_vlan', VIRTIO_NET.CTRL_VLAN, true],
  ['ctrl_rx_extra', VIRTIO_NET.CTRL_RX_EXTRA, true],
  ['ctrl_mac_addr', VIRTIO_NET.CTRL_MAC_ADDR, true],
  ['ctrl_guest_offloads', VIRTIO_NET.CTRL_GUEST_OFFLOADS, true],
  ['mq', VIRTIO_NET.MQ, false],
  ['rss', VIRTIO_NET.RSS, false],
  ['hash', VIRTIO_NET.HASH_REPORT, false],
  ['guest_rsc_ext', VIRTIO_NET.GUEST_RSC4, false],
  ['host_uso', VIRTIO_NET.HOST_USO, true],
  ['guest_uso4', VIRTIO_NET.GUEST_USO4, true],
  ['guest_uso6', VIRTIO_NET.GUEST_USO6, true],
];

/** What a backend without a vnet header (no peer at all, here) takes away in get_features. */
const NEEDS_VNET_HDR = [
  VIRTIO_NET.CSUM,
  VIRTIO_NET.HOST_TSO4,
  VIRTIO_NET.HOST_TSO6,
  VIRTIO_NET.HOST_ECN,
  VIRTIO_NET.GUEST_CSUM,
  VIRTIO_NET.GUEST_TSO4,
  VIRTIO_NET.GUEST_TSO6,
  VIRTIO_NET.GUEST_ECN,
  VIRTIO_NET.HOST_USO,
  VIRTIO_NET.GUEST_USO4,
  VIRTIO_NET.GUEST_USO6,
  VIRTIO_NET.HASH_REPORT,
  VIRTIO_NET.GUEST_UFO,
  VIRTIO_NET.HOST_UFO,
  VIRTIO_NET.RSS, // no eBPF RSS program without a tap peer
];

/** Whether `release`'s get_features adds VIRTIO_F_RING_RESET without a vhost peer (93a97dc5200a, until 1fac00f70b32). */
export function ringResetAlways(release: string): boolean {
  const [a, b, c] = release.split('.').map(Number) as [number, number, number];
  return (a === 7 && b === 2 && c < 3) || (a === 8 && b === 0 && c < 1);
}

function deviceFeatures(p: Props, variant: VirtioNetVariant, ringReset = false): bigint {
  let f = 1n << VIRTIO_NET.MAC;
  if (ringReset) f |= 1n << VIRTIO_F_RING_RESET;
  for (const [name, bit, dflt] of FEATURE_PROPS) {
    // the USO properties exist from 8.2 (hw_compat_8_1 turns them off for older machine types)
    if (variant === '7.2' && (bit === VIRTIO_NET.HOST_USO || bit === VIRTIO_NET.GUEST_USO4 || bit === VIRTIO_NET.GUEST_USO6)) continue;
    if ((p[name] ?? dflt) === true) f |= 1n << bit;
  }
  if (Number(p.host_mtu ?? 0)) f |= 1n << VIRTIO_NET.MTU;
  for (const b of NEEDS_VNET_HDR) f &= ~(1n << b);
  return f;
}

/** The guest offloads a feature set allows (virtio_net_guest_offloads_by_features). */
export function guestOffloadsByFeatures(features: bigint): bigint {
  const mask = [VIRTIO_NET.GUEST_CSUM, VIRTIO_NET.GUEST_TSO4, VIRTIO_NET.GUEST_TSO6, VIRTIO_NET.GUEST_ECN, VIRTIO_NET.GUEST_UFO, VIRTIO_NET.GUEST_RSC4, VIRTIO_NET.GUEST_RSC6, VIRTIO_NET.GUEST_USO4, VIRTIO_NET.GUEST_USO6].reduce(
    (m, b) => m | (1n << b),
    0n,
  );
  return features & mask;
}

/** virtio_net_config up to the last field the host features need (status by default: 8 bytes). */
export function netConfigLen(p: Props, variant: VirtioNetVariant): number {
  const f = deviceFeatures(p, variant);
  if (hasFeature(f, VIRTIO_NET.RSS) || hasFeature(f, VIRTIO_NET.HASH_REPORT)) return 24;
  if (Number(p.speed ?? -1) >= 0) return 17;
  if (hasFeature(f, VIRTIO_NET.MTU)) return 12;
  if (hasFeature(f, VIRTIO_NET.MQ)) return 10;
  if (hasFeature(f, VIRTIO_NET.STATUS)) return 8;
  return 6;
}

const virtio = (s: State) => s.virtio as VirtioState;
const guestHas = (s: State, bit: bigint) => hasFeature(virtio(s).guest_features, bit);
const parentOf = (tmp: State) => tmp[TMP_PARENT] as State;
const maxPairsGt1 = (s: State) => Number(s.max_queue_pairs) > 1;
const macTableFits = (s: State) => Number(s['mac_table.in_use']) >>> 0 <= MAC_TABLE_ENTRIES;

const vmstate_virtio_net_queue_tx_waiting: VMStateDescription = {
  name: 'virtio-net-queue-tx_waiting',
  version_id: 0,
  fields: [VMSTATE_UINT32('tx_waiting')],
};

/** The tmp that carries the tx_waiting flags of queue pairs 1.. (checks curr_queue_pairs first). */
const vmstate_virtio_net_tx_waiting: VMStateDescription = {
  name: 'virtio-net-tx_waiting',
  version_id: 0,
  pre_save(tmp) {
    const p = parentOf(tmp);
    tmp.vqs_1 = (p.vqs as State[]).slice(1);
    tmp.curr_queue_pairs_1 = Number(p.curr_queue_pairs) === 0 ? 0 : Number(p.curr_queue_pairs) - 1;
  },
  pre_load(tmp) {
    const p = parentOf(tmp);
    tmp.vqs_1 = (p.vqs as State[]).slice(1);
    tmp.curr_queue_pairs_1 = Number(p.curr_queue_pairs) === 0 ? 0 : Number(p.curr_queue_pairs) - 1;
  },
  fields: [VMSTATE_STRUCT_VARRAY_UINT16('vqs_1', 'curr_queue_pairs_1', 0, vmstate_virtio_net_queue_tx_waiting)],
  post_load(tmp) {
    // the pre_load check (QEMU fails before reading any flag)
    const p = parentOf(tmp);
    if (Number(p.curr_queue_pairs) > Number(p.max_queue_pairs)) {
      const h = (x: unknown) => Number(x).toString(16);
      return { errno: EINVAL, message: `virtio-net: curr_queue_pairs ${h(p.curr_queue_pairs)} > max_queue_pairs ${h(p.max_queue_pairs)}` };
    }
  },
};

const vmstate_virtio_net_has_ufo: VMStateDescription = {
  name: 'virtio-net-ufo',
  version_id: 0,
  pre_save(tmp) {
    tmp.has_ufo = parentOf(tmp).has_ufo;
  },
  fields: [VMSTATE_UINT8('has_ufo')],
  post_load(tmp) {
    // this model's NIC has no backend peer: it has no UFO
    if (Number(tmp.has_ufo)) return { errno: EINVAL, message: 'virtio-net: saved image requires TUN_F_UFO support' };
    parentOf(tmp).has_ufo = tmp.has_ufo;
  },
};

const vmstate_virtio_net_has_vnet: VMStateDescription = {
  name: 'virtio-net-vnet',
  version_id: 0,
  pre_save(tmp) {
    tmp.has_vnet_hdr = parentOf(tmp).has_vnet_hdr;
  },
  fields: [VMSTATE_UINT32('has_vnet_hdr')],
  post_load(tmp) {
    if (Number(tmp.has_vnet_hdr)) return { errno: EINVAL, message: 'virtio-net: saved image requires vnet_hdr=on' };
    parentOf(tmp).has_vnet_hdr = tmp.has_vnet_hdr;
  },
};

const vmstate_virtio_net_rss: VMStateDescription = {
  name: 'virtio-net-device/rss',
  version_id: 1,
  minimum_version_id: 1,
  needed: (s) => s['rss_data.enabled'] === true,
  fields: [
    VMSTATE_BOOL('rss_data.enabled'),
    VMSTATE_BOOL('rss_data.redirect'),
    VMSTATE_BOOL('rss_data.populate_hash'),
    VMSTATE_UINT32('rss_data.hash_types'),
    VMSTATE_UINT16('rss_data.indirections_len'),
    VMSTATE_UINT16('rss_data.default_queue'),
    VMSTATE_UINT8_ARRAY('rss_data.key', VIRTIO_NET_RSS_MAX_KEY_SIZE),
    VMSTATE_VARRAY_UINT16('rss_data.indirections_table', 'rss_data.indirections_len', 0, vmstate_info_uint16),
  ],
};

function vmstate_virtio_net_device(): VMStateDescription {
  return {
    name: 'virtio-net-device',
    version_id: 11,
    minimum_version_id: 11,
    fields: [
      VMSTATE_UINT8_ARRAY('mac', 6),
      VMSTATE_STRUCT_POINTER_ELEMENT('vqs', 'vqs', 0, vmstate_virtio_net_queue_tx_waiting),
      VMSTATE_UINT32('mergeable_rx_bufs'),
      VMSTATE_UINT16('status'),
      VMSTATE_UINT8('promisc'),
      VMSTATE_UINT8('allmulti'),
      VMSTATE_UINT32('mac_table.in_use'),
      // guarded pair: a table that fits is loaded, a bigger one skipped (post_load then empties it)
      field('mac_table.macs', {
        info: vmstate_info_buffer,
        flags: F.VMS_VBUFFER | F.VMS_POINTER | F.VMS_MULTIPLY,
        size: 6,
        size_member: 'mac_table.in_use',
        field_exists: (s) => macTableFits(s),
      }),
      VMSTATE_UNUSED_VARRAY_UINT32((s) => !macTableFits(s), 'mac_table.in_use', 6),
      VMSTATE_BUFFER('vlans', MAX_VLAN >> 3),
      VMSTATE_WITH_TMP(vmstate_virtio_net_has_vnet),
      VMSTATE_UINT8('mac_table.multi_overflow'),
      VMSTATE_UINT8('mac_table.uni_overflow'),
      VMSTATE_UINT8('alluni'),
      VMSTATE_UINT8('nomulti'),
      VMSTATE_UINT8('nouni'),
      VMSTATE_UINT8('nobcast'),
      VMSTATE_WITH_TMP(vmstate_virtio_net_has_ufo),
      VMSTATE_SINGLE_TEST('max_queue_pairs', vmstate_info_uint16_equal, (s) => maxPairsGt1(s)),
      VMSTATE_UINT16_TEST('curr_queue_pairs', (s) => maxPairsGt1(s)),
      VMSTATE_WITH_TMP(vmstate_virtio_net_tx_waiting),
      VMSTATE_UINT64_TEST('curr_guest_offloads', (s) => guestHas(s, VIRTIO_NET.CTRL_GUEST_OFFLOADS)),
    ],
    subsections: [vmstate_virtio_net_rss],
    post_load(s) {
      if (Number(s['mac_table.in_use']) >>> 0 > MAC_TABLE_ENTRIES) s['mac_table.in_use'] = 0;
      if (!guestHas(s, VIRTIO_NET.CTRL_GUEST_OFFLOADS)) {
        // only the low 32 feature bits are loaded at this point
        s.curr_guest_offloads = guestOffloadsByFeatures(virtio(s).guest_features & 0xffffffffn);
      }
    },
  };
}

function spec(variant: VirtioNetVariant, ringReset = false) {
  return virtioSpec({
    device: { virtioId: 1, legacyDeviceId: 0x1000, classId: 0x0200, configLen: (p) => netConfigLen(p, variant), optionRom: true },
    deviceFeatures: (p) => deviceFeatures(p, variant, ringReset),
    vmsd: vmstate_virtio_net_device(),
    setFeatures(s, features) {
      // virtio_net_set_features: the VLAN filter table
      const vlans = s.vlans as Uint8Array;
      if (!hasFeature(features, VIRTIO_NET.CTRL_VLAN)) vlans.fill(0xff);
      else if (variant === '7.2') vlans.fill(0);
      s.mergeable_rx_bufs = hasFeature(features, VIRTIO_NET.MRG_RXBUF) ? 1 : 0;
    },
  });
}

export const virtio_net_specs = { '7.2': spec('7.2'), '8.2': spec('8.2') } as const;
/** 7.2.0–7.2.2 and 8.0.0: RING_RESET always offered (ringResetAlways). */
const virtio_net_spec_ring_reset = spec('7.2', true);

function vmstate_virtio_net(sp: ReturnType<typeof spec>): VMStateDescription {
  return {
    name: 'virtio-net',
    version_id: 11,
    minimum_version_id: 11,
    fields: [{ ...field('virtio', { info: virtioInfo(sp) }) }],
  };
}

export function virtioNetVariant(release: string): VirtioNetVariant {
  const [a, b] = release.split('.').map(Number) as [number, number];
  return a * 100 + b >= 802 ? '8.2' : '7.2';
}

export function parseMac(mac: string): number[] {
  return mac.split(':').map((x) => parseInt(x, 16));
}

export { DEFAULT_MAC } from '../common/nic.js';

export function virtioNet(variant: VirtioNetVariant, opts: PciSlotOptions & { ringResetAlways?: boolean } = {}): DeviceClass {
  if (opts.ringResetAlways && variant !== '7.2') throw new Error(`virtio-net ${variant}: RING_RESET was always offered only by 7.2.0–7.2.2 and 8.0.0`);
  const sp = opts.ringResetAlways ? virtio_net_spec_ring_reset : virtio_net_specs[variant];
  const props: DeviceClass['props'] = {
    ...virtioCommonProps(4),
    ...nicProps('efi-virtio.rom', opts.release),
    rx_queue_size: { type: 'uint16', default: 256 },
    tx_queue_size: { type: 'uint16', default: 256 },
    host_mtu: { type: 'uint16', default: 0 },
    speed: { type: 'int32', default: -1 },
  };
  for (const [name, bit, dflt] of FEATURE_PROPS) {
    if (variant === '7.2' && (bit === VIRTIO_NET.HOST_USO || bit === VIRTIO_NET.GUEST_USO4 || bit === VIRTIO_NET.GUEST_USO6)) continue;
    props[name] = { type: 'bool', default: dflt };
  }
  return {
    name: 'virtio-net',
    type: 'virtio-net-device',
    parents: ['virtio-device', 'device'],
    proxy: virtioPciProxy('net'),
    props,
    vmsd: vmstate_virtio_net(sp),
    idstr: pciIdstr(opts.slot ?? 3, 'virtio-net'),
    instanceId: 0,
    guestVisible: ['vlans'],
    reset(p) {
      const v = virtioReset(sp, p, new Uint8Array(netConfigLen(p, variant)), [Number(p.rx_queue_size), Number(p.tx_queue_size), 64]);
      return {
        virtio: v,
        mac: parseMac(String(p.mac)),
        vqs: [{ tx_waiting: 0 }],
        mergeable_rx_bufs: 0,
        status: VIRTIO_NET_S_LINK_UP,
        promisc: 1,
        allmulti: 0,
        'mac_table.in_use': 0,
        'mac_table.macs': new Uint8Array(0),
        // reset runs set_features(0): CTRL_VLAN is not negotiated, every VLAN passes
        vlans: new Uint8Array(MAX_VLAN >> 3).fill(0xff),
        has_vnet_hdr: 0,
        'mac_table.multi_overflow': 0,
        'mac_table.uni_overflow': 0,
        alluni: 0,
        nomulti: 0,
        nouni: 0,
        nobcast: 0,
        has_ufo: 0,
        max_queue_pairs: 1,
        curr_queue_pairs: 1,
        curr_guest_offloads: 0n,
        'rss_data.enabled': false,
        'rss_data.redirect': false,
        'rss_data.populate_hash': false,
        'rss_data.hash_types': 0,
        'rss_data.indirections_len': 0,
        'rss_data.default_queue': 0,
        'rss_data.key': new Array(VIRTIO_NET_RSS_MAX_KEY_SIZE).fill(0),
        'rss_data.indirections_table': [],
      };
    },
    examples(p) {
      const up = this.reset(p);
      const v = up.virtio as VirtioState;
      const host = hostFeatures(sp, p);
      Object.assign(v, { status: 0x0f, guest_features: host, started: true });
      v.config.set([...parseMac(String(p.mac)), 1, 0].slice(0, v.config.length));
      const vlans = new Uint8Array(MAX_VLAN >> 3);
      vlans[100 >> 3] = 1 << (100 & 7); // the guest filters for VLAN 100
      Object.assign(up, { vlans, mergeable_rx_bufs: 1, 'mac_table.in_use': 1, 'mac_table.macs': new Uint8Array([0x01, 0x00, 0x5e, 0, 0, 1]), 'mac_table.multi_overflow': 0 });
      return [this.reset(p), up];
    },
  };
}
