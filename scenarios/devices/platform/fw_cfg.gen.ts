/** fw_cfg: its one custom codec only reads v1 streams; a v2 save never reaches it, so it generates nothing. */
import fc from 'fast-check';
import type { DeviceGen } from '../../../src/gen/index.js';

export const fwCfgGen: DeviceGen = { custom: { int32_as_uint16: () => fc.constant({}) } };
