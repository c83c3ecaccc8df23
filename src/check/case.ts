import { VmError, hex } from '../wire/errors.js';
import { Engine, type EngineOptions } from '../machine/engine.js';
import type { Release } from '../machine/types.js';
import type { State } from '../vmstate/types.js';
import { stateToJson } from '../vmstate/state.js';
import { classifyLoadError } from './classify.js';
import { diffOnWire } from './compare.js';
import type { Failure } from './failure.js';

/** One device, two releases, one machine type both know. `from`→`to` covers the forward load and the from→to→from round trip. */
export interface CaseSpec {
  device: string;
  from: Release;
  to: Release;
  machine: string;
  options?: EngineOptions;
}

export function caseId(device: string, from: string, to: string, machine: string): string {
  return `${device}/${from}->${to}/${machine}`;
}

/** Why a case cannot apply (a release lacks the machine type or the device), or null. */
export function skipReason(spec: CaseSpec): string | null {
  for (const r of [spec.from, spec.to]) {
    if (!r.machines.some((m) => m.name === spec.machine)) return `${r.name} has no machine type ${spec.machine}`;
    if (!r.devices.some((d) => d.name === spec.device)) return `${r.name} has no device ${spec.device}`;
  }
  return null;
}

export interface CaseEngines {
  a: Engine;
  b: Engine;
}

export function makeEngines(spec: CaseSpec): CaseEngines {
  const opts = { ...spec.options, devices: [spec.device] };
  return { a: new Engine(spec.from, spec.machine, opts), b: new Engine(spec.to, spec.machine, opts) };
}

function loadFailure(e: VmError, stage: Failure['stage'], saver: string, loader: string): Failure {
  return { kind: e.kind, stage, saver, loader, path: e.path, vmsd: e.vmsd, offset: e.offset, message: e.message, qemu: e.qemu, qemuKind: e.kind };
}

/**
 * The property for one state s valid under A: B loads A's stream (forward),
 * A loads B's re-save (return), and what comes back equals what A put on
 * the wire. Fields B has and A did not send keep B's reset value.
 */
export function checkState({ a, b }: CaseEngines, key: string, s: State): Failure | null {
  let savedA;
  try {
    savedA = a.save({ [key]: s });
  } catch (e) {
    if (e instanceof VmError) return loadFailure(e, 'baseline', a.release.name, a.release.name);
    throw e;
  }
  // Baseline: A's own round trip, which also applies A's post_load normalisation.
  const base = a.load(savedA.bytes, { trace: false });
  if (!base.ok) {
    const f = loadFailure(base.error, 'baseline', a.release.name, a.release.name);
    return { ...f, message: `the state does not survive ${a.name}'s own save and load: ${f.message}`, bytes: savedA.bytes };
  }
  const sA = base.states[key]!;
  const wire = savedA.sections[0]?.trace ?? [];

  const fwd = b.load(savedA.bytes);
  if (!fwd.ok) return classifyLoadError(fwd.error, 'forward', a.release.name, b.release.name, savedA.sections, fwd.sections, savedA.bytes);
  const sB = fwd.states[key];
  if (!sB) {
    return {
      kind: 'missing-section',
      stage: 'forward',
      saver: a.release.name,
      loader: b.release.name,
      path: null,
      vmsd: null,
      offset: null,
      message: `${b.name} loaded the stream but never received a section for ${key}`,
      qemu: [],
      qemuKind: null,
      bytes: savedA.bytes,
    };
  }
  const changed = diffOnWire(wire, sA, sB, fwd.sections[0]?.trace);
  if (changed) return valueChanged(changed, 'forward', a.release.name, b.release.name, savedA.bytes);

  let savedB;
  try {
    savedB = b.save({ [key]: sB }, { trace: false });
  } catch (e) {
    if (e instanceof VmError) return loadFailure(e, 'return', b.release.name, a.release.name);
    throw e;
  }
  let ret = a.load(savedB.bytes, { trace: false });
  if (!ret.ok) {
    // do it again with traces (both sides are deterministic) to say where it broke
    const traced = b.save({ [key]: sB });
    ret = a.load(traced.bytes);
    if (!ret.ok) return classifyLoadError(ret.error, 'return', b.release.name, a.release.name, traced.sections, ret.sections, traced.bytes);
  }
  const back = diffOnWire(wire, sA, ret.states[key] ?? {});
  if (back) return valueChanged(back, 'compare', a.release.name, `${b.release.name}->${a.release.name}`, savedA.bytes);
  return null;
}

function valueChanged(d: ReturnType<typeof diffOnWire> & object, stage: Failure['stage'], saver: string, loader: string, bytes: Uint8Array): Failure {
  const show = (v: unknown) => JSON.stringify(stateToJson(v));
  return {
    kind: 'value-changed',
    stage,
    saver,
    loader,
    path: d.path,
    vmsd: d.entry.vmsd,
    offset: d.entry.offset,
    message: `${d.entry.vmsd}:${d.path} (sent at ${hex(d.entry.offset)}) was ${show(d.sent)} at ${saver} and is ${show(d.received)} after ${loader}`,
    qemu: [],
    qemuKind: null,
    sent: d.sent,
    received: d.received,
    bytes,
  };
}
