/**
 * The 30-field bench device: 30 scalar fields of every width (the last one
 * gated on version 2) and a subsection, as a one-device release named
 * `name` with a single pc-q35-1.0 machine type. Both engine benches
 * (bench/engines.mjs over dist/, bench/property.bench.ts over src/) use it.
 */
import * as D from '../../vmstate/dsl.js';
import { buildMachines } from '../../machine/compat.js';
import type { DeviceClass, Release } from '../../machine/types.js';
import type { State, VMStateField } from '../../vmstate/types.js';

export function wide30Release(name: string): Release {
  const makers = [D.VMSTATE_UINT8, D.VMSTATE_UINT16, D.VMSTATE_UINT32, D.VMSTATE_UINT64, D.VMSTATE_INT32, D.VMSTATE_BOOL];
  const fields: VMStateField[] = Array.from({ length: 29 }, (_, i) => makers[i % makers.length]!(`f${i}`));
  fields.push(D.VMSTATE_UINT32_V('f29', 2));
  const dev: DeviceClass = {
    name: 'wide30',
    type: 'wide30',
    parents: ['device'],
    props: {},
    vmsd: {
      name: 'wide30',
      version_id: 2,
      minimum_version_id: 1,
      fields,
      subsections: [{ name: 'wide30/extra', version_id: 1, minimum_version_id: 1, needed: (s) => s.f0 !== 0, fields: [D.VMSTATE_UINT32('extra')] }],
    },
    idstr: 'wide30',
    instanceId: 0,
    reset: () => {
      const s: State = { extra: 0 };
      fields.forEach((f, i) => (s[f.name] = [0, 0, 0, 0n, 0, false][i % 6] ?? 0));
      s.f29 = 0;
      return s;
    },
  };
  return { name, compatArrays: {}, devices: [dev], machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['1.0'] }], {}) };
}
