/**
 * The check's two ways to a verdict give the same one: the untraced path
 * (save and load without traces, coveredEqual over whole states, the
 * traces only to explain a difference) and the traced one (diffOnWire
 * over every leaf), and both the interpreter's. Over generated states of
 * every device of a few release pairs around the virtio-gpu 9.0 break,
 * both ways, and every mutation-suite variant: cases that pass and cases
 * that fail, with the same failure.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { releases } from '../scenarios/releases/index.js';
import { base, mutations } from '../scenarios/mutations/mutdev.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';
import { Engine, type EngineKind } from '../src/machine/engine.js';
import type { Release } from '../src/machine/types.js';
import { checkStates, passes } from '../src/check/case.js';
import type { State } from '../src/vmstate/types.js';

const STATES = 4;
const SEED = 20261204;
const rel = (n: string): Release => releases.find((r) => r.name === n)!;

function engines(a: Release, b: Release, machine: string, device: string, kind: EngineKind) {
  const opts = { devices: [device], engine: kind };
  return { a: new Engine(a, machine, opts), b: new Engine(b, machine, opts) };
}

interface Tally {
  passed: number;
  failed: number;
}

/** The verdict of every path on every state; returns how many passed and failed. */
function agreeOn(a: Release, b: Release, machine: string, device: string, states: State[]): Tally {
  const C = engines(a, b, machine, device, 'compiled');
  const I = engines(a, b, machine, device, 'interpreted');
  const t: Tally = { passed: 0, failed: 0 };
  for (const s of states) {
    const vm = { [device]: s };
    const traced = passes(C, vm, 'traced');
    const untraced = passes(C, vm, 'untraced');
    const reference = passes(I, vm);
    const what = `${device} ${a.name} -> ${b.name} @ ${machine}`;
    expect(untraced, `${what}: untraced vs traced`).toBe(traced);
    expect(traced, `${what}: compiled vs interpreted`).toBe(reference);
    if (traced) t.passed++;
    else {
      t.failed++;
      // the failure the compiled traced compare (narrowed to the members found different) reports is the interpreter's
      expect(checkStates(C, vm), `${what}: the failure`).toEqual(checkStates(I, vm));
    }
  }
  return t;
}

function sample(a: Release, machine: string, device: string, seed: number, n = STATES): State[] {
  const e = new Engine(a, machine, { devices: [device], engine: 'interpreted' });
  return fc.sample(deviceStateArbitrary(e, device), { numRuns: n, seed });
}

describe('untraced check = traced check', () => {
  const machine = 'pc-q35-8.2';
  const pairs: [string, string][] = [
    ['8.2.0', '9.0.0'],
    ['9.0.0', '9.0.1'],
    ['8.2.0', '9.0.1'],
    ['9.0.1', '9.1.0'],
  ];
  for (const [x, y] of pairs) {
    for (const [from, to] of [
      [x, y],
      [y, x],
    ] as const) {
      it(`every device ${from} -> ${to} @ ${machine}`, () => {
        const A = rel(from);
        const B = rel(to);
        const total: Tally = { passed: 0, failed: 0 };
        for (const d of A.devices) {
          if (!B.devices.some((e) => e.name === d.name)) continue;
          if (d.boardOnly && !d.boardOnly.machines.includes(machine)) continue;
          const t = agreeOn(A, B, machine, d.name, sample(A, machine, d.name, SEED));
          total.passed += t.passed;
          total.failed += t.failed;
        }
        expect(total.passed).toBeGreaterThan(0);
      });
    }
  }

  it('the virtio-gpu 9.0 break fails on both paths, at the scanout, as the interpreter says', () => {
    const A = rel('9.0.0');
    const B = rel('8.2.0');
    const states = sample(A, machine, 'virtio-gpu', SEED, 8);
    const t = agreeOn(A, B, machine, 'virtio-gpu', states);
    expect(t.failed).toBeGreaterThan(0);
    const C = engines(A, B, machine, 'virtio-gpu', 'compiled');
    const I = engines(A, B, machine, 'virtio-gpu', 'interpreted');
    const failing = states.find((s) => !passes(C, { 'virtio-gpu': s }, 'untraced'))!;
    const f = checkStates(C, { 'virtio-gpu': failing });
    expect(f).not.toBeNull();
    expect(f).toEqual(checkStates(I, { 'virtio-gpu': failing }));
    expect(f!.vmsd).toMatch(/virtio-gpu/);
  });

  it('8.2.0 -> 9.0.1 virtio-gpu (the fix, whose scanouts carry members 8.2 lacks) passes untraced', () => {
    const A = rel('8.2.0');
    const B = rel('9.0.1');
    const t = agreeOn(A, B, machine, 'virtio-gpu', sample(A, machine, 'virtio-gpu', SEED, 8));
    expect(t.failed).toBe(0);
  });

  it.each(mutations.map((m) => [m.release.name, m] as const))('mutation %s, both ways', (_name, m) => {
    const mm = 'pc-q35-1.0';
    let checked = 0;
    for (const [a, b] of [
      [base, m.release],
      [m.release, base],
    ]) {
      const t = agreeOn(a, b, mm, 'mutdev', sample(a, mm, 'mutdev', SEED, 8));
      checked += t.passed + t.failed;
    }
    expect(checked).toBe(16);
  });

  it('the mutation suite has failing variants the untraced path fails', () => {
    let failed = 0;
    for (const m of mutations) {
      for (const [a, b] of [
        [base, m.release],
        [m.release, base],
      ]) {
        failed += agreeOn(a, b, 'pc-q35-1.0', 'mutdev', sample(a, 'pc-q35-1.0', 'mutdev', SEED + 1, 8)).failed;
      }
    }
    expect(failed).toBeGreaterThan(0);
  });
});
