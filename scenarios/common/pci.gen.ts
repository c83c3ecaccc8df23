/**
 * Arbitraries for what a PCI function migrates (pci.ts, msix.ts), within
 * what a running guest can reach and the destination's load accepts:
 *
 *   config   the reset config with the guest-writable bits (wmask) random
 *            and the write-one-to-clear status bits random (hardware sets
 *            them, the guest clears them); every other bit — the ones the
 *            load checks — stays as the device built it; the status
 *            register's interrupt bit mirrors irq_state
 *   irq      only the device's own INTx pin can be raised
 *   MSI-X    any table contents (the guest writes whole dwords), pending
 *            bits only for vectors that exist
 */
import fc, { type Arbitrary } from 'fast-check';
import { biased, blankBiasedBytes, maskedBytes, sizedBytes, type CustomArbitrary } from '../../src/gen/index.js';
import type { State } from '../../src/vmstate/types.js';
import { PCI_MSIX_ENTRY_SIZE, pciUpdateIrqStatus, type PciConfigInfo, type PciConfigSpace, type PciDeviceState } from './pci.js';

/** A reachable config space: reset bits where the guest cannot write, random bits where it can. */
export function pciConfigArbitrary(d: PciConfigSpace, reset: Uint8Array): Arbitrary<Uint8Array> {
  const mask = new Uint8Array(d.size);
  for (let i = 0; i < d.size; i++) mask[i] = d.wmask[i]! | d.w1cmask[i]!;
  return maskedBytes(reset, mask);
}

/** irq_state: nothing, or the device's own pin. */
export function pciIrqArbitrary(d: PciConfigSpace): Arbitrary<number> {
  return fc.constantFrom(0, 1 << d.intx);
}

export function msixArbitrary(n: number, reset: { table: Uint8Array; pba: Uint8Array }): Arbitrary<{ msix_table: Uint8Array; msix_pba: Uint8Array }> {
  const pbaLen = (n + 7) >> 3;
  return fc.record({
    msix_table: blankBiasedBytes(reset.table, n * PCI_MSIX_ENTRY_SIZE),
    msix_pba: maskedBytes(
      sizedBytes(reset.pba, pbaLen),
      Uint8Array.from({ length: pbaLen }, (_, i) => (i === pbaLen - 1 && n % 8 ? (1 << n % 8) - 1 : 0xff)),
    ),
  });
}

/** A whole PCIDevice (config, irq, MSI-X) consistent with itself: the interrupt status bit follows irq_state. */
export function pciDeviceArbitrary(d: PciConfigSpace, reset: PciDeviceState): Arbitrary<PciDeviceState> {
  const n = d.msix_entries_nr;
  return fc
    .record({
      config: pciConfigArbitrary(d, reset.config),
      irq_state: biased(reset.irq_state, pciIrqArbitrary(d)),
      msix: n ? msixArbitrary(n, { table: reset.msix_table!, pba: reset.msix_pba! }) : fc.constant(null),
    })
    .map(({ config, irq_state, msix }) => {
      const s: PciDeviceState = { ...reset, config, irq_state };
      if (msix) Object.assign(s, msix);
      pciUpdateIrqStatus(s);
      return s;
    });
}

/* Custom arbitraries for devices that carry the PCIDevice in their own VMSD (VMSTATE_PCI_DEVICE, VMSTATE_MSIX). */

/** `pci config` — the config member of the PCIDevice struct. */
export const pciConfigCustom: CustomArbitrary = (ctx) => {
  const d = (ctx.field.info as PciConfigInfo).layout(ctx.props);
  return pciConfigArbitrary(d, ctx.resetValue as Uint8Array).map((config) => ({ config }));
};

/** `pci irq state` — any pins here; `refinePciDevice` keeps the device's own and pairs it with the status bit. */
export const pciIrqCustom: CustomArbitrary = (ctx) => biased(Number(ctx.resetValue ?? 0), fc.integer({ min: 0, max: 15 })).map((irq_state) => ({ irq_state }));

/** `msix state` — table and PBA of the PCIDevice struct. */
export const msixCustom: CustomArbitrary = (ctx) => {
  const s = ctx.resetState as PciDeviceState;
  const n = s.msix_table ? s.msix_table.length / PCI_MSIX_ENTRY_SIZE : 0;
  return n ? msixArbitrary(n, { table: s.msix_table!, pba: s.msix_pba! }) : fc.constant({});
};

/** The device-level rule for a PCIDevice at `member`: only the device's own pin, and the status bit follows it. */
export function refinePciDevice(state: State, member: string, d: PciConfigSpace): void {
  const s = state[member] as PciDeviceState | undefined;
  if (!s) return;
  s.irq_state &= 1 << d.intx;
  pciUpdateIrqStatus(s);
}

export const pciCustom = { 'pci config': pciConfigCustom, 'pci irq state': pciIrqCustom, 'msix state': msixCustom };
