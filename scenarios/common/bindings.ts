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
 */
import fc from 'fast-check';
import type { CodecTable } from '../../src/source/release/bindings.js';
import type { VMStateInfo } from '../../src/vmstate/types.js';
import { PCIE_CONFIG_SPACE_SIZE, pci_register_device, vmstate_pci_device, pciLayout, type PciConfigInfo } from './pci.js';
import { pciConfigArbitrary } from './pci.gen.js';

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
  vmstate_info_pci_irq_state: () => ({
    info: irqInfo,
    arbitrary: (ctx) => fc.record({ [ctx.field.member!]: fc.constantFrom(0, 1) }),
  }),
};
