import { EINVAL, VmError, hex } from '../wire/errors.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import * as C from '../wire/constants.js';
import { checkFooter, readCommand, readConfiguration, readFullHeader, readHeader, readOptionalFooter, readPartHeader, readRecordType, readSectionHeader, unknownSectionType, writeFooter, writeFullHeader, writeHeader, writeVmdesc } from '../wire/framing.js';
import { newRamContext, readRamPayload, type RamContext } from '../wire/ram.js';
import type { Vmdesc } from '../wire/vmdesc.js';
import { loadVmsd } from '../vmstate/load.js';
import { saveVmsd } from '../vmstate/save.js';
import type { VmsdDesc } from '../vmstate/describe.js';
import type { Props, State, TraceEntry, VMStateDescription, VmCtx } from '../vmstate/types.js';
import { cloneState } from '../vmstate/state.js';
import { configurationVmsd } from './configuration.js';
import { resolveProps } from './props.js';
import type { DeviceClass, MachineType, Release } from './types.js';

/** One registered device: what identifies its section and its resolved properties. */
export interface DeviceInstance {
  cls: DeviceClass;
  props: Props;
  idstr: string;
  instanceId: number;
  sectionId: number;
  /** Key for states: the device name, unique within an engine. */
  key: string;
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

export interface SaveOptions extends TraceOption {
  /**
   * Build the trailing JSON description as QEMU does (default). A check that
   * never reads it passes false: the stream then ends in an empty description
   * `{}`, which a loader skips the same way, and the save costs a third less.
   */
  describe?: boolean;
}

export interface EngineOptions {
  /** Device names to instantiate, in registration order; default every device of the release. */
  devices?: string[];
  /** Per-device property overrides, like `-global driver.prop=value`. */
  overrides?: Record<string, Record<string, string>>;
}

const PAGE_SIZE = 4096;

/** A release at one machine type, with every device's properties resolved: saves states, loads bytes. */
export class Engine {
  readonly release: Release;
  readonly machine: MachineType;
  readonly instances: DeviceInstance[];
  private readonly config: VMStateDescription;

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
    const names = opts.devices ?? machine.devices ?? release.devices.map((d) => d.name);
    const seen = new Map<string, number>();
    this.instances = names.map((name, sectionId) => {
      const cls = release.devices.find((d) => d.name === name);
      if (!cls) {
        throw new VmError({
          kind: 'bad-input',
          message: `release ${release.name} has no device '${name}' (it has: ${release.devices.map((d) => d.name).join(', ')})`,
        });
      }
      const props = resolveProps(cls, machine.compat, opts.overrides?.[name]);
      // A second device with the same plain idstr gets the next instance id, as QEMU numbers them.
      const n = seen.get(cls.idstr) ?? 0;
      seen.set(cls.idstr, n + 1);
      const key = n === 0 ? name : `${name}#${n}`;
      return { cls, props, idstr: cls.idstr, instanceId: cls.instanceId + n, sectionId, key };
    });
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
    const i = this.instance(key);
    return i.cls.reset(i.props);
  }

  private ctx(inst: DeviceInstance, device: State, trace: TraceEntry[] | null): VmCtx {
    const ctx: VmCtx = {
      props: inst.props,
      device,
      saveNested: (w, vmsd, state, version, at) => saveVmsd(w, vmsd, state, version, ctx, at, null),
      loadNested: (r, vmsd, state, version, at) => loadVmsd(r, vmsd, state, version, ctx, at),
      record: trace ? (e) => trace.push(e) : () => {},
      vmdescArrays: this.release.vmdescArrays ?? 'whole',
    };
    return ctx;
  }

  /** A whole stream: header, configuration, one FULL section per instance with a state, EOF, description. */
  save(states: Record<string, State>, opts: SaveOptions = {}): SaveResult {
    const tracing = opts.trace ?? true;
    const describe = opts.describe ?? true;
    const w = new Writer();
    writeHeader(w);
    w.u8(C.QEMU_VM_CONFIGURATION);
    const configDesc = {} as VmsdDesc;
    const configState: State = {};
    saveVmsd(w, this.config, configState, this.config.version_id, this.ctx(this.instances[0] ?? dummy, configState, null), [], configDesc);
    const sections: SectionLayout[] = [];
    const devices: unknown[] = [];
    for (const inst of this.instances) {
      const given = states[inst.key];
      if (!given) continue;
      // pre_save hooks may write to the state: save a copy when the VMSD tree has any
      const state = hasPreSave(inst.cls.vmsd) ? cloneState(given) : given;
      const vmsd = inst.cls.vmsd;
      if (vmsd.needed && !vmsd.needed(state, this.ctx(inst, state, null))) continue;
      const headerOffset = w.offset;
      writeFullHeader(w, { sectionId: inst.sectionId, idstr: inst.idstr, instanceId: inst.instanceId, versionId: vmsd.version_id });
      const payloadOffset = w.offset;
      const trace: TraceEntry[] = [];
      const desc = describe ? ({} as VmsdDesc) : null;
      saveVmsd(w, vmsd, state, vmsd.version_id, this.ctx(inst, state, tracing ? trace : null), [], desc);
      sections.push({ instance: inst, headerOffset, payloadOffset, payloadEnd: w.offset, versionId: vmsd.version_id, trace });
      writeFooter(w, inst.sectionId);
      if (desc) devices.push({ name: inst.idstr, instance_id: inst.instanceId, ...desc });
    }
    w.u8(C.QEMU_VM_EOF);
    const desc = { configuration: configDesc, page_size: PAGE_SIZE, devices };
    writeVmdesc(w, describe ? qemuJson(desc) : '{}');
    return { bytes: w.finish(), sections, desc };
  }

  /** QEMU's qemu_loadvm_state over a whole stream, into this engine's reset devices. */
  load(bytes: Uint8Array, opts: TraceOption = {}): LoadResult {
    const tracing = opts.trace ?? true;
    const r = new Reader(bytes);
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
      if (!(inst.key in states)) {
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
    const r = new Reader(bytes);
    readHeader(r);
    if (r.peekByte(0) === C.QEMU_VM_CONFIGURATION) {
      r.u8();
      readConfiguration(r, (name) => {
        if (name === 'configuration/target-page-bits') r.skip(4, 'target page bits');
        else for (let n = r.u32('capability count'); n > 0; n--) r.skip(r.u8('capability length'), 'capability');
      });
    }
    const devices: Vmdesc['devices'] = [];
    const iterables = new Map<number, string>();
    let ram: RamContext | null = null;
    for (;;) {
      const { offset, type } = readRecordType(r);
      if (type === C.QEMU_VM_EOF) break;
      if (type === C.QEMU_VM_COMMAND) {
        const c = readCommand(r);
        r.offset = c.payloadOffset + c.payloadLength;
        continue;
      }
      let sectionId: number;
      let idstr: string;
      if (type === C.QEMU_VM_SECTION_START || type === C.QEMU_VM_SECTION_FULL) {
        const h = readSectionHeader(r, type, offset, iterables, 'described');
        ({ sectionId, idstr } = h);
        if (type === C.QEMU_VM_SECTION_FULL) {
          devices.push(this.describeSection(r, h, offset));
          readOptionalFooter(r, sectionId, idstr);
          continue;
        }
      } else if (type === C.QEMU_VM_SECTION_PART || type === C.QEMU_VM_SECTION_END) {
        ({ sectionId, idstr } = readPartHeader(r, type, offset, iterables));
      } else throw unknownSectionType(type, offset);
      readRamPayload(r, (ram ??= newRamContext(PAGE_SIZE)));
      readOptionalFooter(r, sectionId, idstr);
    }
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
    const inst = this.instances.find((i) => i.idstr === idstr && i.instanceId === h.instanceId);
    if (!inst) {
      throw new VmError({
        kind: 'unknown-section',
        message: `unknown section '${h.idstr}' instance ${h.instanceId} at ${hex(headerOffset)}: ${this.name} registers no such device`,
        offset: headerOffset,
        errno: EINVAL,
        qemu: [
          `Unknown savevm section or instance '${h.idstr}' ${h.instanceId}. Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices`,
        ],
      });
    }
    const vmsd = inst.cls.vmsd;
    if (h.versionId > vmsd.version_id) {
      throw new VmError({
        kind: 'section-version-too-new',
        message: `section '${h.idstr}' is version ${h.versionId}, newer than the destination's ${vmsd.version_id}`,
        offset: headerOffset,
        errno: EINVAL,
        vmsd: vmsd.name,
        qemu: [`savevm: unsupported version ${h.versionId} for '${h.idstr}' v${vmsd.version_id}`],
      });
    }
    const state = inst.cls.reset(inst.props);
    const trace: TraceEntry[] = [];
    const layout: SectionLayout = { instance: inst, headerOffset, payloadOffset: r.offset, payloadEnd: r.offset, versionId: h.versionId, trace };
    sections.push(layout);
    try {
      loadVmsd(r, vmsd, state, h.versionId, this.ctx(inst, state, tracing ? trace : null), []);
    } catch (e) {
      layout.payloadEnd = r.offset;
      if (e instanceof VmError) {
        e.qemu.push(`error while loading state for instance ${hex(h.instanceId)} of device '${h.idstr}'`);
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
};

/** QEMU's JSON writer style: `", "` between items and `": "` after keys, no newlines. */
export function qemuJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(qemuJson).join(', ') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}: ${qemuJson(o[k])}`).join(', ') + '}';
}
