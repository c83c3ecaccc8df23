import type { Release } from '../../src/machine/types.js';
import { release_8_2_0 } from './8.2.0.js';
import { release_9_0_0 } from './9.0.0.js';
import { release_9_0_1 } from './9.0.1.js';

/** The built-in release models, oldest first. */
export const releases: Release[] = [release_8_2_0, release_9_0_0, release_9_0_1];

export function findRelease(name: string, from: readonly Release[] = releases): Release | undefined {
  return from.find((r) => r.name === name);
}
