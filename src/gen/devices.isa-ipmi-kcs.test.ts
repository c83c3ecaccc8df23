import { describe, expect, test } from 'vitest';
import type { State } from '../vmstate/types.js';
import { kcsPositionsValid } from '../../scenarios/devices/isa-ipmi-kcs.gen.js';
import { engineCases, RUNS, runDevice } from './_test/matrix.js';

describe.each(engineCases('isa-ipmi-kcs'))('isa-ipmi-kcs at $name', (c) => {
  test(`${RUNS} generated states load back; post_load normalisation is a fixed point`, () => {
    const stats = runDevice(c, { valid: (s) => kcsPositionsValid(s.kcs as State) });
    // mostly valid states, some that post_load normalises
    expect(stats.exact).toBeGreaterThan(RUNS / 2);
    expect(stats.exact).toBeLessThan(RUNS);
    expect([...stats.sent.keys()]).toEqual([]); // ipmi-interface has no subsections
  });
});
