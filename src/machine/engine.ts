import { EINVAL, VmError, hex, printable } from '../wire/errors.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import * as C from '../wire/constants.js';
import { checkFooter, readFullHeader, readHeader, readRecordType, unknownSectionType, writeFooter, writeFullHeader, writeHeader, writeVmdesc } from '../wire/framing.js';
import { eachFullSection } from '../wire/full-sections.js';
import type { Vmdesc } from '../wire/vmdesc.js';
import { loadVmsd } from '../vmstate/load.js';
import { saveVmsd } from '../vmstate/save.js';
import { repeatsOf, type VmsdDesc } from '../vmstate/describe.js';
import type { Props, State, TraceEntry, VMStateDescription, VmCtx } from '../vmstate/types.js';
import { cloneState } from '../vmstate/state.js';
import { programFor, type Program } from '../vmstate/compile/program.js';
import { configurationVmsd } from './configuration.js';
import { resolveProps } from './props.js';
import { freshReset, stateCloner } from './reset-cache.js';
import { vmdescNullptrOf, type CompatEntry, type DeviceClass, type MachineType, type Release } from './types.js';

/** One registered device: what identifies its section and its resolved properties. */
export interface DeviceInstance {
  cls: DeviceClass;
  props: Props;
  idstr: string;
  instanceId: number;
  sectionId: number;
  /** Key for states: the device name, unique within an engine. */
  key: string;
  /** QEMU's alias_id: a second instance id the loader accepts (-1: none). */
  aliasId: number;
  /** The legacy idstr and instance id an older stream names the section by (QEMU's se->compat), when the idstr has a device path. */
  compat: { idstr: string; instanceId: number } | null;
}

/** Where a section sits in a stream and what its payload carried. */
export interface SectionLayout {
  instance: DeviceInstance;
  headerOffset: number;
  payloadOffset: number;
  /** Offset just past the payload (where the footer starts), or where the loader stopped. */
  payloadEnd: number;
  versionId: number;
  trace: TraceEntry[];
}

export interface SaveResult {
  bytes: Uint8Array;
  sections: SectionLayout[];
  desc: { configuration?: VmsdDesc; page_size: number; devices: unknown[] };
}

export type LoadResult =
  | { ok: true; states: Record<string, State>; sections: SectionLayout[]; warnings: VmError[] }
  | { ok: false; error: VmError; sections: SectionLayout[] };

/** Traces (where each leaf sits) cost time on big states; a caller that will not look at them can skip them. */
export interface TraceOption {
  trace?: boolean;
}

export interface LoadOptions extends TraceOption {
  /**
   * The end of `bytes` is the end of the input (default): a subsection peek
   * past it leaves QEMU's sticky -EIO. False for a stream saved without its
   * description (SaveOptions.describe), whose real counterpart goes on.
   */
  eof?: boolean;
}

export interface SaveOptions extends TraceOption {
  /**
   * Build the trailing JSON description as QEMU does (default). A check that
   * never reads it passes false: the stream then ends in an empty description
   * `{}`, which a loader skips the same way, and the save costs a third less.
   */
  describe?: boolean;
  /**
   * The caller hands the states over: a pre_save hook may write to them in
   * place instead of to a copy (default false: the states are left as they are).
   */
  consume?: boolean;
  /**
   * The bytes may be a view of the engine's own buffer, valid only until its
   * next save (default false: a copy of their own). The compiled engine
   * then skips the copy of the whole stream.
   */
  borrow?: boolean;
}

/** `compiled` runs each VMSD as generated code; `interpreted` walks the tables (the reference). */
export type EngineKind = 'compiled' | 'interpreted';

export const ENGINE_KINDS: readonly EngineKind[] = ['compiled', 'interpreted'];

/** The engine kind when none is asked for: VMCOMPAT_ENGINE, else compiled. */
export function defaultEngineKind(): EngineKind {
  const env = process.env.VMCOMPAT_ENGINE;
  if (env === undefined || env === '') return 'compiled';
  if (env === 'compiled' || env === 'interpreted') return env;
  throw new VmError({ kind: 'bad-input', message: `VMCOMPAT_ENGINE='${env}' is not an engine (use compiled or interpreted)` });
}

export interface EngineOptions {
  /** Default {@link defaultEngineKind}. */
  engine?: EngineKind;
  /** Device names to instantiate, in registration order; default every device of the release. */
  devices?: string[];
  /** Per-device property overrides, like `-device name,prop=value` (by device name). */
  overrides?: Record<string, Record<string, string>>;
  /** `-global driver.prop=value`s, applied after the machine type's compat properties to every object the driver names. */
  globals?: CompatEntry[];
}

const PAGE_SIZE = 4096;

/** A release at one machine type, with every device's properties resolved: saves states, loads bytes. */
export class Engine {
  readonly release: Release;
  readonly machine: MachineType;
  readonly instances: DeviceInstance[];
  readonly kind: EngineKind;
  private readonly config: VMStateDescription;
  private readonly programs: Map<DeviceInstance, Program> | null;
  /** The compiled engine's constants: the stream up to the first section and its configuration description, each reset state, one scratch writer. */
  private prefix: { bytes: Uint8Array; desc: VmsdDesc } | null = null;
  private scratch: Writer | null = null;
  /** The instances in save order (saveOrder), sorted once. */
  private order: DeviceInstance[] | null = null;

  constructor(release: Release, machineName: string, opts: EngineOptions = {}) {
    const machine = release.machines.find((m) => m.name === machineName);
    if (!machine) {
      throw new VmError({
        kind: 'bad-input',
        message: `release ${release.name} has no machine type '${machineName}' (it has: ${release.machines.map((m) => m.name).join(', ')})`,
      });
    }
    this.release = release;
    this.machine = machine;
    this.config = configurationVmsd(machine.name);
    this.kind = opts.engine ?? defaultEngineKind();
    const names = opts.devices ?? machine.devices ?? release.devices.map((d) => d.name);
    this.instances = registerSections(release, machine, names, opts);
    this.programs = this.kind === 'compiled' ? new Map(this.instances.map((i) => [i, programFor(i.props, this.release.vmdescArrays ?? 'whole')])) : null;
  }

  get name(): string {
    return `${this.release.name}@${this.machine.name}`;
  }

  instance(key: string): DeviceInstance {
    const i = this.instances.find((d) => d.key === key);
    if (!i) throw new VmError({ kind: 'bad-input', message: `${this.name} has no device '${key}'` });
    return i;
  }

  /** The state of a freshly reset device of this engine. */
  resetState(key: string): State {
    return this.reset(this.instance(key));
  }

  /** A fresh reset state; the compiled engine copies one built once when that is cheaper (reset-cache.ts). */
  private reset(inst: DeviceInstance): State {
    return this.programs ? freshReset(inst.cls, inst.props) : inst.cls.reset(inst.props);
  }

  private makePrefix(): { bytes: Uint8Array; desc: VmsdDesc } {
    const p = new Writer(256);
    const desc = this.writePrefix(p);
    return { bytes: p.finish(), desc };
  }

  /** Header and configuration section: the same bytes for every stream of this engine. */
  private writePrefix(w: Writer): VmsdDesc {
    writeHeader(w);
    w.u8(C.QEMU_VM_CONFIGURATION);
    const configDesc = {} as VmsdDesc;
    const configState: State = {};
    saveVmsd(w, this.config, configState, this.config.version_id, this.ctx(this.instances[0] ?? dummy, configState, null), [], configDesc);
    return configDesc;
  }

  /** Whether the device's top-level needed() is false on its reset state: vmstate_save_state sends no section then. */
  private notNeeded(inst: DeviceInstance): boolean {
    const vmsd = inst.cls.vmsd;
    if (!vmsd.needed) return false;
    const state = inst.cls.reset(inst.props);
    return !vmsd.needed(state, this.ctx(inst, state, null));
  }

  private ctx(inst: DeviceInstance, device: State, trace: TraceEntry[] | null): VmCtx {
    const program = this.programs?.get(inst);
    const ctx: VmCtx = program
      ? {
          props: inst.props,
          device,
          // a description is the interpreter's to write (a tmp's, a queue's): the program only writes bytes
          saveNested: (w, vmsd, state, version, at, desc) => (desc ? saveVmsd(w, vmsd, state, version, ctx, at, desc) : program.save(vmsd, version)(w, state, ctx, at)),
          loadNested: (r, vmsd, state, version, at) => program.load(vmsd)(r, state, version, ctx, at),
          record: trace ? (e) => trace.push(e) : () => {},
          tracing: trace !== null,
          vmdescArrays: this.release.vmdescArrays ?? 'whole',
          vmdescNullptr: vmdescNullptrOf(this.release),
        }
      : {
          props: inst.props,
          device,
          saveNested: (w, vmsd, state, version, at, desc) => saveVmsd(w, vmsd, state, version, ctx, at, desc ?? null),
          loadNested: (r, vmsd, state, version, at) => loadVmsd(r, vmsd, state, version, ctx, at),
          record: trace ? (e) => trace.push(e) : () => {},
          tracing: trace !== null,
          vmdescArrays: this.release.vmdescArrays ?? 'whole',
          vmdescNullptr: vmdescNullptrOf(this.release),
        };
    return ctx;
  }

  /** A whole stream: header, configuration, one FULL section per instance with a state, EOF, description. */
  save(states: Record<string, State>, opts: SaveOptions = {}): SaveResult {
    const tracing = opts.trace ?? true;
    const describe = opts.describe ?? true;
    let w: Writer;
    let configDesc: VmsdDesc;
    if (this.programs) {
      this.prefix ??= this.makePrefix();
      // one writer per engine, grown to the largest stream: no 4 KiB zeroed buffer and regrowth per save
      w = this.scratch ??= new Writer(1 << 16);
      w.offset = 0;
      w.bytes(this.prefix.bytes);
      configDesc = describe ? structuredClone(this.prefix.desc) : this.prefix.desc;
    } else {
      w = new Writer();
      configDesc = this.writePrefix(w);
    }
    const sections: SectionLayout[] = [];
    const devices: unknown[] = [];
    for (const inst of (this.order ??= saveOrder(this.instances))) {
      const given = states[inst.key];
      if (!given) continue;
      // pre_save hooks may write to the state: save a copy when the VMSD tree has any
      const state = !opts.consume && hasPreSave(inst.cls.vmsd) ? (this.programs ? stateCloner(inst.cls, inst.props)(given) : cloneState(given)) : given;
      const vmsd = inst.cls.vmsd;
      if (vmsd.needed && !vmsd.needed(state, this.ctx(inst, state, null))) continue;
      const headerOffset = w.offset;
      writeFullHeader(w, { sectionId: inst.sectionId, idstr: inst.idstr, instanceId: inst.instanceId, versionId: vmsd.version_id });
      const payloadOffset = w.offset;
      const trace: TraceEntry[] = [];
      const desc = describe ? ({} as VmsdDesc) : null;
      const ctx = this.ctx(inst, state, tracing ? trace : null);
      // the JSON description is the interpreter's job (only failures are described)
      if (desc || !this.programs) saveVmsd(w, vmsd, state, vmsd.version_id, ctx, [], desc);
      else this.programs.get(inst)!.save(vmsd, vmsd.version_id)(w, state, ctx, []);
      sections.push({ instance: inst, headerOffset, payloadOffset, payloadEnd: w.offset, versionId: vmsd.version_id, trace });
      writeFooter(w, inst.sectionId);
      if (desc) devices.push({ name: inst.idstr, instance_id: inst.instanceId, ...desc });
    }
    w.u8(C.QEMU_VM_EOF);
    // before 8.2 the configuration section is on the wire but not in the description
    const desc = this.release.vmdescConfiguration === false ? { page_size: PAGE_SIZE, devices } : { configuration: configDesc, page_size: PAGE_SIZE, devices };
    if (describe) writeVmdesc(w, qemuJson(desc));
    else w.bytes(EMPTY_VMDESC);
    return { bytes: opts.borrow && this.programs ? w.written() : w.finish(), sections, desc };
  }

  /** QEMU's qemu_loadvm_state over a whole stream, into this engine's reset devices. */
  load(bytes: Uint8Array, opts: LoadOptions = {}): LoadResult {
    const tracing = opts.trace ?? true;
    const r = new Reader(bytes);
    r.endIsEof = opts.eof ?? true;
    const states: Record<string, State> = {};
    const sections: SectionLayout[] = [];
    const warnings: VmError[] = [];
    try {
      readHeader(r);
      this.loadConfiguration(r);
      for (;;) {
        const { offset: at, type } = readRecordType(r);
        if (type === C.QEMU_VM_EOF) break;
        if (type !== C.QEMU_VM_SECTION_FULL && type !== C.QEMU_VM_SECTION_START) throw unknownSectionType(type, at);
        this.loadSection(r, at, states, sections, tracing);
      }
      this.readVmdesc(r, warnings);
    } catch (e) {
      if (e instanceof VmError) return { ok: false, error: e, sections };
      throw e;
    }
    for (const inst of this.instances) {
      // a section this side's own needed() leaves out is one it would not send either: nothing is missing
      if (!(inst.key in states) && !this.notNeeded(inst)) {
        warnings.push(
          new VmError({
            kind: 'missing-section',
            message: `the stream has no section for '${inst.idstr}' instance ${inst.instanceId}: the device keeps its reset state (QEMU says nothing)`,
          }),
        );
      }
    }
    return { ok: true, states, sections, warnings };
  }

  /**
   * The JSON description this engine would have written with a stream it can
   * read, for a stream that carries none (QEMU's `suppress-vmdesc`, a check's
   * save without one): each device section is loaded and saved again with the
   * description on, RAM and command records are read past, the configuration
   * is left to the decoder. A section this engine does not register, or reads
   * to another length than it describes, is a VmError naming it.
   */
  describeStream(bytes: Uint8Array): Vmdesc {
    const devices: Vmdesc['devices'] = [];
    const r = new Reader(bytes);
    eachFullSection(r, PAGE_SIZE, (h, offset) => devices.push(this.describeSection(r, h, offset)));
    return { page_size: PAGE_SIZE, devices };
  }

  private describeSection(r: Reader, h: ReturnType<typeof readFullHeader>, at: number): Vmdesc['devices'][number] {
    const idstr = h.idstr.split('\0')[0]!;
    const inst = this.instances.find((i) => i.idstr === idstr && i.instanceId === h.instanceId);
    if (!inst) {
      throw new VmError({
        kind: 'unknown-section',
        message: `section '${h.idstr}' instance ${h.instanceId} at ${hex(at)}: ${this.name} registers no such device, so it cannot describe it (it has: ${this.instances.map((i) => i.idstr).join(', ')})`,
        offset: at,
      });
    }
    const vmsd = inst.cls.vmsd;
    const state = inst.cls.reset(inst.props);
    const start = r.offset;
    loadVmsd(r, vmsd, state, h.versionId, this.ctx(inst, state, null), []);
    const read = r.offset - start;
    const desc = {} as VmsdDesc;
    const w = new Writer();
    saveVmsd(w, vmsd, state, h.versionId, this.ctx(inst, state, null), [], desc);
    if (w.offset !== read) {
      throw new VmError({
        kind: 'bad-vmdesc',
        message: `section '${h.idstr}' at ${hex(at)}: ${this.name} reads ${read} bytes of it but would write ${w.offset}, so its description would not fit the stream`,
        offset: at,
        vmsd: vmsd.name,
      });
    }
    return { name: inst.idstr, instance_id: inst.instanceId, ...(desc as unknown as Omit<Vmdesc['devices'][number], 'name' | 'instance_id'>) };
  }

  private loadConfiguration(r: Reader): void {
    const at = r.offset;
    const b = r.peekByte(0);
    if (b !== C.QEMU_VM_CONFIGURATION) {
      throw new VmError({
        kind: 'config-missing',
        message: `configuration section missing: expected 0x07 at ${hex(at)}, found ${b === null ? 'the end of the stream' : hex(b, 2)}`,
        offset: at,
        errno: EINVAL,
        qemu: ['Configuration section missing'],
      });
    }
    if (this.programs) {
      // this engine's own configuration section loads without a word: skip it when the stream has exactly it
      const own = (this.prefix ??= this.makePrefix()).bytes.subarray(8);
      // (and no configuration subsection, such as configuration/uuid, follows it)
      if (r.remaining > own.length && sameBytes(r.buf, r.offset, own) && r.buf[r.offset + own.length] !== C.QEMU_VM_SUBSECTION) {
        r.skip(own.length);
        return;
      }
    }
    r.skip(1);
    const s: State = {};
    try {
      loadVmsd(r, this.config, s, 0, this.ctx(this.instances[0] ?? dummy, s, null), []);
    } catch (e) {
      if (e instanceof VmError && e.kind === 'post-load-failed') {
        throw new VmError({ kind: 'machine-mismatch', message: e.qemu[0] ?? e.message, offset: at, errno: EINVAL, qemu: e.qemu });
      }
      throw e;
    }
  }

  private loadSection(r: Reader, headerOffset: number, states: Record<string, State>, sections: SectionLayout[], tracing: boolean): void {
    const h = readFullHeader(r);
    // QEMU compares the idstr only up to its first NUL byte.
    const idstr = h.idstr.split('\0')[0]!;
    const inst = findSection((this.order ??= saveOrder(this.instances)), idstr, h.instanceId, true);
    if (!inst) {
      throw new VmError({
        kind: 'unknown-section',
        message: `unknown section '${printable(h.idstr)}' instance ${h.instanceId} at ${hex(headerOffset)}: ${this.name} registers no such device`,
        offset: headerOffset,
        errno: EINVAL,
        qemu: [
          `Unknown savevm section or instance '${printable(h.idstr)}' ${h.instanceId}. Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices`,
        ],
      });
    }
    const vmsd = inst.cls.vmsd;
    if (h.versionId > vmsd.version_id) {
      throw new VmError({
        kind: 'section-version-too-new',
        message: `section '${printable(h.idstr)}' is version ${h.versionId}, newer than the destination's ${vmsd.version_id}`,
        offset: headerOffset,
        errno: EINVAL,
        vmsd: vmsd.name,
        qemu: [`savevm: unsupported version ${h.versionId} for '${printable(h.idstr)}' v${vmsd.version_id}`],
      });
    }
    const state = this.reset(inst);
    const trace: TraceEntry[] = [];
    const layout: SectionLayout = { instance: inst, headerOffset, payloadOffset: r.offset, payloadEnd: r.offset, versionId: h.versionId, trace };
    sections.push(layout);
    try {
      const ctx = this.ctx(inst, state, tracing ? trace : null);
      if (this.programs) this.programs.get(inst)!.load(vmsd)(r, state, h.versionId, ctx, []);
      else loadVmsd(r, vmsd, state, h.versionId, ctx, []);
    } catch (e) {
      layout.payloadEnd = r.offset;
      if (e instanceof VmError) {
        e.qemu.push(`error while loading state for instance ${hex(h.instanceId)} of device '${printable(h.idstr)}'`);
        if (e.vmsd === null) e.vmsd = vmsd.name;
      }
      throw e;
    }
    layout.payloadEnd = r.offset;
    checkFooter(r, h.sectionId, h.idstr);
    states[inst.key] = state;
  }

  private readVmdesc(r: Reader, warnings: VmError[]): void {
    const at = r.offset;
    const b = r.peekByte(0);
    if (b !== C.QEMU_VM_VMDESCRIPTION) {
      warnings.push(
        new VmError({
          kind: 'vmdesc-missing',
          message: `no VM description after EOF at ${hex(at)} (QEMU warns and carries on)`,
          offset: at,
          qemu: [`Expected vmdescription section, but got ${b ?? -1}`],
        }),
      );
      return;
    }
    r.skip(1);
    const len = r.u32('vmdesc length');
    r.skip(len, 'VM description');
    if (!r.atEnd()) {
      warnings.push(
        new VmError({
          kind: 'trailing-data',
          message: `${r.remaining} byte(s) after the VM description at ${hex(r.offset)} (QEMU never reads them)`,
          offset: r.offset,
        }),
      );
    }
  }
}

/**
 * The sections `-M machine` with these devices registers, in registration
 * order (vmstate_register_with_alias_id): each device's main section (none
 * when it registers none here, several when it has several instances),
 * then its extra sections. Section ids count registrations; a repeated
 * idstr takes the next instance id; an idstr with a device path keeps the
 * bare VMSD name as its legacy idstr, numbered among its namesakes.
 */
function registerSections(release: Release, machine: MachineType, names: readonly string[], opts: EngineOptions): DeviceInstance[] {
  const out: DeviceInstance[] = [];
  const nextInstance = new Map<string, number>();
  const nextCompat = new Map<string, number>();
  const add = (cls: DeviceClass, props: Props, key: string, base: number) => {
    const n = nextInstance.get(cls.idstr) ?? 0;
    const instanceId = Math.max(base, n === 0 ? base : n);
    nextInstance.set(cls.idstr, instanceId + 1);
    const slash = cls.idstr.lastIndexOf('/');
    let compat: DeviceInstance['compat'] = null;
    if (slash >= 0) {
      const legacy = cls.idstr.slice(slash + 1);
      const c = nextCompat.get(legacy) ?? 0;
      nextCompat.set(legacy, c + 1);
      compat = { idstr: legacy, instanceId: c };
    }
    out.push({ cls, props, idstr: cls.idstr, instanceId, sectionId: out.length, key, aliasId: cls.aliasIdOf?.(props) ?? cls.aliasId ?? -1, compat });
  };
  const keys = new Map<string, number>();
  for (const name of names) {
    const cls = release.devices.find((d) => d.name === name);
    if (!cls) {
      throw new VmError({
        kind: 'bad-input',
        message: `release ${release.name} has no device '${printable(name)}' (it has: ${release.devices.map((d) => d.name).join(', ')})`,
      });
    }
    // a second device of the same name is a further instance: name#1, name#2 …
    const seen = keys.get(name) ?? 0;
    const resolved = resolveProps(cls, machine.compat, opts.overrides?.[name], opts.globals);
    // what the board sets on this instance (qdev_prop_set_* before realize) wins over defaults and globals
    const board = cls.instanceProps?.[seen];
    const props = board ? { ...resolved, ...board } : resolved;
    keys.set(name, seen + 1);
    const key = seen === 0 ? name : `${name}#${seen}`;
    if (cls.registers && !cls.registers(props, machine.name)) continue;
    const count = cls.sectionCount?.(props) ?? 1;
    for (let i = 0; i < count; i++) add(cls, props, i === 0 ? key : `${key}#${i}`, cls.instanceId + i);
    for (const extra of cls.extraSections ?? []) {
      const xprops = { ...resolveProps(extra, machine.compat, {}, (opts.globals ?? []).map((g) => ({ ...g, optional: true }))), ...props };
      if (extra.registers && !extra.registers(xprops, machine.name)) continue;
      add(extra, xprops, `${key}/${extra.name}`, extra.instanceId);
    }
  }
  return out;
}

/**
 * The order sections go on the wire: early-setup sections first (the
 * setup phase), then the rest; within each, higher MIG_PRI first and
 * registration order among equals (savevm_state_handler_insert).
 */
export function saveOrder(instances: readonly DeviceInstance[]): DeviceInstance[] {
  const pri = (i: DeviceInstance) => i.cls.vmsd.priority ?? 0;
  const byPriority = [...instances].sort((a, b) => pri(b) - pri(a) || a.sectionId - b.sectionId);
  return [...byPriority.filter((i) => i.cls.vmsd.early_setup), ...byPriority.filter((i) => !i.cls.vmsd.early_setup)];
}

/**
 * QEMU's find_se: the section by idstr and instance id or alias id, or —
 * for a stream from before device paths — by its legacy idstr (the bare
 * VMSD name) and legacy instance id or alias id. `ordered`: the instances
 * are in save order already (an engine sorts its own once).
 */
export function findSection(instances: readonly DeviceInstance[], idstr: string, instanceId: number, ordered = false): DeviceInstance | undefined {
  for (const se of ordered ? instances : saveOrder(instances)) {
    if (se.idstr === idstr && (instanceId === se.instanceId || instanceId === se.aliasId)) return se;
    if (se.compat && se.idstr.includes(idstr) && se.compat.idstr === idstr && (instanceId === se.compat.instanceId || instanceId === se.aliasId)) return se;
  }
  return undefined;
}

function sameBytes(buf: Uint8Array, at: number, want: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if (buf[at + i] !== want[i]) return false;
  return true;
}

/** The description section of a stream saved without its description: `{}`. */
const EMPTY_VMDESC = Uint8Array.of(C.QEMU_VM_VMDESCRIPTION, 0, 0, 0, 2, 0x7b, 0x7d);

const preSaveCache = new WeakMap<VMStateDescription, boolean>();

/** Whether any VMSD reachable from `vmsd` (fields, subsections, inline VMSDs of custom codecs) has a pre_save hook. */
export function hasPreSave(vmsd: VMStateDescription): boolean {
  const known = preSaveCache.get(vmsd);
  if (known !== undefined) return known;
  preSaveCache.set(vmsd, false); // cycles end here
  const result =
    vmsd.pre_save !== undefined ||
    vmsd.fields.some((f) => (f.vmsd !== undefined && hasPreSave(f.vmsd)) || (f.info?.nested ?? []).some(hasPreSave)) ||
    (vmsd.subsections ?? []).some(hasPreSave);
  preSaveCache.set(vmsd, result);
  return result;
}

const dummy: DeviceInstance = {
  cls: undefined as unknown as DeviceClass,
  props: {},
  idstr: '',
  instanceId: 0,
  sectionId: 0,
  key: '',
  aliasId: -1,
  compat: null,
};

/**
 * QEMU's JSON writer style: `", "` between items and `": "` after keys, no
 * newlines. An object that a queue, list or tree saved several elements
 * into (describe.ts REPEATED) gets each element's vmsd_name, version,
 * fields (and subsections) in turn, between its own leading keys (name,
 * array_len/index, type) and its `size`, as QEMU's text has them.
 */
export function qemuJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(qemuJson).join(', ') + ']';
  const o = v as Record<string, unknown>;
  const pair = (k: string, x: unknown) => `${JSON.stringify(k)}: ${qemuJson(x)}`;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined);
  const repeats = repeatsOf(o);
  if (!repeats || repeats.length < 2) return '{' + keys.map((k) => pair(k, o[k])).join(', ') + '}';
  const nestedKey = (k: string) => k === 'vmsd_name' || k === 'version' || k === 'fields' || k === 'subsections';
  const at = keys.findIndex(nestedKey);
  const own = keys.filter((k) => !nestedKey(k));
  const before = own.slice(0, at < 0 ? own.length : at);
  const after = own.slice(before.length);
  const nested = repeats.flatMap((r) => Object.keys(r).filter((k) => (r as unknown as Record<string, unknown>)[k] !== undefined).map((k) => pair(k, (r as unknown as Record<string, unknown>)[k])));
  return '{' + [...before.map((k) => pair(k, o[k])), ...nested, ...after.map((k) => pair(k, o[k]))].join(', ') + '}';
}
