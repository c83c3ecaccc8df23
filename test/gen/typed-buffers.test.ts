/**
 * Large payloads stay typed end to end: ich9-lpc's 16 KiB chip
 * configuration is generated, saved, loaded and compared as a
 * Uint8ClampedArray on both engines; ich9-ahci's PIO buffer is a
 * Uint8Array, whole (128 KiB) only on the port a PIO transfer is in,
 * empty on the others.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, type EngineKind } from '../../src/machine/engine.js';
import { stateEqual } from '../../src/vmstate/state.js';
import type { State } from '../../src/vmstate/types.js';
import { findRelease } from '../../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { IO_BUFFER_TOTAL_LEN } from '../../scenarios/devices/pci/ide.js';

describe.each(['interpreted', 'compiled'] as EngineKind[])('%s engine', (kind) => {
  it('ich9-lpc: chip_config is generated typed, and a save and load give it back typed and equal', () => {
    const engine = new Engine(findRelease('9.0.0')!, 'pc-q35-8.2', { devices: ['ich9-lpc'], engine: kind });
    const key = engine.instances[0]!.key;
    expect(engine.resetState(key).chip_config).toBeInstanceOf(Uint8ClampedArray);
    const states = fc.sample(deviceStateArbitrary(engine, key), { numRuns: 20, seed: 7 });
    let changed = 0;
    for (const s of states) {
      expect(s.chip_config).toBeInstanceOf(Uint8ClampedArray);
      expect((s.chip_config as Uint8ClampedArray).length).toBe(16384);
      if (!stateEqual(s.chip_config, engine.resetState(key).chip_config)) changed++;
      const r = engine.load(engine.save({ [key]: s }, { describe: false }).bytes);
      expect(r.ok).toBe(true);
      const back = r.ok ? (r.states[key] as State) : {};
      expect(back.chip_config).toBeInstanceOf(Uint8ClampedArray);
      expect(stateEqual(back.chip_config, s.chip_config)).toBe(true);
    }
    expect(changed).toBeGreaterThan(0);
  });
});

it('ich9-ahci: the PIO buffer is whole on a port in a PIO transfer and empty on every other', () => {
  const engine = new Engine(findRelease('9.0.0')!, 'pc-q35-8.2', { devices: ['ich9-ahci'] });
  const states = fc.sample(deviceStateArbitrary(engine, engine.instances[0]!.key), { numRuns: 40, seed: 3 });
  let whole = 0;
  for (const s of states) {
    for (const port of (s.ahci as State).dev as State[]) {
      const b = (port['port.ifs[0]'] as State).io_buffer;
      expect(b).toBeInstanceOf(Uint8Array);
      expect([0, IO_BUFFER_TOTAL_LEN]).toContain((b as Uint8Array).length);
      if ((b as Uint8Array).length) whole++;
    }
  }
  expect(whole).toBeGreaterThan(0);
});
