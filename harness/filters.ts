/**
 * The matrix filters as a user types them, made exact before planning:
 * release aliases (`8.2` → `8.2.0`), machine aliases (`q35` → `pc-q35-*`),
 * and a usage error with the nearest names for anything that matches nothing.
 */
import type { Release } from '../src/machine/types.js';
import type { MatrixFilters } from '../src/check/matrix.js';
import { usageError } from './args.js';
import { machineAlias, resolveGlobs, resolveRelease } from './names.js';

export interface FilterArgs {
  from?: string[];
  to?: string[];
  pair?: string[];
  device?: string[];
  machine?: string[];
}

export function resolveFilters(v: FilterArgs, releases: readonly Release[]): MatrixFilters {
  const names = releases.map((r) => r.name);
  const rel = (what: string) => (n: string) => resolveRelease(n, names, what);
  const pairs = v.pair?.map((p) => {
    const parts = p.split(':');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw usageError(`--pair expects A:B (two release names), got '${p}'`);
    return parts.map(rel(`--pair ${p}`)).join(':');
  });
  const devices = [...new Set(releases.flatMap((r) => r.devices.map((d) => d.name)))];
  const machines = [...new Set(releases.flatMap((r) => r.machines.map((m) => m.name)))];
  return {
    from: v.from?.map(rel('--from')),
    to: v.to?.map(rel('--to')),
    pairs,
    device: resolveGlobs(v.device, devices, '--device'),
    machine: resolveGlobs(v.machine, machines, '--machine', machineAlias),
  };
}
