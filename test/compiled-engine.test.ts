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
import { checkStates, passes } from '../src/check/case.js';
import type { State, VMStateDescription, VMStateInfo } from '../src/vmstate/types.js';

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

/** Every codec with a fast path (VMStateInfo.fast) a VMSD tree reaches: fields, subsections, the VMSDs codecs save inline. */
function fastCodecs(root: VMStateDescription, out = new Set<VMStateInfo>(), seen = new Set<VMStateDescription>()): Set<VMStateInfo> {
  if (seen.has(root)) return out;
  seen.add(root);
  for (const f of root.fields) {
    if (f.info?.fast) out.add(f.info);
    if (f.vmsd) fastCodecs(f.vmsd, out, seen);
    for (const n of f.info?.nested ?? []) fastCodecs(n, out, seen);
  }
  for (const s of root.subsections ?? []) fastCodecs(s, out, seen);
  return out;
}

/** Counts the calls of every fast put and get, so that a test can tell it ran them. */
function countFastCalls(codecs: Iterable<VMStateInfo>): { calls: () => number; restore: () => void } {
  let n = 0;
  const undo: (() => void)[] = [];
  for (const info of codecs) {
    const fast = info.fast!;
    const { put, get } = fast;
    fast.put = (...a) => (n++, put(...a));
    fast.get = (...a) => (n++, get(...a));
    undo.push(() => Object.assign(fast, { put, get }));
  }
  return { calls: () => n, restore: () => undo.forEach((u) => u()) };
}

/**
 * A state with more in it than the generator puts there: every array of
 * structs grown by copies of its elements with their numbers changed, so
 * that a slot array carries live slots past the destination's own array
 * (which its load grows) and slots past the sender's queue count.
 */
function grown(s: unknown, depth = 0): unknown {
  if (Array.isArray(s)) {
    const out = s.map((x) => grown(x, depth + 1));
    const structs = out.filter((x) => x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x));
    if (structs.length === out.length && structs.length > 0 && depth < 4) {
      for (let k = 0; k < 3; k++) out.push(bumped(structs[k % structs.length], k + 1));
    }
    return out;
  }
  if (s !== null && typeof s === 'object' && !ArrayBuffer.isView(s)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) o[k] = grown(v, depth + 1);
    return o;
  }
  return s;
}

function bumped(v: unknown, by: number): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? (v + by) & 0x7fff : v;
  if (typeof v === 'bigint') return v + BigInt(by);
  if (Array.isArray(v)) return v.map((x) => bumped(x, by));
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = bumped(x, by);
    return o;
  }
  return v;
}

/** Damage at evenly spread offsets of the section's payload, so that every stretch of a long stream (a slot array's tail) is hit. */
function spread(bytes: Uint8Array, payload: number, end: number, n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    const at = payload + Math.floor(((end - payload) * k) / n);
    const flip = bytes.slice();
    flip[at] = (flip[at]! ^ (1 << k % 8)) & 0xff;
    out.push(flip, bytes.slice(0, at));
  }
  return out;
}

describe('codec fast paths = their reference put/get', () => {
  const last = releases[releases.length - 1]!;
  const prev = releases[releases.length - 2]!;
  const withFast = last.devices.filter((d) => fastCodecs(d.vmsd).size > 0 && prev.devices.some((x) => x.name === d.name)).map((d) => d.name);

  it('the fast paths the compiled engine has are the slot arrays, virtio and the IDE io_buffer', () => {
    const names = new Set(last.devices.flatMap((d) => [...fastCodecs(d.vmsd)].map((i) => i.name)));
    for (const n of ['virtqueue_state', 'ringsize_state', 'virtio_pci/modern_queue_state', 'virtqueue_extra_state', 'virtio', 'uint8 varray']) expect(names.has(n), n).toBe(true);
    expect(withFast.length).toBeGreaterThan(0);
  });

  it.each(withFast)('%s: grown states, then cut and flipped at 48 offsets each', (device) => {
    const machine = last.machines.map((m) => m.name).find((m) => prev.machines.some((x) => x.name === m))!;
    const I = engines(prev, last, machine, device, 'interpreted');
    const C = engines(prev, last, machine, device, 'compiled');
    const counter = countFastCalls(new Set([...fastCodecs(I.a.instance(device).cls.vmsd), ...fastCodecs(I.b.instance(device).cls.vmsd)]));
    try {
      let checked = 0;
      for (const s of sampleStates(prev, machine, device, SEED).flatMap((x) => [x, grown(x) as State])) {
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
        const sec = iSave.sections[0]!;
        for (const bytes of [iSave.bytes, ...spread(iSave.bytes, sec.payloadOffset, sec.payloadEnd, 48)]) {
          same(loadView(C.b.load(bytes)), loadView(I.b.load(bytes)));
          same(loadView(C.a.load(bytes, { trace: false })), loadView(I.a.load(bytes, { trace: false })));
        }
        same(checkStates(C, sent), checkStates(I, sent));
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
      expect(counter.calls()).toBeGreaterThan(0);
    } finally {
      counter.restore();
    }
  });
});

describe('the compiled verdict without traces (whole states first) = the traced one', () => {
  it('over the mutation suite and every device of the catalogue: the same pass or fail as the interpreter, with passes of differing states among them', () => {
    const seen = { pass: 0, valueChanged: 0, differOffWire: 0 };
    const pairs: { a: Release; b: Release; machine: string; device: string }[] = [];
    for (const m of mutations) pairs.push({ a: base, b: m.release, machine: 'pc-q35-1.0', device: 'mutdev' }, { a: m.release, b: base, machine: 'pc-q35-1.0', device: 'mutdev' });
    // every device at every adjacent pair, each device's own machine types taken in turn (as above)
    pairs.push(...combos());
    for (const { a, b, machine, device } of pairs) {
      const I = engines(a, b, machine, device, 'interpreted');
      const C = engines(a, b, machine, device, 'compiled');
      for (const s of sampleStates(a, machine, device, SEED + 2).slice(0, 1)) {
        const sent = { [device]: s };
        const verdict = passes(C, sent);
        expect(verdict, `${device} ${a.name} -> ${b.name}`).toBe(passes(I, sent));
        if (verdict) {
          seen.pass++;
          // a pass where B's state differs from A's somewhere: the traces had to say that it is off the wire
          const saved = I.a.save(sent, { trace: false, describe: false });
          const there = I.b.load(saved.bytes, { trace: false, eof: false });
          const back = I.a.load(saved.bytes, { trace: false, eof: false });
          if (there.ok && back.ok && !isDeepStrictEqual(there.states[device], back.states[device])) seen.differOffWire++;
        } else if (checkStates(I, sent)?.kind === 'value-changed') seen.valueChanged++;
      }
    }
    expect(seen.pass).toBeGreaterThan(0);
    expect(seen.valueChanged).toBeGreaterThan(0);
    expect(seen.differOffWire).toBeGreaterThan(0);
  });
});

describe('integer arrays in one call (Writer.ints / Reader.ints) = element by element', () => {
  // ich9-lpc's 16 KiB chip_config (uint8), vmmouse's 1,024-word queue (uint32), isa-ipmi-kcs's messages
  const last = releases[releases.length - 1]!;
  const prev = releases[releases.length - 2]!;
  it.each(['ich9-lpc', 'vmmouse', 'isa-ipmi-kcs'])('%s: saved, then cut and flipped at 64 offsets', (device) => {
    const machine = last.machines.map((m) => m.name).find((m) => prev.machines.some((x) => x.name === m) && m.startsWith('pc-q35'))!;
    const I = engines(prev, last, machine, device, 'interpreted');
    const C = engines(prev, last, machine, device, 'compiled');
    let checked = 0;
    for (const s of sampleStates(prev, machine, device, SEED + 3)) {
      const sent = { [device]: s };
      const iSave = I.a.save(sent, { describe: false });
      const cSave = C.a.save(sent, { describe: false });
      same(cSave.bytes, iSave.bytes);
      const sec = iSave.sections[0]!;
      for (const bytes of spread(iSave.bytes, sec.payloadOffset, sec.payloadEnd, 64)) {
        same(loadView(C.b.load(bytes)), loadView(I.b.load(bytes)));
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
