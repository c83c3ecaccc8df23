/**
 * The driver the device tests share: every built-in release × machine type
 * for one device, and one property run over an engine that round-trips
 * each generated state and counts what came out.
 */
import fc from 'fast-check';
import { Engine } from '../../machine/engine.js';
import type { Release } from '../../machine/types.js';
import type { State } from '../../vmstate/types.js';
import { releases } from '../../../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../../../scenarios/devices/gen-registry.js';
import { firstDiff, roundTrip } from './roundtrip.js';

export const RUNS = 200;
export const SEED = 20240522;

export interface EngineCase {
  name: string;
  engine: Engine;
  device: string;
}

export function engineCases(device: string, from: readonly Release[] = releases): EngineCase[] {
  return from.flatMap((release) =>
    release.devices.some((d) => d.name === device)
      ? release.machines.map((machine) => ({
          name: `${release.name} ${machine.name}`,
          engine: new Engine(release, machine.name, { devices: [device] }),
          device,
        }))
      : [],
  );
}

export interface RunStats {
  runs: number;
  /** States that came back unchanged from load(save(s)). */
  exact: number;
  /** How many runs sent each subsection. */
  sent: Map<string, number>;
  /** States for which `count` returned true, by name. */
  counted: Map<string, number>;
}

/**
 * fc.assert over `runs` generated states: each saves and loads back; after
 * one more round trip it is a fixed point; and when `valid(s)` holds (the
 * device's post_load leaves it alone) load(save(s)) equals s exactly.
 */
export function runDevice(
  { engine, device }: EngineCase,
  opts: { runs?: number; seed?: number; valid?: (s: State) => boolean; count?: Record<string, (s: State) => boolean> } = {},
): RunStats {
  const runs = opts.runs ?? RUNS;
  const stats: RunStats = { runs, exact: 0, sent: new Map(), counted: new Map() };
  fc.assert(
    fc.property(deviceStateArbitrary(engine, device, { strict: true }), (s) => {
      const { once, twice, subsections } = roundTrip(engine, device, s);
      const fixed = firstDiff(twice, once);
      if (fixed) throw new Error(`load(save(load(save(s)))) differs from load(save(s)) at ${fixed}`);
      const d = firstDiff(once, s);
      if (d && (opts.valid?.(s) ?? true)) throw new Error(`load(save(s)) differs from s at ${d}`);
      if (!d) stats.exact++;
      for (const sub of new Set(subsections)) stats.sent.set(sub, (stats.sent.get(sub) ?? 0) + 1);
      for (const [name, f] of Object.entries(opts.count ?? {})) if (f(s)) stats.counted.set(name, (stats.counted.get(name) ?? 0) + 1);
    }),
    { numRuns: runs, seed: opts.seed ?? SEED },
  );
  return stats;
}
