import fc from 'fast-check';
import type { Failure } from '../check/failure.js';
import { decodeStream, deviceLabel, type DecodedStream, type DeviceRecord } from '../wire/decode.js';
import { encodeStream } from '../wire/encode.js';
import { VmError } from '../wire/errors.js';
import { cloneState, INT_TYPES, leafText, leaves, type Leaf, type LeafRef } from '../wire/tree.js';
import type { QemuBinary } from './binaries.js';
import { baseResult, decodeChecked, differencesText, realLoss, fail, loadFailure, processFailure, sideVm, sidesModels, type KeptStream, type RealCaseResult, type RealCaseSpec } from './case.js';
import { compareStreams } from './compare.js';
import { loadAndSave, saveToFile } from './driver.js';
import { QemuError } from './errors.js';
import { globRe } from './machines.js';
import { globalsIn, senderModel, type ModelRead } from './model.js';
import { pathOf } from '../vmstate/path.js';

/**
 * Property-based real cases. States are made by mutating decoded fields of a real
 * stream (per the description's types) and re-encoding it. The source binary loads
 * each one first: a state it rejects is not a valid state and is discarded; its
 * re-save is the state under test. The destination loads that and saves again, the
 * source loads the destination's stream and saves again; a rejection or a changed
 * field on either hop is a failure. fast-check shrinks the mutation list.
 */

export interface RealPropertySpec extends RealCaseSpec {
  runs: number;
  seed: number;
  /** fast-check replay path of a shrunk counterexample. */
  path?: string;
  /**
   * What to mutate: `SECTION` or `SECTION#FIELD` globs over idstrs and field paths
   * (`*ehci#pcidev.config*`; `#` because idstrs hold `:` and paths hold `/`). Default: every field of the sections the `devices` add
   * to the bare board (found by saving the board once without them).
   */
  mutate?: string[];
  /** Observe each state tried (tests use it to see the mutations reach the stream). */
  onRun?: (run: { mutations: Mutation[]; outcome: 'invalid' | 'pass' | 'fail'; canonical: Uint8Array | null }) => void;
  /** Most fields changed in one state (default 3). */
  maxMutations?: number;
  /** Stop starting new QEMU runs after this long; shrinking keeps what it has (default 5 min). */
  budgetMs?: number;
}

/** One field change, as reported and replayed. */
export interface Mutation {
  section: string;
  path: string;
  type: string;
  value: string | boolean;
}

/** A field of the stream's own description, or one the release model found inside an opaque blob. */
type Target =
  | { from: 'stream'; record: number; leaf: number; ref: LeafRef; section: string }
  | { from: 'model'; section: string; ref: LeafRef; release: string };

type Change = { t: number; v: Leaf };

/** Custom codecs the description only sizes (`virtio`, `virtio-gpu`): opaque unless a model reads inside. */
function opaque(l: LeafRef): boolean {
  return l.value instanceof Uint8Array && l.size > 0 && !mutable(l) && l.type !== 'buffer' && l.type !== 'unused_buffer';
}

/**
 * The leaves a release model read inside a section's opaque blobs, as mutation targets:
 * integers by width (big-endian on the wire), anything else as bytes. `ref.offset` is
 * absolute in the stream.
 */
function modelTargets(read: ModelRead, blobs: { start: number; end: number }[], section: string, bytes: Uint8Array): Target[] {
  const out: Target[] = [];
  for (const e of read.trace) {
    if (e.what !== 'field' || e.size === 0) continue;
    if (!blobs.some((b) => e.offset >= b.start && e.offset + e.size <= b.end)) continue;
    const raw = bytes.slice(e.offset, e.offset + e.size);
    const int = e.size === 1 || e.size === 2 || e.size === 4 || e.size === 8;
    const type = int ? `uint${e.size * 8}` : 'buffer';
    const value: Leaf = int ? (e.size === 8 ? readBe(raw) : Number(readBe(raw))) : raw;
    if (!int && e.size > 64) continue;
    const ref: LeafRef = { path: `${e.vmsd}:${pathOf(e.keys)}`, type, size: e.size, value, offset: e.offset, set: () => {} };
    out.push({ from: 'model', section, ref, release: read.release });
  }
  return out;
}

function readBe(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function writeBe(out: Uint8Array, at: number, size: number, v: Leaf): void {
  if (v instanceof Uint8Array) {
    out.set(v, at);
    return;
  }
  let n = BigInt.asUintN(size * 8, BigInt(v as number | bigint));
  for (let i = size - 1; i >= 0; i--, n >>= 8n) out[at + i] = Number(n & 0xffn);
}

/**
 * Leaves worth changing: typed scalars, small buffers and PCI config space (whose
 * read-only bytes the source itself rejects: QEMU checks them against its own on
 * load). `_EQUAL` and `int32 le` fields exist to reject other values; other custom
 * codecs are opaque bytes.
 */
function mutable(l: LeafRef): boolean {
  if (typeof l.value === 'boolean') return true;
  const int = INT_TYPES[l.type];
  if (int) return !l.type.includes('equal') && l.type !== 'int32 le' && int.bytes === l.size;
  if (!(l.value instanceof Uint8Array) || l.size === 0) return false;
  return (l.type === 'buffer' && l.size <= 64) || l.type === 'pci config';
}

function valueArb(l: LeafRef): fc.Arbitrary<Leaf> {
  const v = l.value;
  if (typeof v === 'boolean') return fc.constant(!v);
  if (v instanceof Uint8Array) {
    return fc.record({ at: fc.nat({ max: v.length - 1 }), byte: fc.integer({ min: 0, max: 255 }) }).map(({ at, byte }) => {
      const b = v.slice();
      b[at] = byte;
      return b;
    });
  }
  if (l.type === 'timer') return fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: 1n << 50n }));
  const int = INT_TYPES[l.type]!;
  const bits = BigInt(int.bytes * 8);
  const min = int.signed ? -(1n << (bits - 1n)) : 0n;
  const max = int.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  const cur = BigInt(v as number | bigint);
  const edges = [0n, 1n, max, min, cur + 1n, cur - 1n].filter((x) => x >= min && x <= max && x !== cur);
  const big = fc.oneof(fc.constantFrom(...(edges.length ? edges : [min])), fc.bigInt({ min, max }));
  return int.bytes === 8 ? big : big.map((x) => Number(x));
}

/** Sections the device list adds to the bare board: saved once without them, compared by (idstr, instance). */
async function addedSections(spec: RealPropertySpec, from: QemuBinary, base: DecodedStream): Promise<Set<string>> {
  const board = decodeStream(await saveToFile({ binary: from, vm: { ...sideVm(spec, 'src'), devices: [] }, timeoutMs: spec.timeoutMs }));
  const had = new Set(board.records.filter((r): r is DeviceRecord => r.type === 'FULL').map((r) => deviceLabel(r.idstr, r.instanceId)));
  return new Set(
    base.records.filter((r): r is DeviceRecord => r.type === 'FULL').map((r) => deviceLabel(r.idstr, r.instanceId)).filter((l) => !had.has(l)),
  );
}

export async function runRealProperty(spec: RealPropertySpec, from: QemuBinary, to: QemuBinary): Promise<RealCaseResult> {
  const t0 = performance.now();
  const r = baseResult(spec, from, to);
  r.id = `${r.id}/property`;
  const srcVm = sideVm(spec, 'src');
  const dstVm = sideVm(spec, 'dst');
  const opts = { timeoutMs: spec.timeoutMs };

  const filters = (spec.mutate ?? []).map((m) => {
    const hash = m.indexOf('#');
    return { section: globRe(hash < 0 ? m : m.slice(0, hash)), field: hash < 0 ? null : globRe(m.slice(hash + 1)) };
  });
  let base: DecodedStream;
  let added: Set<string> | null;
  try {
    base = decodeStream(await saveToFile({ binary: from, vm: srcVm, ...opts }));
    added = filters.length ? null : await addedSections(spec, from, base);
  } catch (e) {
    if (!(e instanceof QemuError)) throw e;
    const broke = processFailure(e.kind);
    if (broke) {
      fail(r, { kind: broke, stage: 'baseline', saver: from.name, loader: from.name, path: null, vmsd: null, offset: null, message: `${from.name} could not save: ${e.message}`, qemu: [], qemuKind: null, qemuStage: e.stage });
      r.timings.totalMs = performance.now() - t0;
      return r;
    }
    // the source cannot run this guest: there is no state to start from
    Object.assign(r, { status: 'skip', message: `${from.name} cannot run it: ${(e.stderr || e.message).trim().split('\n')[0]}` });
    r.timings.totalMs = performance.now() - t0;
    return r;
  }
  const targets: Target[] = [];
  const models = sidesModels(spec, from, to);
  const modelNotes: string[] = [];
  const baseBytes = encodeStream(base);
  base.records.forEach((rec, record) => {
    if (rec.type !== 'FULL') return;
    const section = deviceLabel(rec.idstr, rec.instanceId);
    const picks = filters.filter((f) => f.section.test(rec.idstr));
    if (added ? !added.has(section) : picks.length === 0) return;
    const wanted = (path: string) => !picks.length || picks.some((f) => f.field === null || f.field.test(path));
    const all = leaves(rec.state);
    all.forEach((ref, leaf) => {
      if (mutable(ref) && wanted(ref.path)) targets.push({ from: 'stream', record, leaf, ref, section });
    });
    const blobs = all.filter(opaque).map((l) => ({ start: rec.payloadOffset + l.offset, end: rec.payloadOffset + l.offset + l.size }));
    if (!blobs.length) return;
    // Inside a blob only the model knows the fields: the sender's model must read the
    // section exactly as the binary wrote it, or it does not stand for this binary.
    if (!models.sender) {
      modelNotes.push(`no release model for ${from.name} to read inside ${section}`);
      return;
    }
    const read = senderModel(models.sender, models.senderMachine, models.senderGlobals, baseBytes, rec);
    if (!read.ok) {
      modelNotes.push(read.why);
      return;
    }
    for (const tg of modelTargets(read.read, blobs, section, baseBytes)) if (wanted(tg.ref.path)) targets.push(tg);
  });
  const labels = new Set(targets.map((t) => t.section));

  const describe = (changes: Change[]): Mutation[] =>
    changes.map(({ t, v }) => {
      const tg = targets[t]!;
      const was = tg.ref.value;
      const type = tg.from === 'model' ? `${tg.ref.type} (release model ${tg.release})` : tg.ref.type;
      if (v instanceof Uint8Array && was instanceof Uint8Array) {
        // a buffer mutation changes one byte: name that byte
        let at = 0;
        while (at < v.length - 1 && v[at] === was[at]) at++;
        return { section: tg.section, path: `${tg.ref.path}[${at}]`, type, value: '0x' + v[at]!.toString(16).padStart(2, '0') };
      }
      const shown = leafText(v, tg.ref.size);
      return { section: tg.section, path: tg.ref.path, type, value: typeof shown === 'boolean' ? shown : String(shown) };
    });

  const key = (c: Change[]) => JSON.stringify(describe(c));

  const encodeWith = (changes: Change[]): Uint8Array => {
    if (changes.length === 0) return baseBytes;
    const s: DecodedStream = { ...base, records: base.records.slice() };
    const cloned = new Map<number, DeviceRecord>();
    const patches: [Extract<Target, { from: 'model' }>, Leaf][] = [];
    for (const { t, v } of changes) {
      const tg = targets[t]!;
      if (tg.from === 'model') {
        patches.push([tg, v]);
        continue;
      }
      let rec = cloned.get(tg.record);
      if (!rec) {
        rec = { ...(base.records[tg.record] as DeviceRecord) };
        rec.state = cloneState(rec.state);
        cloned.set(tg.record, rec);
        s.records[tg.record] = rec;
      }
      leaves(rec.state)[tg.leaf]!.set(v);
    }
    // mutations keep every size, so the model's offsets still hold in the re-encoded stream
    const out = cloned.size ? encodeStream(s) : baseBytes.slice();
    for (const [tg, v] of patches) writeBe(out, tg.ref.offset, tg.ref.size, v);
    return out;
  };

  const budgetEnd = Date.now() + (spec.budgetMs ?? 300_000);
  const failures = new Map<string, Failure>();
  let accepted = 0;
  let rejected = 0;
  let qemuRuns = 0;

  // Each state tried has a name for the streams kept of it: run-000 is the unmutated
  // state, run-NNN fast-check's runs, shrink-NNN the steps after the first failure.
  let runsTried = 0;
  let shrinksTried = 0;
  let shrinking = false;
  const label = () => (shrinking ? `shrink-${String(++shrinksTried).padStart(3, '0')}` : `run-${String(runsTried++).padStart(3, '0')}`);
  /** The name of the last state tried with these changes (the counterexample's streams). */
  const runNames = new Map<string, string>();
  let run = '';
  const keep = (role: KeptStream['role'], savedBy: string, bytes: Uint8Array, stopped: string | null = null) =>
    spec.onStream?.({ role, machine: spec.machine, from, to, savedBy, bytes, stopped, run });

  /** null: the property holds; a Failure: it does not; 'invalid': the source itself rejects the state. */
  const check = async (changes: Change[]): Promise<Failure | null | 'invalid'> => {
    run = label();
    runNames.set(key(changes), run);
    const bytes = encodeWith(changes);
    qemuRuns++;
    const own = await loadAndSave({ binary: from, vm: srcVm, ...opts }, bytes);
    keep('mutated', 'vmcompat', bytes, own.ok ? null : `${from.name} rejected it (${own.kind}): ${firstLine(own.stderr || own.message)}`);
    if (!own.ok) {
      // a crash or a hang of the source is no verdict on the state: report it
      if (processFailure(own.kind)) return { ...loadFailure(own, bytes, from.name, from.name), stage: 'baseline' };
      spec.onRun?.({ mutations: describe(changes), outcome: 'invalid', canonical: null });
      return 'invalid';
    }
    const canonical = own.stream;
    const outcome = await hops(canonical);
    spec.onRun?.({ mutations: describe(changes), outcome: outcome ? 'fail' : 'pass', canonical });
    return outcome;
  };

  const checkOrError = async (changes: Change[]): Promise<Failure | null | 'invalid'> => {
    try {
      return await check(changes);
    } catch (e) {
      if (!(e instanceof VmError)) throw e;
      // vmcompat could not decode or re-encode a stream QEMU wrote: say so as a failure
      return { kind: e.kind, stage: 'compare', saver: from.name, loader: 'vmcompat decode', path: e.path, vmsd: e.vmsd, offset: e.offset, message: e.message, qemu: [], qemuKind: null };
    }
  };

  /** The destination loads the state under test and saves it; the source loads that and saves it. */
  const hops = async (canonical: Uint8Array): Promise<Failure | null> => {
    let input = canonical;
    for (const [saver, loader, vm, stage] of [
      [from, to, dstVm, 'forward'],
      [to, from, srcVm, 'return'],
    ] as const) {
      qemuRuns++;
      const hop = await loadAndSave({ binary: loader, vm, ...opts }, input);
      // the stream this hop loaded, saying why it has no successor when it has none
      keep(stage === 'forward' ? 'forward' : 'resaved', saver.name, input, hop.ok ? null : `${loader.name} ${hop.kind}: ${firstLine(hop.stderr || hop.message)}`);
      if (hop.ok && stage === 'return') keep('returned', loader.name, hop.stream);
      if (!hop.ok) return { ...loadFailure(hop, input, saver.name, loader.name, stage === 'forward' ? models : sidesModels(spec, to, from)), stage };
      const cmp = compareStreams(decodeChecked(canonical, from.name), decodeChecked(hop.stream, loader.name));
      if (realLoss(cmp.differences)) {
        const d = cmp.differences[0]!;
        return {
          kind: 'value-changed',
          stage: 'compare',
          saver: saver.name,
          loader: loader.name,
          path: `${d.device} ${d.path}`,
          vmsd: null,
          offset: d.srcOffset,
          message: `after ${from.name}→${to.name}${stage === 'return' ? `→${from.name}` : ''}: ${differencesText(cmp.differences)}`,
          qemu: [],
          qemuKind: null,
          sent: d.src,
          received: d.dst,
          bytes: canonical,
        };
      }
      input = hop.stream;
    }
    return null;
  };

  // The unmutated state first, whatever fast-check draws: a pair that breaks on the
  // guest as it boots must fail even when nothing can be mutated.
  const baseline = await checkOrError([]);
  if (baseline === 'invalid') {
    fail(r, {
      kind: 'post-load-failed',
      stage: 'baseline',
      saver: from.name,
      loader: from.name,
      path: null,
      vmsd: null,
      offset: null,
      message: `${from.name} rejects its own unmutated stream: nothing can be checked (run without --runs to see QEMU's words)`,
      qemu: [],
      qemuKind: null,
    });
    r.timings.totalMs = performance.now() - t0;
    return r;
  }
  if (baseline) {
    fail(r, baseline);
    Object.assign(r, { states: 1, counterexample: [], counterexampleDiff: [], counterexampleRun: 'run-000', message: `the unmutated state already fails: ${baseline.message}`, repro: replayCommand(spec, from, to, spec.seed, null) });
    r.timings.totalMs = performance.now() - t0;
    return r;
  }
  accepted = 1;
  if (targets.length === 0) {
    // Only the unmutated state was checked: not a property run, so never a pass.
    Object.assign(r, {
      status: 'skip',
      states: 1,
      message:
        `inconclusive: the unmutated state passes but nothing can be mutated: ` +
        (spec.mutate?.length ? `no typed field matches ${spec.mutate.join(', ')}` : `the devices add no section with typed fields to ${spec.machine}`) +
        (modelNotes.length ? ` (${modelNotes.join('; ')})` : ''),
    });
    r.timings.totalMs = performance.now() - t0;
    return r;
  }

  // A field first, then one of its elements: e1000's 32k mac_reg elements must not
  // drown its PCI config space or its scalars.
  const groups = new Map<string, number[]>();
  targets.forEach((tg, i) => {
    const k = `${tg.section} ${tg.ref.path.replace(/\[\d+\]/g, '[]')}`;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  const byField = [...groups.values()];
  const arb = fc.array(
    fc
      .nat({ max: byField.length - 1 })
      .chain((g) => fc.nat({ max: byField[g]!.length - 1 }).map((e) => byField[g]![e]!))
      .chain((t) => valueArb(targets[t]!.ref).map((v): Change => ({ t, v }))),
    { minLength: 1, maxLength: spec.maxMutations ?? 3 },
  );
  const details = await fc.check(
    fc.asyncProperty(arb, async (changes) => {
      if (Date.now() > budgetEnd) return true; // out of budget: keep what we have
      const out = await checkOrError(changes);
      if (out === 'invalid') {
        rejected++;
        fc.pre(false);
      }
      accepted++;
      if (out) {
        failures.set(key(changes), out);
        shrinking = true;
      }
      return out === null;
    }),
    { numRuns: spec.runs, seed: spec.seed, path: spec.path, endOnFailure: false, maxSkipsPerRun: 20 },
  );

  Object.assign(r, { seed: details.seed, states: accepted });
  const summary = `${accepted} state(s) the source accepted, ${rejected} it rejected (discarded), ${qemuRuns} QEMU load+save runs; mutating ${byField.length} fields (${targets.length} elements) of ${[...labels].join(', ')}`;
  if (details.failed && details.counterexample) {
    const cex = details.counterexample[0];
    const f = failures.get(key(cex));
    if (f) {
      fail(r, f);
      Object.assign(r, {
        replayPath: details.counterexamplePath,
        shrinks: details.numShrinks,
        counterexample: describe(cex),
        counterexampleDiff: describe(cex),
        counterexampleRun: runNames.get(key(cex)) ?? null,
        message: `${f.message} · ${summary}`,
        repro: replayCommand(spec, from, to, details.seed, details.counterexamplePath),
      });
    }
  } else if (details.failed) {
    Object.assign(r, { status: 'skip', message: `inconclusive: ${details.interrupted ? 'interrupted' : `too many states the source rejects`} · ${summary}` });
  } else {
    r.message = summary;
  }
  r.timings.totalMs = performance.now() - t0;
  return r;
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function firstLine(s: string): string {
  return s.trim().split('\n').find((l) => !/warning: /.test(l))?.trim() ?? s.trim();
}

export function replayCommand(spec: RealPropertySpec, from: QemuBinary, to: QemuBinary, seed: number, path: string | null): string {
  const bin = (b: QemuBinary) => (b.name === '7.2' || b.name === '10.0' ? b.name : b.path);
  const parts = ['--src', bin(from), '--dst', bin(to), '--machine', spec.machine, '--one-way'];
  for (const d of spec.devices) parts.push('--device', d);
  if (spec.memMb) parts.push('--mem', String(spec.memMb));
  // values that start with '-' need the --flag=value form
  for (const a of spec.args ?? []) parts.push(`--arg=${a}`);
  if (spec.dstMachine) parts.push('--dst-machine', spec.dstMachine);
  for (const d of spec.dstDevices ?? []) parts.push('--dst-device', d);
  for (const a of spec.dstArgs ?? []) parts.push(`--dst-arg=${a}`);
  for (const g of globalsIn(from.extraArgs)) parts.push('--src-global', `${g.driver}.${g.property}=${g.value}`);
  for (const g of globalsIn(to.extraArgs)) parts.push('--dst-global', `${g.driver}.${g.property}=${g.value}`);
  for (const m of spec.mutate ?? []) parts.push('--mutate', m);
  if (spec.maxMutations) parts.push('--max-mutations', String(spec.maxMutations));
  parts.push('--runs', String(spec.runs), '--seed', String(seed));
  if (path) parts.push('--path', path);
  return ['npx vmcompat qemu', ...parts.map(quote)].join(' ');
}
