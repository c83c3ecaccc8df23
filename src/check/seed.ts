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
