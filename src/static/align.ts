/**
 * Pairs two field lists in order by name (a longest common subsequence), so
 * that one inserted or removed field is one change and the fields after it
 * pair up again — unlike a positional walk, which gives up at the first
 * mismatch.
 */
export type Step<T> = { a: T; b: T } | { a: T; b: null } | { a: null; b: T };

export function align<T>(as: readonly T[], bs: readonly T[], key: (x: T) => string): Step<T>[] {
  const n = as.length;
  const m = bs.length;
  // lcs[i][j]: length of the longest common subsequence of as[i..] and bs[j..]
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = key(as[i]!) === key(bs[j]!) ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const steps: Step<T>[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (key(as[i]!) === key(bs[j]!)) steps.push({ a: as[i++]!, b: bs[j++]! });
    else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) steps.push({ a: as[i++]!, b: null });
    else steps.push({ a: null, b: bs[j++]! });
  }
  while (i < n) steps.push({ a: as[i++]!, b: null });
  while (j < m) steps.push({ a: null, b: bs[j++]! });
  return steps;
}

/** A run of unpaired fields between two pairs: what A has there and what B has there. */
export type Chunk<T> = { kind: 'pair'; a: T; b: T } | { kind: 'gap'; a: T[]; b: T[] };

export function chunks<T>(steps: readonly Step<T>[]): Chunk<T>[] {
  const out: Chunk<T>[] = [];
  for (const s of steps) {
    if (s.a !== null && s.b !== null) {
      out.push({ kind: 'pair', a: s.a, b: s.b });
      continue;
    }
    let last = out.at(-1);
    if (!last || last.kind !== 'gap') out.push((last = { kind: 'gap', a: [], b: [] }));
    if (s.a !== null) last.a.push(s.a);
    else last.b.push(s.b!);
  }
  return out;
}
