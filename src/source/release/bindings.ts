/**
 * How an extracted model meets hand-written codecs: a table keyed by the C
 * name of a VMStateInfo (`vmstate_info_pci_config`, or the get function of
 * an inline `&(VMStateInfo){ .get = virtio_gpu_load, … }`). The table
 * lives in scenarios/ (device knowledge); src/ only looks names up.
 */
import type { CustomArbitrary } from '../../gen/types.js';
import type { VMStateInfo } from '../../vmstate/types.js';
import type { ExtractedField } from '../model.js';

export interface CodecBinding {
  info: VMStateInfo;
  /** Generates what the codec reads; keyed in DeviceGen.custom by the info's name. */
  arbitrary?: CustomArbitrary;
  /** What the binding leaves out of QEMU's codec (a load check), for the verdict notes. */
  note?: string;
}

export type CodecTable = Readonly<Record<string, (field: ExtractedField) => CodecBinding | null>>;

/** The C name a field's codec is known by: the variable, or an inline VMStateInfo's get function. */
export function codecName(info: string): string {
  const get = /\.get\s*=\s*([A-Za-z_]\w*)/.exec(info);
  return get ? get[1]! : info.replace(/^&\s*/, '');
}
