import { VmError, hex } from '../wire/errors.js';
import { Engine, type EngineOptions, type SectionLayout } from '../machine/engine.js';
import { stateCoverer } from '../machine/reset-cache.js';
import { differingMembersFor } from '../vmstate/compile/covered.js';
import type { CompatEntry, Release } from '../machine/types.js';
import type { State, VMStateDescription } from '../vmstate/types.js';
import { stateEqual } from '../vmstate/state.js';
import { classifyLoadError } from './classify.js';
import { diffOnWire, uncheckedKeys } from './compare.js';
import { describeChange } from './show.js';
import type { Failure } from './failure.js';
import { hasUnused, placeholderFailure, placeholderFed } from './placeholder.js';

/** One device, two releases, one machine type both know. `from`→`to` covers the forward load and the from→to→from round trip. */
export interface CaseSpec {
  device: string;
  from: Release;
  to: Release;
  machine: string;
  options?: EngineOptions;
  /** `-global`s of the sending (`from`) and the receiving (`to`) side, after the machine type's compat properties. */
  globals?: { src: CompatEntry[]; dst: CompatEntry[] };
}

export function caseId(device: string, from: string, to: string, machine: string): string {
  return `${device}/${from}->${to}/${machine}`;
}

/** A case over a device QEMU refuses to migrate (DeviceClass.unmigratable) cannot apply: why, naming the release. */
export function refusedReason(device: string, release: string, why: string): string {
  return `QEMU refuses to migrate ${device} (${release}): ${why}`;
}

/** Why a case cannot apply (a release lacks the machine type or the device, the device is board-only and that machine's board does not create it, or QEMU refuses to migrate it), or null. */
export function skipReason(spec: CaseSpec): string | null {
  for (const r of [spec.from, spec.to]) {
    if (!r.machines.some((m) => m.name === spec.machine)) return `${r.name} has no machine type ${spec.machine}`;
    if (!r.devices.some((d) => d.name === spec.device)) return `${r.name} has no device ${spec.device}`;
  }
  for (const r of [spec.from, spec.to]) {
    const b = r.devices.find((d) => d.name === spec.device)!.boardOnly;
    if (b && !b.machines.includes(spec.machine)) return `${spec.device} cannot be in ${spec.machine} (${r.name}): ${b.why}`;
  }
  for (const r of [spec.from, spec.to]) {
    const w = r.devices.find((d) => d.name === spec.device)!.onlyWhen;
    if (w) return `${spec.device} is not in a VM the cases configure (${r.name}): ${w.why}`;
  }
  for (const r of [spec.from, spec.to]) {
    const u = r.devices.find((d) => d.name === spec.device)!.unmigratable;
    if (u) return refusedReason(spec.device, r.name, u.why);
  }
  return null;
}

export interface CaseEngines {
  a: Engine;
  b: Engine;
}

export function makeEngines(spec: CaseSpec): CaseEngines {
  const opts = { ...spec.options, devices: [spec.device] };
  const side = (g: CompatEntry[] | undefined) => ({ ...opts, globals: [...(opts.globals ?? []), ...(g ?? [])] });
  return { a: new Engine(spec.from, spec.machine, side(spec.globals?.src)), b: new Engine(spec.to, spec.machine, side(spec.globals?.dst)) };
}

function loadFailure(e: VmError, stage: Failure['stage'], saver: string, loader: string): Failure {
  return { kind: e.kind, stage, saver, loader, path: e.path, vmsd: e.vmsd, offset: e.offset, message: e.message, qemu: e.qemu, qemuKind: e.kind };
}

/**
 * The property for one state s valid under A: B loads A's stream (forward),
 * A loads B's re-save (return), and what comes back equals what A put on
 * the wire. Fields B has and A did not send keep B's reset value.
 */
export function checkState(engines: CaseEngines, key: string, s: State): Failure | null {
  return checkStates(engines, { [key]: s });
}

/**
 * The same for a whole VM: one state per device instance (keyed as the
 * engines key them), all in one stream. A section the destination does not
 * know fails as QEMU fails; a device the destination has and the source did
 * not send is state loss, which QEMU never reports.
 */
export function checkStates(engines: CaseEngines, states: Record<string, State>): Failure | null {
  // Streams without their JSON description are a third cheaper to write, and
  // pass or fail exactly as the real ones do (the description follows EOF,
  // where no section reads). A failure is checked again on full streams: a
  // receiver that reads past its section reads into the description, so what
  // it reads there and where it stops are QEMU's. A stream without its
  // description does not end where a real one does, so its loads do not take
  // its end for the end of the input (a subsection peek there is no -EIO).
  if (passes(engines, states)) return null;
  return checkWith(engines, states, true);
}

/**
 * How a verdict is reached: `auto` (default) runs compiled engines without
 * traces first where that has mostly paid off for the pair (QuickStats),
 * `untraced` always first, `traced` always with traces (the interpreter's
 * path). All three give the same verdict; tests hold them to it.
 */
export type CheckPath = 'auto' | 'untraced' | 'traced';

/** Whether the states survive, without building the failure QEMU would report (what a shrinker needs). */
export function passes(engines: CaseEngines, states: Record<string, State>, path: CheckPath = 'auto'): boolean {
  return checkWith(engines, states, false, path) === null;
}

function checkWith({ a, b }: CaseEngines, states: Record<string, State>, describe: boolean, path: CheckPath = 'auto'): Failure | null {
  const A = a.release.name;
  const B = b.release.name;
  // Compiled engines asked for a verdict only run without traces and compare
  // what the sent states cover first (see wholeStatesAgree); the interpreter
  // always takes the traced path, the reference this one is held to.
  const quick = !describe && path !== 'traced' && a.kind === 'compiled' && b.kind === 'compiled' ? quickStats(a, b) : null;
  // placeholder bytes are told from the sender's save trace only (placeholderFed): a sender with any takes the traced path
  let traced = quick === null || (path === 'auto' && !quick.worthIt()) || a.instances.some((i) => hasUnused(i.cls.vmsd));
  // A verdict alone needs no stream of its own: the saves lend the engines'
  // buffers (a's stays untouched while b saves into its own), and B's save
  // of the states B loaded may let B's pre_save write to them, since
  // nothing reads them after.
  const lend = !describe && a !== b;
  let savedA;
  try {
    savedA = a.save(states, { describe, trace: traced, borrow: lend });
  } catch (e) {
    if (e instanceof VmError) return loadFailure(e, 'baseline', A, A);
    throw e;
  }
  // Baseline: A's own round trip, which also applies A's post_load normalisation.
  const base = a.load(savedA.bytes, { trace: false, eof: describe });
  if (!base.ok) {
    const f = loadFailure(base.error, 'baseline', A, A);
    return { ...f, message: `the state does not survive ${a.name}'s own save and load: ${f.message}`, bytes: savedA.bytes };
  }
  const lost = guestVisibleLoss(a, states, base.states, savedA.bytes);
  if (lost) return lost;

  let fwd = b.load(savedA.bytes, { eof: describe, trace: traced });
  if (!fwd.ok) return classifyLoadError(fwd.error, 'forward', A, B, savedA.sections, fwd.sections, savedA.bytes);
  const missing = fwd.warnings.find((w) => w.kind === 'missing-section');
  if (missing) {
    return {
      kind: 'missing-section',
      stage: 'forward',
      saver: A,
      loader: B,
      path: null,
      vmsd: null,
      offset: null,
      message: `state loss: ${B} loaded the stream but ${missing.message}`,
      qemu: [],
      qemuKind: null,
      bytes: savedA.bytes,
    };
  }
  /** The traces after all: A's save and B's load again with them (both sides are deterministic: the same bytes, the same states). */
  const retrace = (): void => {
    savedA = a.save(states, { describe });
    const again = b.load(savedA.bytes, { eof: describe });
    if (!again.ok) throw new Error(`${B} loaded ${A}'s stream once and failed on it the second time: ${again.error.message}`);
    fwd = again;
    traced = true;
  };
  if (!traced && !quick!.agree(wholeStatesAgree(savedA.sections, base.states, fwd.states))) retrace();
  // the compiled engines' traced compare looks only under the members a whole-state compare found different
  const narrow = a.kind === 'compiled' && b.kind === 'compiled';
  for (const sec of savedA.sections) {
    const read = fwd.sections.find((x) => x.instance.key === sec.instance.key);
    const sent = base.states[sec.instance.key]!;
    const got = fwd.states[sec.instance.key]!;
    const fed = placeholderFed(sec.trace, read?.trace, got, b.resetState(sec.instance.key));
    if (fed) return placeholderFailure(fed, A, B, savedA.bytes);
    const only = narrow ? differingMembers(sec.instance.cls.vmsd)(sent, got) : null;
    if (only && only.size === 0) continue;
    const changed = diffOnWire(sec.trace, sent, got, read?.trace, undefined, only);
    if (changed) return valueChanged(changed, 'forward', A, B, savedA.bytes);
  }

  let savedB;
  try {
    savedB = b.save(fwd.states, { trace: false, describe, borrow: lend, consume: !describe });
  } catch (e) {
    if (e instanceof VmError) return loadFailure(e, 'return', B, A);
    throw e;
  }
  // B sent back exactly A's stream: A's load of it is the baseline's (loads
  // are deterministic), which agrees with itself on every leaf
  if (sameStream(savedB.bytes, savedA.bytes)) return null;
  let ret = a.load(savedB.bytes, { trace: false, eof: describe });
  if (!ret.ok && !describe) return loadFailure(ret.error, 'return', B, A);
  if (!ret.ok) {
    // do it again with traces (both sides are deterministic) to say where it broke
    const savedBTraced = b.save(fwd.states, { describe });
    ret = a.load(savedBTraced.bytes, { eof: describe });
    if (!ret.ok) return classifyLoadError(ret.error, 'return', B, A, savedBTraced.sections, ret.sections, savedBTraced.bytes);
  }
  if (!traced && !quick!.agree(wholeStatesAgree(savedA.sections, base.states, ret.states))) retrace();
  if (!traced) return null;
  for (const sec of savedA.sections) {
    // what B took only in part on the way (a virtio config of another length) is not held against the round trip
    const sent = base.states[sec.instance.key]!;
    const back0 = ret.states[sec.instance.key] ?? {};
    const only = narrow ? differingMembers(sec.instance.cls.vmsd)(sent, back0) : null;
    if (only && only.size === 0) continue;
    const partial = uncheckedKeys(fwd.sections.find((x) => x.instance.key === sec.instance.key)?.trace);
    const back = diffOnWire(sec.trace, sent, back0, undefined, partial, only);
    if (back) return valueChanged(back, 'compare', A, `${B}->${A}`, savedA.bytes);
  }
  return null;
}

const memberDiffs = new WeakMap<VMStateDescription, ReturnType<typeof differingMembersFor>>();

/** differingMembersFor, one per VMSD. */
function differingMembers(vmsd: VMStateDescription): ReturnType<typeof differingMembersFor> {
  let f = memberDiffs.get(vmsd);
  if (!f) memberDiffs.set(vmsd, (f = differingMembersFor(vmsd)));
  return f;
}

function sameStream(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === y.length && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/**
 * How often whole states agreed for a pair of engines: where they mostly do
 * not (B has members A lacks, say), the untraced save and load would only be
 * done again with traces, so the check takes the traced path from the start,
 * trying the quick one again every so often. Either path gives the same verdict.
 */
interface QuickStats {
  worthIt(): boolean;
  agree(agreed: boolean): boolean;
}

const quickByPair = new WeakMap<Engine, WeakMap<Engine, QuickStats>>();

function quickStats(a: Engine, b: Engine): QuickStats {
  let byB = quickByPair.get(a);
  if (!byB) quickByPair.set(a, (byB = new WeakMap()));
  let st = byB.get(b);
  if (!st) {
    let tries = 0;
    let agreed = 0;
    let checks = 0;
    st = {
      worthIt: () => tries < 8 || agreed * 2 >= tries || ++checks % 32 === 0,
      agree: (ok) => {
        // the last 64 or so count
        if (tries >= 64) {
          tries /= 2;
          agreed /= 2;
        }
        tries++;
        if (ok) agreed++;
        return ok;
      },
    };
    byB.set(b, st);
  }
  return st;
}

/**
 * Whether every section's received state agrees with the sent one on what
 * the sent one covers (coveredEqual, compile/covered.ts: the sender's
 * members and the members its VMSD names, structs its VMSD saves compared
 * on those, everything else whole). Then no leaf of the sender's trace
 * differs either, whatever leaves the trace holds and whatever members
 * the receiver has besides, and diffOnWire finds nothing: the verdict
 * needs no trace. Only when they differ somewhere does the check take the
 * traces to tell whether that is on the wire.
 */
function wholeStatesAgree(sections: readonly SectionLayout[], sent: Record<string, State>, received: Record<string, State>): boolean {
  for (const sec of sections) {
    const covered = stateCoverer(sec.instance.cls, sec.instance.props);
    if (!covered(sent[sec.instance.key], received[sec.instance.key] ?? {})) return false;
  }
  return true;
}

/**
 * Silent state loss: members a device declares guest-visible must come
 * through the sender's own round trip. QEMU's loader cannot notice when the
 * VMSD does not carry them; the guest does.
 */
function guestVisibleLoss(a: Engine, sent: Record<string, State>, back: Record<string, State>, bytes: Uint8Array): Failure | null {
  for (const inst of a.instances) {
    const s = sent[inst.key];
    if (!s || !inst.cls.guestVisible) continue;
    for (const m of inst.cls.guestVisible) {
      const before = s[m];
      const after = back[inst.key]?.[m];
      if (!stateEqual(before, after)) {
        return {
          kind: 'state-loss',
          stage: 'baseline',
          saver: a.release.name,
          loader: a.release.name,
          path: m,
          vmsd: inst.cls.vmsd.name,
          offset: null,
          message: `${inst.key}: '${m}' is guest-visible but does not survive ${a.name}'s own migration: it ${describeChange(before, after, a.name, 'the load')} (the VMSD does not carry it and no post_load restores it)`,
          qemu: [],
          qemuKind: null,
          sent: before,
          received: after,
          bytes,
        };
      }
    }
  }
  return null;
}

function valueChanged(d: ReturnType<typeof diffOnWire> & object, stage: Failure['stage'], saver: string, loader: string, bytes: Uint8Array): Failure {
  return {
    kind: 'value-changed',
    stage,
    saver,
    loader,
    path: d.path,
    vmsd: d.entry.vmsd,
    offset: d.entry.offset,
    message: `${d.entry.vmsd}:${d.path} (sent at ${hex(d.entry.offset)}) ${describeChange(d.sent, d.received, saver, loader)}`,
    qemu: [],
    qemuKind: null,
    sent: d.sent,
    received: d.received,
    bytes,
  };
}
