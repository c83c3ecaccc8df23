/**
 * The generation of the state generators (src/gen, the devices' *.gen.ts).
 * A seed and a replay path name a state only for one generation: the same
 * seed gives other states when the generators change. Replay lines carry
 * it (`--gen N`) and `repro` refuses another generation's, so a replay line
 * from another vmcompat fails with a message instead of replaying a
 * different state. Bump it with any change to what a seed generates.
 *
 * 1: vmcompat 0.1 (no `--gen` on its replay lines).
 * 2: vmcompat 0.2: byte buffers, config spaces and integer arrays drawn in
 *    one pass, mostly blank.
 * 3: long struct arrays (64 elements or more: hotplug slot status, xhci
 *    device slots) drawn mostly blank, a few elements or a region changed
 *    (src/gen/slots.ts), instead of every element at random.
 */
export const GENERATOR_VERSION = 3;

/** The replay command of one case: its seed, the shrunk counterexample's path when there is one, and the generation. */
export function replayLine(id: string, seed: number, path?: string | null): string {
  return `npx vmcompat repro '${id}' --seed ${seed}${path ? ` --path ${path}` : ''} --gen ${GENERATOR_VERSION}`;
}

/** Per-case seeds: derived from the run seed and the case id, so a case's states do not depend on which other cases run, in what order, or on which worker. */
export function caseSeed(runSeed: number, id: string): number {
  // FNV-1a over the id, mixed with the run seed
  let h = 0x811c9dc5 ^ (runSeed >>> 0);
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 1; // non-negative, so that `--seed N` never reads as an option
}

export function randomSeed(): number {
  return (Math.random() * 0x7fffffff) | 0;
}
