import type { Release } from '../../src/machine/types.js';
import { release_7_2_0 } from './7.2.0.js';
import { release_7_2_1 } from './7.2.1.js';
import { release_7_2_3 } from './7.2.3.js';
import { release_8_0_0 } from './8.0.0.js';
import { release_8_0_1 } from './8.0.1.js';
import { release_8_1_0 } from './8.1.0.js';
import { release_8_2_0 } from './8.2.0.js';
import { release_9_0_0 } from './9.0.0.js';
import { release_9_0_1 } from './9.0.1.js';
import { release_9_1_0 } from './9.1.0.js';
import { release_9_2_0 } from './9.2.0.js';
import { release_10_0_0 } from './10.0.0.js';

/** The built-in release models, oldest first. */
export const releases: Release[] = [
  release_7_2_0,
  release_7_2_1,
  release_7_2_3,
  release_8_0_0,
  release_8_0_1,
  release_8_1_0,
  release_8_2_0,
  release_9_0_0,
  release_9_0_1,
  release_9_1_0,
  release_9_2_0,
  release_10_0_0,
];

export function findRelease(name: string, from: readonly Release[] = releases): Release | undefined {
  return from.find((r) => r.name === name);
}
