/**
 * The Debian 7.2.22 and 10.0.2 source trees (.cache/src, unpacked by
 * `npm run source:setup`) as the release models extracted from them, for the
 * tests that run cases on them. A missing tree is a failure, never a skip.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadReleases } from '../../harness/releases.js';
import type { Release } from '../../src/machine/types.js';
import { SOURCE_SETUP_HINT } from '../../src/source/extract.js';

export const DEBIAN_TREES = ['.cache/src/qemu-7.2.22', '.cache/src/qemu-10.0.2'].map((t) => resolve(t));

export async function debianTreeReleases(): Promise<{ r72: Release; r100: Release }> {
  for (const t of DEBIAN_TREES) if (!existsSync(join(t, 'VERSION'))) throw new Error(`${t}: QEMU source tree missing; ${SOURCE_SETUP_HINT}`);
  const all = await loadReleases(DEBIAN_TREES);
  return { r72: all.find((r) => r.name === '7.2.22')!, r100: all.find((r) => r.name === '10.0.2')! };
}
