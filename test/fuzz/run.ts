import { anatomy, mutate, type Anatomy } from './mutate.js';
import { Rng } from './rng.js';
import type { Seed } from './corpus.js';
import { runInput, type Verdict } from './target.js';

/** Counts of one fuzz run, by outcome and by typed error kind, with the findings themselves. */
export interface FuzzReport {
  inputs: number;
  /** Parser runs by outcome: ok, typed, crash, incomplete-message, reencode-mismatch. */
  outcomes: Record<string, number>;
  kinds: Record<string, number>;
  mutators: Record<string, number>;
  /** Inputs that took longer than `slowMs` of wall time. */
  slow: number;
  /** Of those, the ones that also used that much CPU (not just waited for a core). */
  slowCpu: number;
  maxMs: number;
  maxMsInput: string;
  maxCpuMs: number;
  /** The first findings (crashes, incomplete messages, mismatches, slow inputs), for the report. */
  findings: { input: string; parser: string; detail: string }[];
}

export interface FuzzOptions {
  seeds: Seed[];
  /** Random mutations to run (after the boundary cuts). */
  n: number;
  seed: number;
  /** Also cut every seed at every structural boundary (keeping its description too). */
  boundaries?: boolean;
  /** At most this many cut points per seed, evenly spread over its boundaries (default: all). */
  maxCuts?: number;
  slowMs?: number;
  maxFindings?: number;
  /** Called after each input (progress, memory). */
  onInput?: (i: number, report: FuzzReport) => void;
  /** Called before each input with its label (a watchdog names the input that hangs). */
  onBefore?: (label: string) => void;
}

export function emptyReport(): FuzzReport {
  return { inputs: 0, outcomes: {}, kinds: {}, mutators: {}, slow: 0, slowCpu: 0, maxMs: 0, maxMsInput: '', maxCpuMs: 0, findings: [] };
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

/** Runs one input through every parser and folds the verdicts into `rep`. */
export function record(rep: FuzzReport, label: string, mutator: string, bytes: Uint8Array, seed: Seed, slowMs: number, maxFindings: number): void {
  const r = runInput(bytes, seed.engine);
  rep.inputs++;
  bump(rep.mutators, mutator);
  if (r.ms > rep.maxMs) {
    rep.maxMs = r.ms;
    rep.maxMsInput = label;
  }
  rep.maxCpuMs = Math.max(rep.maxCpuMs, r.cpuMs);
  if (r.ms > slowMs) {
    rep.slow++;
    if (r.cpuMs > slowMs) rep.slowCpu++;
    if (rep.findings.length < maxFindings) rep.findings.push({ input: label, parser: '(all)', detail: `took ${r.ms.toFixed(0)} ms (${r.cpuMs.toFixed(0)} ms of CPU)` });
  }
  for (const { parser, verdict } of r.verdicts) {
    bump(rep.outcomes, verdict.outcome);
    if (verdict.outcome === 'typed') bump(rep.kinds, verdict.kind);
    else if (verdict.outcome !== 'ok' && rep.findings.length < maxFindings) rep.findings.push({ input: label, parser, detail: detailOf(verdict) });
  }
}

function detailOf(v: Verdict): string {
  return 'detail' in v ? v.detail : v.outcome;
}

/**
 * The fuzz loop: every seed cut at each of its structural boundaries (with and without
 * its description), then `n` random mutations of random seeds. Deterministic for a
 * given `seed`; labels name the seed, the mutator and the input's index so that any
 * finding can be replayed.
 */
export function fuzz(opts: FuzzOptions): FuzzReport {
  const rep = emptyReport();
  const slowMs = opts.slowMs ?? 1000;
  const maxFindings = opts.maxFindings ?? 50;
  const rng = new Rng(opts.seed);
  const anat: Anatomy[] = opts.seeds.map((s) => anatomy(s.bytes));
  let i = 0;
  if (opts.boundaries ?? true) {
    opts.seeds.forEach((s, k) => {
      const a = anat[k]!;
      const max = opts.maxCuts ?? Infinity;
      const cuts = a.boundaries.length <= max ? a.boundaries : Array.from({ length: max }, (_, j) => a.boundaries[Math.floor((j * a.boundaries.length) / max)]!);
      for (const b of cuts) {
        opts.onBefore?.(`${s.name} cut@${b}`);
        record(rep, `${s.name} cut@${b}`, 'boundary-cut', a.bytes.slice(0, b), s, slowMs, maxFindings);
        if (a.json !== null && b < a.recordsEnd) {
          const kept = new Uint8Array(b + a.bytes.length - a.recordsEnd);
          kept.set(a.bytes.subarray(0, b));
          kept.set(a.bytes.subarray(a.recordsEnd), b);
          record(rep, `${s.name} cut@${b}+description`, 'boundary-cut-keep-description', kept, s, slowMs, maxFindings);
        }
        opts.onInput?.(i++, rep);
      }
    });
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const s of opts.seeds) cumulative.push((total += s.weight ?? 1));
  const pickSeed = (): number => {
    const x = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  for (let j = 0; j < opts.n; j++) {
    const k = pickSeed();
    const m = mutate(anat[k]!, rng);
    const label = `${opts.seeds[k]!.name} #${j} ${m.mutator} (seed ${opts.seed})`;
    opts.onBefore?.(label);
    record(rep, label, m.mutator, m.bytes, opts.seeds[k]!, slowMs, maxFindings);
    opts.onInput?.(i++, rep);
  }
  return rep;
}
