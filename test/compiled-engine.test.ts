/**
 * The compiled engine against the interpreter, its oracle: over generated
 * states of every device × adjacent release pair (both ways) × machine
 * type of the catalogue (machine types sampled, every one somewhere), and
 * every mutation-suite variant: the same bytes and traces on save, the
 * same states or the same error (kind, VMSD, path, offset, QEMU's lines,
 * message) on load, also of damaged streams, and the same verdict of the
 * whole bidirectional check.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { releases } from '../scenarios/releases/index.js';
import { base, mutations } from '../scenarios/mutations/mutdev.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';
import { Engine, type EngineKind, type LoadResult } from '../src/machine/engine.js';
import type { Release } from '../src/machine/types.js';
import { checkStates } from '../src/check/case.js';
import type { State } from '../src/vmstate/types.js';

const STATES = 2;

/** toEqual walks big states slowly: compare natively, and let toEqual draw the difference only when there is one. */
function same(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}
const SEED = 20261203;

function engines(a: Release, b: Release, machine: string, device: string, kind: EngineKind) {
  const opts = { devices: [device], engine: kind };
  return { a: new Engine(a, machine, opts), b: new Engine(b, machine, opts) };
}

/** What a load tells: the states, or the error and where each section stopped, and the traces. */
function loadView(r: LoadResult) {
  const sections = r.sections.map((s) => ({ key: s.instance.key, payloadEnd: s.payloadEnd, trace: s.trace }));
  if (!r.ok) {
    const e = r.error;
    return { ok: false, kind: e.kind, vmsd: e.vmsd, path: e.path, offset: e.offset, qemu: e.qemu, message: e.message, errno: e.errno, sections };
  }
  return { ok: true, states: r.states, warnings: r.warnings.map((w) => w.message), sections };
}

/** Byte damage that reaches the failure paths: one byte changed, the stream cut short. */
function damaged(bytes: Uint8Array, payload: number, end: number, rnd: () => number): Uint8Array[] {
  if (end <= payload) return [];
  const flip = bytes.slice();
  const at = payload + Math.floor(rnd() * (end - payload));
  flip[at] = (flip[at]! + 1 + Math.floor(rnd() * 255)) & 0xff;
  const cut = bytes.slice(0, payload + Math.floor(rnd() * (end - payload)));
  return [flip, cut];
}

/** mulberry32: a small seeded generator for the damage. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function compareOn(a: Release, b: Release, machine: string, device: string, states: State[], seed: number): number {
  const I = engines(a, b, machine, device, 'interpreted');
  const C = engines(a, b, machine, device, 'compiled');
  const rnd = random(seed);
  let checked = 0;
  for (const s of states) {
    const sent = { [device]: s };
    let iSave;
    try {
      iSave = I.a.save(sent, { describe: false });
    } catch (e) {
      expect(() => C.a.save(sent, { describe: false })).toThrow(e as Error);
      continue;
    }
    const cSave = C.a.save(sent, { describe: false });
    same(cSave.bytes, iSave.bytes);
    same(cSave.sections.map((x) => x.trace), iSave.sections.map((x) => x.trace));
    for (const [ie, ce] of [
      [I.a, C.a],
      [I.b, C.b],
    ] as const) {
      same(loadView(ce.load(cSave.bytes)), loadView(ie.load(iSave.bytes)));
    }
    const sec = iSave.sections[0];
    if (sec) {
      for (const bad of damaged(iSave.bytes, sec.payloadOffset, sec.payloadEnd, rnd)) {
        same(loadView(C.b.load(bad)), loadView(I.b.load(bad)));
        same(loadView(C.a.load(bad)), loadView(I.a.load(bad)));
      }
    }
    same(checkStates(C, sent), checkStates(I, sent));
    checked++;
  }
  return checked;
}

function sampleStates(a: Release, machine: string, device: string, seed: number): State[] {
  const e = new Engine(a, machine, { devices: [device], engine: 'interpreted' });
  return fc.sample(deviceStateArbitrary(e, device), { numRuns: STATES, seed });
}

interface Combo {
  a: Release;
  b: Release;
  machine: string;
  device: string;
}

/** Every device of every adjacent pair both ways, at one machine type each, the machine types taken in turn. */
function combos(): Combo[] {
  const out: Combo[] = [];
  let turn = 0;
  for (let i = 0; i + 1 < releases.length; i++) {
    for (const [a, b] of [
      [releases[i]!, releases[i + 1]!],
      [releases[i + 1]!, releases[i]!],
    ]) {
      const machines = a.machines.map((m) => m.name).filter((m) => b.machines.some((x) => x.name === m));
      for (const d of a.devices) {
        if (!b.devices.some((x) => x.name === d.name)) continue;
        out.push({ a, b, machine: machines[turn++ % machines.length]!, device: d.name });
      }
    }
  }
  return out;
}

describe('compiled engine = interpreter', () => {
  const all = combos();
  const devices = [...new Set(all.map((c) => c.device))];
  it.each(devices)('%s over every adjacent release pair', (device) => {
    let checked = 0;
    for (const c of all.filter((x) => x.device === device)) {
      const states = sampleStates(c.a, c.machine, device, SEED + checked);
      checked += compareOn(c.a, c.b, c.machine, device, states, SEED + checked);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('every machine type of the catalogue is covered', () => {
    const covered = new Set(all.map((c) => c.machine));
    const known = new Set(releases.flatMap((r) => r.machines.map((m) => m.name)));
    const pairable = [...known].filter((m) => releases.some((r, i) => releases[i + 1] && r.machines.some((x) => x.name === m) && releases[i + 1]!.machines.some((x) => x.name === m)));
    for (const m of pairable) expect(covered.has(m), m).toBe(true);
  });

  it.each(mutations.map((m) => [m.release.name, m] as const))('mutation %s, both ways', (_name, m) => {
    const machine = 'pc-q35-1.0';
    let checked = 0;
    for (const [a, b] of [
      [base, m.release],
      [m.release, base],
    ]) {
      const states = sampleStates(a, machine, 'mutdev', SEED).concat(sampleStates(a, machine, 'mutdev', SEED + 1));
      checked += compareOn(a, b, machine, 'mutdev', states, SEED);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('VMCOMPAT_ENGINE picks the engine; an unknown one is refused', () => {
    const r = releases[0]!;
    const prev = process.env.VMCOMPAT_ENGINE;
    try {
      process.env.VMCOMPAT_ENGINE = 'interpreted';
      expect(new Engine(r, r.machines[0]!.name).kind).toBe('interpreted');
      delete process.env.VMCOMPAT_ENGINE;
      expect(new Engine(r, r.machines[0]!.name).kind).toBe('compiled');
      process.env.VMCOMPAT_ENGINE = 'fast';
      expect(() => new Engine(r, r.machines[0]!.name)).toThrow(/VMCOMPAT_ENGINE='fast'/);
    } finally {
      if (prev === undefined) delete process.env.VMCOMPAT_ENGINE;
      else process.env.VMCOMPAT_ENGINE = prev;
    }
  });
});
