/**
 * virtio-net: the core plus the NIC's members, within what a guest can
 * reach through the control queue and what the load accepts:
 *
 *   the MAC table holds at most 64 entries (a bigger count is dropped by
 *   post_load); the rx-mode bytes are whatever the guest sent;
 *   mergeable_rx_bufs follows MRG_RXBUF; curr_guest_offloads is a subset
 *   of what the negotiated features allow (the control command refuses
 *   more) and, without CTRL_GUEST_OFFLOADS, exactly that; the VLAN table
 *   is all-ones without CTRL_VLAN (set_features sets it so) and the
 *   guest's filter bitmap with it; the tx_waiting flags are 0 or 1;
 *   curr_queue_pairs stays within max_queue_pairs; the link status bits
 *   are LINK_UP and ANNOUNCE. The model's NIC has no backend peer, so
 *   has_vnet_hdr and has_ufo stay 0 and RSS stays off.
 */
import fc from 'fast-check';
import { biased, type CustomArbitrary, type DeviceGen } from '../../src/gen/index.js';
import type { State } from '../../src/vmstate/types.js';
import { hasFeature, type VirtioInfo, type VirtioState } from '../common/virtio.js';
import { virtioStateArbitrary } from '../common/virtio.gen.js';
import { MAC_TABLE_ENTRIES, MAX_VLAN, VIRTIO_NET, guestOffloadsByFeatures } from './virtio-net.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const flag = fc.integer({ min: 0, max: 1 });


/**
 * The VLAN filter table (MAX_VLAN bits, one per VLAN id): a guest filters a
 * handful of VLANs, or all of them. Drawn as a set of ids rather than 512
 * random bytes, so that a failure shrinks to the one VLAN that shows it.
 */
const vlanTable: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: MAX_VLAN - 1 }), { maxLength: 64 }) },
  { weight: 1, arbitrary: fc.constant(null) },
).map((ids) => {
  const table = new Uint8Array(MAX_VLAN >> 3);
  if (ids === null) return table.fill(0xff);
  for (const id of ids) table[id >> 3]! |= 1 << (id & 7);
  return table;
});
export const virtioNetArbitrary: CustomArbitrary = (ctx) => {
  const reset = ctx.resetState;
  const spec = (ctx.field.info as VirtioInfo).spec;
  const pairs = Number(reset.max_queue_pairs);
  return fc
    .record({
      virtio: virtioStateArbitrary(spec, ctx.props, reset.virtio as VirtioState),
      mac: biased(reset.mac as number[], fc.array(u8, { minLength: 6, maxLength: 6 })),
      tx_waiting: fc.array(flag, { minLength: pairs, maxLength: pairs }),
      status: fc.integer({ min: 0, max: 3 }),
      promisc: u8,
      allmulti: u8,
      alluni: u8,
      nomulti: u8,
      nouni: u8,
      nobcast: u8,
      multi_overflow: flag,
      uni_overflow: flag,
      macs: fc.array(fc.uint8Array({ minLength: 6, maxLength: 6 }), { maxLength: 3 }),
      vlans: vlanTable,
      offloads: fc.bigInt(0n, 2n ** 64n - 1n),
      curr: fc.integer({ min: 1, max: Math.max(1, pairs) }),
    })
    .map((g): State => {
      const f = g.virtio.guest_features;
      const allowed = guestOffloadsByFeatures(f & 0xffffffffn);
      const macs = new Uint8Array(g.macs.length * 6);
      g.macs.forEach((m, i) => macs.set(m, i * 6));
      if (g.macs.length > MAC_TABLE_ENTRIES) throw new Error('unreachable');
      return {
        virtio: g.virtio,
        mac: g.mac,
        vqs: g.tx_waiting.map((tx_waiting) => ({ tx_waiting })),
        mergeable_rx_bufs: hasFeature(f, VIRTIO_NET.MRG_RXBUF) ? 1 : 0,
        status: g.status,
        promisc: g.promisc,
        allmulti: g.allmulti,
        'mac_table.in_use': g.macs.length,
        'mac_table.macs': macs,
        vlans: hasFeature(f, VIRTIO_NET.CTRL_VLAN) ? g.vlans : new Uint8Array(MAX_VLAN >> 3).fill(0xff),
        'mac_table.multi_overflow': g.multi_overflow,
        'mac_table.uni_overflow': g.uni_overflow,
        alluni: g.alluni,
        nomulti: g.nomulti,
        nouni: g.nouni,
        nobcast: g.nobcast,
        curr_queue_pairs: pairs > 1 ? g.curr : Number(reset.curr_queue_pairs),
        curr_guest_offloads: hasFeature(f, VIRTIO_NET.CTRL_GUEST_OFFLOADS) ? g.offloads & allowed : allowed,
      };
    });
};

export const virtioNetGen: DeviceGen = { custom: { virtio: virtioNetArbitrary } };
