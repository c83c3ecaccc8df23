import { expect, test } from 'vitest';
import { migrates, MigrationPropertyError } from './vitest.js';
import { base, mutations } from '../../scenarios/mutations/mutdev.js';

const variant = (name: string) => mutations.find((m) => m.name === name)!.release;

test('a compat property reads as one test', migrates({ device: 'mutdev', from: base, to: variant('field-added-compat'), machine: 'pc-q35-1.0', runs: 300 }));

test('a broken device fails the test with the failure explained and a replay', () => {
  const run = migrates({ device: 'mutdev', from: base, to: variant('nested-bump'), machine: 'pc-q35-1.0', runs: 100 });
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(MigrationPropertyError);
  const e = caught as MigrationPropertyError;
  expect(e.message).toMatch(/^mutdev\/mut-base->next-nested-bump\/pc-q35-1\.0: short-read in mutdev-inner inner\.r2 @0x/);
  expect(e.message).toMatch(/replay: seed \d+, path [\d:]+$/);
  // the printed seed and path replay the same failure
  const again = migrates({ device: 'mutdev', from: base, to: variant('nested-bump'), machine: 'pc-q35-1.0', seed: e.result.seed!, path: e.result.replayPath!, directions: ['forward'] });
  expect(again).toThrow(e.message.split('\n')[0]);
});
