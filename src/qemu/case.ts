import type { CaseResult } from '../check/run.js';
import { caseResult, failureFields } from '../check/result.js';
import type { Failure } from '../check/failure.js';
import { decode, decodeStream, type DecodedStream } from '../wire/decode.js';
import { encodeStream } from '../wire/encode.js';
import { VmError, type ErrorKind } from '../wire/errors.js';
import type { QemuBinary } from './binaries.js';
import { compareStreams, type FieldDifference, type IgnoredDifference, type StreamComparison } from './compare.js';
import { diagnose } from './diagnose.js';
import { loadAndSave, saveToFile, type ThroughResult, type VmConfig } from './driver.js';
import { QemuError } from './errors.js';
import { explainRejection, type SidesModels } from './explain.js';
import { globalsIn, type ModelFor } from './model.js';

/**
 * A real cross-version case: binary A saves a paused guest, binary B loads the stream
 * and saves again at the same machine type, and both streams are decoded and compared
 * device by device, field by field. A run is the two directions, A→B and B→A.
 */

export interface RealCaseSpec {
  a: QemuBinary;
  b: QemuBinary;
  machine: string;
  /** `-device` values, the same on both sides unless `dstDevices` is given. */
  devices: string[];
  memMb?: number;
  /** Extra arguments for both sides. */
  args?: string[];
  /** Give the destination another machine type / device list / arguments (to reproduce setup mismatches). */
  dstMachine?: string;
  dstDevices?: string[];
  dstArgs?: string[];
  /** Per QEMU process (default 30 s). */
  timeoutMs?: number;
  /**
   * Keep QEMU's default RTC (host clock). By default both sides run the RTC on the VM
   * clock from a fixed base, see DETERMINISTIC_RTC.
   */
  hostRtc?: boolean;
  /**
   * The release model that stands for each binary (the harness passes the built-in
   * models by version). With one, a rejected stream is explained field by field and
   * property runs mutate inside sections the stream only sizes (virtio).
   */
  models?: ModelFor;
  /**
   * Called with each stream of a direction before it is dropped: the source's
   * save (`forward`) and, when the destination loaded it, its re-save
   * (`resaved`). `stopped` says why a stream has no successor.
   * A property run (`--runs`) calls it for every state it tries, `run` naming the
   * state (`run-000` the unmutated one, `run-NNN` fast-check's runs, `shrink-NNN`
   * the shrinking steps), with two more roles: `mutated` (vmcompat's re-encoding
   * of the mutated state, before the source loads it) and `returned` (the
   * source's save of the destination's stream).
   */
  onStream?: (s: KeptStream) => void;
}

/** One stream of a direction, as `onStream` sees it. */
export interface KeptStream {
  role: 'mutated' | 'forward' | 'resaved' | 'returned';
  machine: string;
  from: QemuBinary;
  to: QemuBinary;
  /** Who wrote the bytes: a binary's name, or `vmcompat` for a mutated state. */
  savedBy: string;
  bytes: Uint8Array;
  stopped: string | null;
  /** The property run's state; null in a plain run. */
  run: string | null;
}

/** What the models need of one direction: each side's model, machine type and -global settings. */
export function sidesModels(spec: RealCaseSpec, from: QemuBinary, to: QemuBinary): SidesModels {
  return {
    sender: spec.models?.(from) ?? null,
    receiver: spec.models?.(to) ?? null,
    senderMachine: sideVm(spec, 'src').machine,
    receiverMachine: sideVm(spec, 'dst').machine,
    senderGlobals: [...globalsIn(from.extraArgs), ...globalsIn(sideVm(spec, 'src').args ?? [])],
    receiverGlobals: [...globalsIn(to.extraArgs), ...globalsIn(sideVm(spec, 'dst').args ?? [])],
  };
}

/**
 * With the default `-rtc clock=host` the RTC's time-of-day keeps ticking on a paused
 * guest, so cmos_data, base_rtc, last_update, update_timer and next_alarm_time differ
 * between a save and the re-save a moment later. On the VM clock from a fixed base
 * they do not (checked on 7.2 and 10.0), so every field can be compared.
 */
export const DETERMINISTIC_RTC = ['-rtc', 'base=2000-01-01T00:00:00,clock=vm'];

/** The guest each side runs. */
export function sideVm(spec: RealCaseSpec, side: 'src' | 'dst'): VmConfig {
  const args = side === 'dst' ? (spec.dstArgs ?? spec.args ?? []) : (spec.args ?? []);
  const rtc = spec.hostRtc || args.includes('-rtc') ? [] : DETERMINISTIC_RTC;
  return {
    machine: side === 'dst' ? (spec.dstMachine ?? spec.machine) : spec.machine,
    devices: side === 'dst' ? (spec.dstDevices ?? spec.devices) : spec.devices,
    memMb: spec.memMb,
    args: [...rtc, ...args],
  };
}

export interface RealTimings {
  /** The source's boot + save. */
  saveMs: number;
  /** The destination's boot + load + save. */
  loadSaveMs: number;
  decodeMs: number;
  compareMs: number;
  totalMs: number;
}

/** CaseResult (same reporters as model cases) plus what only real runs have. */
export interface RealCaseResult extends CaseResult {
  /** Binary paths and versions behind `from` / `to`. */
  fromBinary: string;
  toBinary: string;
  differences: FieldDifference[];
  ignored: IgnoredDifference[];
  renamed: StreamComparison['renamed'];
  unused: StreamComparison['unused'];
  addedByDst: string[];
  fieldsCompared: number;
  /** QEMU's own lines when the destination rejected the stream. */
  qemu: string[];
  timings: RealTimings;
  /** A property run's counterexample: the name its kept streams carry (`run-007`, `shrink-004`). */
  counterexampleRun?: string | null;
}

export function deviceColumn(devices: readonly string[]): string {
  return devices.length ? devices.map((d) => d.split(',')[0]).join('+') : '(board only)';
}

export function baseResult(spec: RealCaseSpec, from: QemuBinary, to: QemuBinary): RealCaseResult {
  const device = deviceColumn(spec.devices);
  return {
    ...caseResult({ id: `${device}/${from.name}->${to.name}/${spec.machine}`, device, from: from.name, to: to.name, machine: spec.machine }, { states: 1 }),
    fromBinary: `${from.path} (${from.version})`,
    toBinary: `${to.path} (${to.version})`,
    differences: [],
    ignored: [],
    renamed: [],
    unused: [],
    addedByDst: [],
    fieldsCompared: 0,
    qemu: [],
    timings: { saveMs: 0, loadSaveMs: 0, decodeMs: 0, compareMs: 0, totalMs: 0 },
  };
}

/** A→B and B→A. */
export async function runRealCase(spec: RealCaseSpec): Promise<RealCaseResult[]> {
  return [await runDirection(spec, spec.a, spec.b), await runDirection(spec, spec.b, spec.a)];
}

/** One direction: `from` saves, `to` loads and saves again, the two streams are compared. */
export async function runDirection(spec: RealCaseSpec, from: QemuBinary, to: QemuBinary, stream?: Uint8Array): Promise<RealCaseResult> {
  const t0 = performance.now();
  const r = baseResult(spec, from, to);
  const srcVm = sideVm(spec, 'src');
  const dstVm = sideVm(spec, 'dst');
  const done = () => {
    r.timings.totalMs = performance.now() - t0;
    return r;
  };
  let src: Uint8Array;
  if (stream) src = stream;
  else {
    try {
      src = await saveToFile({ binary: from, vm: srcVm, timeoutMs: spec.timeoutMs });
    } catch (e) {
      if (!(e instanceof QemuError)) throw e;
      const broke = processFailure(e.kind);
      if (broke) {
        // The source process itself failed (crashed, hung, not QMP): no verdict, an error.
        fail(r, { kind: broke, stage: 'forward', saver: from.name, loader: to.name, path: null, vmsd: null, offset: null, message: `${from.name} could not save: ${e.message}`, qemu: [], qemuKind: null, qemuStage: e.stage });
        return done();
      }
      // The source cannot run this configuration at all: nothing to migrate.
      Object.assign(r, { status: 'skip', message: `${from.name} cannot run it: ${firstLine(e.stderr || e.message)}` });
      return done();
    }
    r.timings.saveMs = performance.now() - t0;
  }
  const t1 = performance.now();
  const through = await loadAndSave({ binary: to, vm: dstVm, timeoutMs: spec.timeoutMs }, src);
  r.timings.loadSaveMs = performance.now() - t1;
  spec.onStream?.({ role: 'forward', machine: spec.machine, from, to, savedBy: from.name, bytes: src, stopped: through.ok ? null : `${to.name} ${through.kind}: ${firstLine(through.stderr || through.message)}`, run: null });
  if (through.ok) spec.onStream?.({ role: 'resaved', machine: spec.machine, from, to, savedBy: to.name, bytes: through.stream, stopped: null, run: null });
  if (!through.ok) {
    if (through.kind === 'config-refused') {
      Object.assign(r, { status: 'skip', message: `${to.name} cannot run it: ${firstLine(through.stderr || through.message)}` });
      return done();
    }
    fail(r, loadFailure(through, src, from.name, to.name, sidesModels(spec, from, to)));
    return done();
  }
  const t2 = performance.now();
  const a = decode(src);
  const b = decode(through.stream);
  r.timings.decodeMs = performance.now() - t2;
  if (!a.ok || !b.ok) {
    const e = (a.ok ? b : a) as { ok: false; error: VmError };
    fail(r, {
      kind: e.error.kind,
      stage: 'compare',
      saver: a.ok ? to.name : from.name,
      loader: 'vmcompat decode',
      path: e.error.path,
      vmsd: e.error.vmsd,
      offset: e.error.offset,
      message: `QEMU accepted the stream but vmcompat cannot decode ${a.ok ? `${to.name}'s re-save` : `${from.name}'s stream`}: ${e.error.message}`,
      qemu: [],
      qemuKind: null,
      bytes: a.ok ? through.stream : src,
    });
    return done();
  }
  // Every real stream is also a round-trip test of the decoder: decode → encode must
  // give QEMU's bytes back.
  for (const [bytes, d, who] of [
    [src, a.value, from.name],
    [through.stream, b.value, to.name],
  ] as const) {
    const at = firstDifference(bytes, encodeStream(d));
    if (at !== null) {
      fail(r, {
        kind: 'bad-input',
        stage: 'compare',
        saver: who,
        loader: 'vmcompat decode',
        path: null,
        vmsd: null,
        offset: at,
        message: `vmcompat's decode → encode of ${who}'s stream differs from QEMU's bytes at ${at} (a vmcompat bug)`,
        qemu: [],
        qemuKind: null,
        bytes,
      });
      return done();
    }
  }
  const t3 = performance.now();
  const cmp = compareStreams(a.value, b.value);
  r.timings.compareMs = performance.now() - t3;
  Object.assign(r, { differences: cmp.differences, ignored: cmp.ignored, renamed: cmp.renamed, unused: cmp.unused, addedByDst: cmp.addedByDst, fieldsCompared: cmp.fieldsCompared });
  if (realLoss(cmp.differences)) {
    const d = cmp.differences[0]!;
    fail(r, {
      kind: d.kind === 'lost' && d.path === '(section)' ? 'missing-section' : 'value-changed',
      stage: 'compare',
      saver: from.name,
      loader: to.name,
      path: `${d.device} ${d.path}`,
      vmsd: null,
      offset: d.srcOffset,
      message:
        `${cmp.differences.length} field(s) differ between ${from.name}'s stream and ${to.name}'s re-save: ` +
differencesText(cmp.differences),
      qemu: [],
      qemuKind: null,
      bytes: src,
    });
  } else {
    const notes = [`${cmp.fieldsCompared} fields of ${cmp.devices} devices and ${cmp.ramPagesCompared} RAM pages compared`];
    if (cmp.ignored.length) notes.push(`ignored: ${cmp.ignored.map((i) => `${i.device} ${i.path}`).join(', ')}`);
    if (cmp.renamed.length) notes.push(`renamed: ${cmp.renamed.map((x) => `${x.device} ${x.src} → ${x.dst}`).join(', ')}`);
    if (cmp.differences.length) notes.push(`version fields differ as each release writes its own: ${differencesText(cmp.differences)}`);
    if (cmp.unused.length) notes.push(`compared by bytes (VMSTATE_UNUSED on one side): ${cmp.unused.map((x) => `${x.device} ${x.src} ↔ ${x.dst}`).join(', ')}`);
    r.message = notes.join('; ');
  }
  return done();
}

/**
 * The failure kinds that are about the QEMU process, not the stream: the case gets
 * that kind (never a load verdict such as post-load-failed) and no explanation.
 */
export function processFailure(kind: string): 'qemu-crashed' | 'timeout' | 'start-failed' | 'qmp-protocol' | null {
  return kind === 'qemu-crashed' || kind === 'timeout' || kind === 'start-failed' || kind === 'qmp-protocol' ? kind : null;
}

/**
 * Whether a failed case says that a binary cannot run at all, not that the
 * migration broke: it did not start (start-failed), it does not speak QMP
 * (qmp-protocol), or it crashed or hung before it got to migrate (qemu-crashed,
 * timeout at the start). `vmcompat qemu` exits 2 for a run whose failures are
 * all of this sort.
 */
export function binaryFault(f: Pick<Failure, 'kind' | 'qemuStage'> | undefined | null): boolean {
  if (!f) return false;
  if (f.kind === 'start-failed' || f.kind === 'qmp-protocol') return true;
  return (f.kind === 'qemu-crashed' || f.kind === 'timeout') && f.qemuStage === 'start';
}

/** Whether any difference is more than a field holding its VMSD's version (differences come real losses first). */
export function realLoss(ds: readonly FieldDifference[]): boolean {
  return ds.length > 0 && !ds[0]!.encodesVersion;
}

/** The first differences, real losses first; a field that holds its VMSD's version says so. */
export function differencesText(ds: readonly FieldDifference[], max = 4): string {
  const one = (x: FieldDifference) => `${x.device} ${x.path}: ${x.src} → ${x.dst}${x.encodesVersion ? ' (the VMSD version each release writes: expected to differ, not the headline)' : ''}`;
  return ds.slice(0, max).map(one).join('; ') + (ds.length > max ? '; …' : '');
}

/**
 * Decodes a stream QEMU wrote and checks that it encodes back to the same bytes;
 * throws VmError naming the first differing offset if not (a vmcompat bug).
 */
export function decodeChecked(bytes: Uint8Array, who: string): DecodedStream {
  const d = decodeStream(bytes);
  const at = firstDifference(bytes, encodeStream(d));
  if (at !== null) {
    throw new VmError({ kind: 'bad-input', message: `vmcompat's decode → encode of ${who}'s stream differs from QEMU's bytes at ${at} (a vmcompat bug)`, offset: at });
  }
  return d;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number | null {
  if (a.length === b.length && Buffer.compare(a, b) === 0) return null;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function firstLine(s: string): string {
  return s.trim().split('\n').find((l) => !/warning: /.test(l))?.trim() ?? s.trim();
}

export function fail(r: RealCaseResult, f: Failure): void {
  // like a model case no scenario names: expected to pass, so any failure is unexpected
  Object.assign(r, failureFields(f), { unexpected: true, qemu: f.qemu });
}

/**
 * Turns a destination's refusal into a Failure: QEMU's own lines, the kind they name
 * (spec §5), and where in the stream the named section starts. When QEMU's words do
 * not say (7.2 reads a truncated RAM section as `Unknown combination of migration
 * flags: 0x0`), the decoder's verdict on the same bytes decides.
 */
export function loadFailure(t: Exclude<ThroughResult, { ok: true }>, stream: Uint8Array, saver: string, loader: string, models?: SidesModels): Failure {
  const broke = processFailure(t.kind);
  if (broke) {
    // A crash, a hang or a broken QMP peer says nothing about the stream.
    const what = broke === 'timeout' ? `did not finish the ${t.stage ?? 'load'} of ${saver}'s stream in time and was killed` : `failed while loading ${saver}'s stream`;
    return { kind: broke, stage: 'forward', saver, loader, path: null, vmsd: null, offset: null, message: `${loader} ${what}: ${t.message}`, qemu: [], qemuKind: null, bytes: stream, qemuStage: t.stage };
  }
  const d = diagnose(t.stderr);
  let decoded: DecodedStream | null = null;
  let kind: ErrorKind | null = d.kind;
  let decodeError: string | null = null;
  const dec = decode(stream);
  if (dec.ok) decoded = dec.value;
  else decodeError = dec.error.message;
  if (!kind) kind = dec.ok ? 'post-load-failed' : dec.error.kind;
  let offset: number | null = dec.ok ? null : dec.error.offset;
  if (d.section && decoded) {
    const rec = decoded.records.find((x) => (x.type === 'FULL' || x.type === 'START') && x.idstr === d.section);
    if (rec) offset = rec.offset;
  }
  const said = d.lines.length ? d.lines.join(' / ') : t.message;
  const f: Failure = {
    kind,
    stage: 'forward',
    saver,
    loader,
    path: d.section ? (d.field ? `${d.section} ${d.vmsd}:${d.field}` : d.section) : d.field,
    vmsd: d.vmsd,
    offset,
    message: `${loader} rejected ${saver}'s stream: ${said}` + (decodeError ? ` (vmcompat decode: ${decodeError})` : ''),
    qemu: d.lines,
    qemuKind: d.kind,
    bytes: stream,
  };
  return models ? explainRejection(f, decoded, stream, d.section, models) : f;
}
