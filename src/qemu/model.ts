import { loadVmsd } from '../vmstate/load.js';
import { saveVmsd } from '../vmstate/save.js';
import type { State, TraceEntry, VmCtx } from '../vmstate/types.js';
import type { VmsdDesc } from '../vmstate/describe.js';
import { resolveProps } from '../machine/props.js';
import { vmdescNullptrOf, type DeviceClass, type Release } from '../machine/types.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import type { VmdescDevice } from '../wire/vmdesc.js';
import { VmError, hex } from '../wire/errors.js';
import type { QemuBinary } from './binaries.js';

/**
 * Real sections read with a release model: where the stream's own JSON description
 * only sizes a custom codec (a virtio device's whole core is one `virtio` blob), the
 * model's VMSDs know every field inside it. Used to mutate inside such sections and
 * to say where two binaries' layouts part when a destination rejects a stream.
 */

/** Picks the release model that stands for a binary (null: none does). */
export type ModelFor = (binary: QemuBinary) => Release | null;

/** `-global DRIVER.PROP=VALUE` settings, as QEMU parses them. */
export interface Global {
  driver: string;
  property: string;
  value: string;
}

/** The `-global` settings in an argument list (both `-global X` and `-global=X`). */
export function globalsIn(args: readonly string[]): Global[] {
  const out: Global[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = a === '-global' || a === '--global' ? args[++i] : /^--?global=(.*)$/.exec(a)?.[1];
    const m = v === undefined ? null : /^([^.=]+)\.([^=]+)=(.*)$/.exec(v);
    if (m) out.push({ driver: m[1]!, property: m[2]!, value: m[3]! });
  }
  return out;
}

/**
 * The model for a binary's version: the newest release model of the same
 * major.minor that is not newer than the binary (10.0.2 → 10.0.0, 7.2.22 → 7.2.0).
 */
export function modelByVersion(releases: readonly Release[]): ModelFor {
  const parse = (v: string) => v.split('.').map((x) => Number.parseInt(x, 10) || 0);
  return (b) => {
    const [maj, min, mic = 0] = parse(b.version);
    let best: Release | null = null;
    let bestMic = -1;
    for (const r of releases) {
      const [rmaj, rmin, rmic = 0] = parse(r.name);
      if (rmaj === maj && rmin === min && rmic <= mic! && rmic > bestMic) [best, bestMic] = [r, rmic];
    }
    return best;
  };
}

/** The device class a real section belongs to: by idstr, else by the VMSD name after the device path. */
export function classForSection(release: Release, idstr: string): DeviceClass | null {
  const exact = release.devices.find((d) => d.idstr === idstr);
  if (exact) return exact;
  const tail = idstr.slice(idstr.lastIndexOf('/') + 1);
  return release.devices.find((d) => d.idstr.slice(d.idstr.lastIndexOf('/') + 1) === tail && d.vmsd.name === tail) ?? null;
}

function modelCtx(release: Release, props: VmCtx['props'], state: State, trace: TraceEntry[] | null): VmCtx {
  const ctx: VmCtx = {
    props,
    device: state,
    saveNested: (w, vmsd, s, version, at, desc) => saveVmsd(w, vmsd, s, version, ctx, at, desc ?? null),
    loadNested: (r, vmsd, s, version, at) => loadVmsd(r, vmsd, s, version, ctx, at),
    record: trace ? (e) => trace.push(e) : () => {},
    vmdescArrays: release.vmdescArrays ?? 'whole',
    vmdescNullptr: vmdescNullptrOf(release),
  };
  return ctx;
}

/** Every device class a real section may be: by idstr, then by the VMSD name after the device path (a tree has several of one name). */
export function classesForSection(release: Release, idstr: string): DeviceClass[] {
  const tail = idstr.slice(idstr.lastIndexOf('/') + 1);
  const exact = release.devices.filter((d) => d.idstr === idstr);
  const byName = release.devices.filter((d) => !exact.includes(d) && d.idstr.slice(d.idstr.lastIndexOf('/') + 1) === tail && d.vmsd.name === tail);
  return [...exact, ...byName];
}

/**
 * A section's JSON description as `release` at `machine` writes it, when the model
 * stands for the bytes: one of its classes for the section loads the payload and
 * saves exactly the same bytes back (then the description it writes fits the
 * stream field for field). Otherwise why none does.
 */
export function modelDescription(
  release: Release,
  machine: string,
  bytes: Uint8Array,
  sec: SectionRef & { payloadLength: number | null },
): { ok: true; desc: VmdescDevice; cls: DeviceClass; trace: TraceEntry[] } | { ok: false; why: string } {
  const m = release.machines.find((x) => x.name === machine);
  if (!m) return { ok: false, why: `${release.name} has no machine type ${machine}` };
  const classes = classesForSection(release, sec.idstr);
  if (!classes.length) return { ok: false, why: `${release.name} has no device for it` };
  const whys: string[] = [];
  for (const cls of classes) {
    const props = resolveProps(cls, m.compat, {}, []);
    const state = cls.reset(props);
    const trace: TraceEntry[] = [];
    const ctx = modelCtx(release, props, state, trace);
    const r = new Reader(bytes, sec.payloadOffset);
    r.endIsEof = true;
    try {
      if (sec.versionId > cls.vmsd.version_id) throw new VmError({ kind: 'section-version-too-new', message: `the section is version ${sec.versionId}, ${release.name}'s ${cls.vmsd.name} ${cls.vmsd.version_id}`, offset: sec.payloadOffset });
      loadVmsd(r, cls.vmsd, state, sec.versionId, ctx, []);
      const read = r.offset - sec.payloadOffset;
      if (sec.payloadLength !== null && read !== sec.payloadLength) throw new VmError({ kind: 'bad-vmdesc', message: `${release.name}'s ${cls.vmsd.name} reads ${read} bytes where the stream has ${sec.payloadLength}`, offset: r.offset });
      const desc = {} as VmsdDesc;
      const w = new Writer();
      // what the load read, before the save records its own writes
      const read_ = trace.slice();
      saveVmsd(w, cls.vmsd, state, sec.versionId, ctx, [], desc);
      const again = w.finish();
      const same = again.length === read && again.every((b, i) => b === bytes[sec.payloadOffset + i]);
      if (!same) throw new VmError({ kind: 'bad-vmdesc', message: `${release.name}'s ${cls.vmsd.name} reads ${read} bytes but writes ${again.length === read ? 'other bytes' : `${again.length}`} back`, offset: sec.payloadOffset });
      return { ok: true, cls, trace: read_, desc: { name: sec.idstr, instance_id: sec.instanceId, ...(desc as unknown as Omit<VmdescDevice, 'name' | 'instance_id'>) } };
    } catch (e) {
      if (!(e instanceof VmError)) throw e;
      whys.push(e.message);
    }
  }
  return { ok: false, why: whys.length === 1 ? whys[0]! : `none of ${classes.length} classes reads it: ${whys.join('; ')}` };
}

/** A section's payload as one release model reads it. */
export interface ModelRead {
  release: string;
  cls: DeviceClass;
  state: State;
  /** Each leaf the model read, at absolute offsets of the stream. */
  trace: TraceEntry[];
  payloadOffset: number;
  /** Where the model stopped reading (the end of the payload when it read it all). */
  end: number;
  error: VmError | null;
}

export interface SectionRef {
  idstr: string;
  instanceId: number;
  versionId: number;
  payloadOffset: number;
}

/**
 * Loads one section's payload out of `bytes` as `release` at `machine` would, with
 * `globals` applied like `-global`, reading on past the section as QEMU does (a
 * reader that wants more bytes takes the footer and what follows). Null when the
 * release has no such machine type or device.
 */
export function modelRead(release: Release, machine: string, globals: readonly Global[], bytes: Uint8Array, sec: SectionRef): ModelRead | null {
  const m = release.machines.find((x) => x.name === machine);
  const cls = classForSection(release, sec.idstr);
  if (!m || !cls) return null;
  // the command line's -globals, matched as QEMU matches them; those naming properties the model lacks are passed over
  const props = resolveProps(cls, m.compat, {}, globals.map((g) => ({ ...g, optional: true })));
  const state = cls.reset(props);
  const trace: TraceEntry[] = [];
  const ctx = modelCtx(release, props, state, trace);
  const r = new Reader(bytes, sec.payloadOffset);
  r.endIsEof = true;
  let error: VmError | null = null;
  try {
    if (sec.versionId > cls.vmsd.version_id) {
      throw new VmError({ kind: 'section-version-too-new', message: `section '${sec.idstr}' is version ${sec.versionId}, newer than ${release.name}'s ${cls.vmsd.version_id}`, offset: sec.payloadOffset, vmsd: cls.vmsd.name });
    }
    loadVmsd(r, cls.vmsd, state, sec.versionId, ctx, []);
  } catch (e) {
    if (!(e instanceof VmError)) throw e;
    error = e;
  }
  return { release: release.name, cls, state, trace, payloadOffset: sec.payloadOffset, end: r.offset, error };
}

/**
 * The model read of a section its own binary wrote, when the model describes it: it
 * loads without error and ends exactly where the binary ended the payload. Otherwise
 * the reason the model cannot stand for the binary here.
 */
export function senderModel(
  release: Release,
  machine: string,
  globals: readonly Global[],
  bytes: Uint8Array,
  sec: SectionRef & { payloadLength: number },
): { ok: true; read: ModelRead } | { ok: false; why: string } {
  const read = modelRead(release, machine, globals, bytes, sec);
  if (!read) return { ok: false, why: `release model ${release.name} has no ${classForSection(release, sec.idstr) ? `machine type ${machine}` : `device for section '${sec.idstr}'`}` };
  const end = sec.payloadOffset + sec.payloadLength;
  if (read.error) return { ok: false, why: `release model ${release.name} cannot read '${sec.idstr}' as the binary wrote it: ${read.error.message}` };
  if (read.end !== end) {
    return { ok: false, why: `release model ${release.name} reads '${sec.idstr}' as ${read.end - sec.payloadOffset} bytes where the binary wrote ${sec.payloadLength} (stops at ${hex(read.end)}, the payload ends at ${hex(end)})` };
  }
  return { ok: true, read };
}
