/**
 * For people who model their own device: a compat property as one test.
 *
 *   import { test } from 'vitest';
 *   import { migrates } from 'vmcompat/vitest';
 *   test('my-dev 1.0 ↔ 2.0 at pc-q35-1.0', migrates({ device: 'my-dev', from: r1, to: r2, machine: 'pc-q35-1.0' }));
 *
 * The returned function runs the property both ways (from→to and to→from,
 * each with its round trip) and throws an Error that explains the first
 * failure and carries the seed and path that replay it.
 */
import type { Release } from '../machine/types.js';
import { stateArbitrary } from '../gen/index.js';
import type { DeviceGen } from '../gen/index.js';
import { hex } from '../wire/errors.js';
import type { ArbitraryFactory } from './property.js';
import { runCase, type CaseResult } from './run.js';

export interface MigratesOptions {
  device: string;
  from: Release;
  to: Release;
  machine: string;
  /** Generated states per direction (default 200). */
  runs?: number;
  seed?: number;
  /** Replay a reported counterexample (with its seed). */
  path?: string;
  /** Custom-codec arbitraries and validity rules for the device. */
  gen?: DeviceGen;
  /** Or a whole arbitrary factory, used instead of `gen`. */
  arbitrary?: ArbitraryFactory;
  /** Which directions to check (default both). */
  directions?: ('forward' | 'backward')[];
}

export class MigrationPropertyError extends Error {
  readonly result: CaseResult;
  constructor(result: CaseResult) {
    const where = [result.vmsd, result.path].filter(Boolean).join(' ');
    super(
      `${result.id}: ${result.kind}${where ? ` in ${where}` : ''}${result.offset !== null ? ` @${hex(result.offset)}` : ''}\n` +
        `${result.message}\n` +
        `counterexample (differences from a reset device): ${JSON.stringify(result.counterexampleDiff)}\n` +
        `replay: seed ${result.seed}${result.replayPath ? `, path ${result.replayPath}` : ''}`,
    );
    this.name = 'MigrationPropertyError';
    this.result = result;
  }
}

export function migrates(o: MigratesOptions): () => void {
  return () => {
    const arbitrary: ArbitraryFactory = o.arbitrary ?? ((engine, key) => stateArbitrary(engine, key, o.gen ?? {}));
    const directions = o.directions ?? ['forward', 'backward'];
    for (const d of directions) {
      const [from, to] = d === 'forward' ? [o.from, o.to] : [o.to, o.from];
      const result = runCase({ device: o.device, from, to, machine: o.machine }, { status: 'pass' }, {
        kind: 'property',
        arbitrary,
        runs: o.runs ?? 200,
        seed: o.seed ?? 1,
        path: o.path,
        exactSeed: o.path !== undefined,
      });
      if (result.status === 'skip') throw new Error(`${result.id} does not apply: ${result.message}`);
      if (result.status === 'fail') throw new MigrationPropertyError(result);
    }
  };
}
