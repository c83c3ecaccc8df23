import * as F from '../vmstate/flags.js';
import * as I from '../vmstate/info.js';
import type { State, VMStateDescription, VMStateField, VMStateInfo } from '../vmstate/types.js';
import { setMember } from '../vmstate/state.js';
import { decodeStream, type DecodedStream } from '../wire/decode.js';
import { VmError } from '../wire/errors.js';
import { isVmsdState, type FieldState, type Value, type VmsdState } from '../wire/tree.js';
import type { Vmdesc, VmdescDevice, VmdescField, VmdescVmsd } from '../wire/vmdesc.js';
import type { QemuBinary } from './binaries.js';
import { saveToFile } from './driver.js';
import { dumpVmstate } from './dump.js';

export { dumpVmstate };

/**
 * What a binary knows, as the model's VMSD types. `-dump-vmstate` gives names,
 * versions, element sizes, array lengths, nested descriptions and whether a field
 * has a test, per device class; it has no codecs, no flags and no test semantics. A
 * stream's description from the same binary (and machine type) fills in the codecs
 * (`uint16`, `timer`, `vstruct`, custom ones such as `virtio`) and what is actually
 * sent at that machine type. What neither says is guessed and listed in `notes`.
 */

export interface ImportedVmsd {
  /** QOM type name (the dump's member), or the section idstr for devices only a stream describes. */
  type: string;
  vmsd: VMStateDescription;
  /** dump: types guessed; dump+stream: types from the stream; stream: no dump entry (e.g. ipmi-interface). */
  source: 'dump' | 'dump+stream' | 'stream';
  /** Everything that had to be assumed, one line each. */
  notes: string[];
}

export interface ImportedSchema {
  /** `vmschkmachine.Name`, or the stream's machine type. */
  machine: string;
  devices: ImportedVmsd[];
  /** Lookup by VMSD name (several QOM types may share one: the first wins). */
  byVmsd: Map<string, ImportedVmsd>;
  /**
   * The VMSD of each section of the stream (`idstr (instance)`): the dump entry whose
   * fields match the section's description (isa-serial's wrapper and serial-mm's core
   * are both named `serial`), typed by that description.
   */
  bySection: Map<string, ImportedVmsd>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The VMStateInfo codecs of src/vmstate by their JSON type name. */
const CODECS: ReadonlyMap<string, VMStateInfo> = new Map(
  Object.values(I)
    .filter((v): v is VMStateInfo => isObj(v) && typeof (v as Obj).name === 'string' && typeof (v as Obj).put === 'function')
    .map((c) => [c.name, c]),
);

/** A codec the description only sizes (`virtio`, `pci config`, …): its bytes, kept as they are. */
function opaque(name: string): VMStateInfo {
  return {
    name,
    put(w, v, el) {
      const b = v instanceof Uint8Array ? v : new Uint8Array(el.size);
      if (b.length !== el.size) {
        throw new VmError({ kind: 'bad-state', message: `${el.vmsd.name}:${el.field.name}: ${name} holds ${b.length} bytes but the stream described ${el.size}` });
      }
      w.bytes(b);
    },
    get(r, _current, el) {
      return r.bytes(el.size, `${name} ${el.field.name}`);
    },
  };
}

const BY_SIZE: Record<number, string> = { 1: 'uint8', 2: 'uint16', 4: 'uint32', 8: 'uint64' };

/** A field version no vmsd reaches: the field is never sent. */
const NEVER = 0x7fffffff;

/** Consecutive description objects with one name are one field (spec corrections: 10.0 drops the last index). */
function groupFields(fields: readonly VmdescField[] | undefined): Map<string, VmdescField[]> {
  const out = new Map<string, VmdescField[]>();
  for (const f of fields ?? []) {
    const g = out.get(f.name);
    if (g) g.push(f);
    else out.set(f.name, [f]);
  }
  return out;
}

function inlineVmsd(f: VmdescField): VmdescVmsd {
  return { vmsd_name: f.vmsd_name ?? f.name, version: f.version ?? 0, fields: f.fields, subsections: f.subsections };
}

interface Ctx {
  notes: string[];
  typed: boolean;
}

/** One dump Description (+ the stream's description of the same vmsd, when there is one). */
function importDescription(d: Obj, seen: VmdescVmsd | undefined, where: string, ctx: Ctx): VMStateDescription {
  const name = String(d.name);
  const rawFields = Array.isArray(d.Fields) ? (d.Fields as Obj[]) : [];
  const names = rawFields.map((f) => String(f.field));
  const described = groupFields(seen?.fields);
  const fields: VMStateField[] = rawFields.map((f, i) => {
    const fname = names[i]!;
    const dup = names.filter((n) => n === fname).length > 1;
    const ordinal = names.slice(0, i).filter((n) => n === fname).length;
    const jsonName = dup ? `${fname}[${ordinal}]` : fname;
    const objs = described.get(jsonName);
    const at = `${where}:${jsonName}`;
    const field: VMStateField = {
      name: fname,
      member: fname === 'unused' ? null : jsonName,
      flags: F.VMS_SINGLE,
      version_id: Number(f.version_id ?? 0),
    };
    if (f.field_exists === true) {
      // The dump says a test exists, not what it tests: take what this binary sent at this machine type.
      const sent = seen ? objs !== undefined : true;
      field.field_exists = () => sent;
      if (!seen) ctx.notes.push(`${at}: has an existence test the dump cannot show; assumed true`);
    }
    const type = objs?.[0]?.type ?? null;
    let count = objs ? objs.reduce((n, o) => n + (o.array_len ?? 1), 0) : null;
    if (seen && !objs && f.field_exists !== true && field.version_id <= seen.version) {
      // It exists at this version and has no test, yet nothing was described: QEMU
      // describes nothing for a field with zero elements (a VARRAY whose count is 0).
      count = 0;
      field.flags = F.VMS_ARRAY;
      field.num = 0;
      ctx.notes.push(`${at}: sent with 0 elements: a variable-length array, modelled as 0 elements`);
    }
    const num = typeof f.num === 'number' ? f.num : null;
    if (count !== 0 && (num !== null || (count !== null && count > 1))) {
      field.flags = F.VMS_ARRAY;
      field.num = num ?? count!;
      if (count !== null && num !== null && count !== num) {
        field.num = count;
        ctx.notes.push(`${at}: ${count} element(s) sent where the dump says num ${num}: a variable-length array, count taken from the stream`);
      } else if (num === null) ctx.notes.push(`${at}: ${count} elements sent and no num in the dump: a variable-length array, count taken from the stream`);
    }
    if (isObj(f.Description)) {
      const vstruct = type === 'vstruct' || type === 'tmp';
      const nestedSeen = objs?.[0] ? (vstruct ? inlineVmsd(objs[0]) : objs[0].struct) : undefined;
      field.vmsd = importDescription(f.Description, nestedSeen, `${where}/${String(f.Description.name)}`, ctx);
      if (type === 'vstruct') {
        field.flags |= F.VMS_VSTRUCT;
        field.struct_version_id = objs![0]!.version ?? field.vmsd.version_id;
      } else if (type === 'tmp') {
        // WITH_TMP: a custom codec saving the tmp vmsd inline; modelled as a VSTRUCT at the tmp vmsd's version
        field.flags |= F.VMS_VSTRUCT;
        field.struct_version_id = field.vmsd.version_id;
        ctx.notes.push(`${at}: a WITH_TMP group; src/vmstate has no tmp codec, so it is a VSTRUCT at ${field.vmsd.name}'s own version (same bytes; described as 'vstruct', not 'tmp')`);
      } else field.flags |= F.VMS_STRUCT;
      if (!objs) ctx.notes.push(`${at}: not in the stream; a ${vstruct ? 'vstruct' : 'struct'} as the dump says`);
      if (count === 0) field.flags = F.VMS_ARRAY | F.VMS_STRUCT;
      return field;
    }
    const size = objs?.[0]?.size ?? Number(f.size ?? 0);
    if (type) {
      const codec = CODECS.get(type);
      if (type === 'buffer' || type === 'unused_buffer' || !codec) {
        field.flags |= F.VMS_BUFFER;
        field.size = size;
      }
      field.info = codec ?? opaque(type);
      if (!codec && type !== 'buffer') ctx.notes.push(`${at}: custom codec '${type}', kept as ${size} opaque bytes`);
      if (objs!.some((o) => o.size !== size || o.type !== type)) ctx.notes.push(`${at}: elements of different types or sizes (null pointers?); modelled as ${type} × ${size}`);
      return field;
    }
    ctx.typed = false;
    const guess = fname === 'unused' ? 'unused_buffer' : (BY_SIZE[size] ?? 'buffer');
    field.info = CODECS.get(guess)!;
    if (guess.endsWith('buffer')) {
      field.flags |= F.VMS_BUFFER;
      field.size = size;
    }
    ctx.notes.push(`${at}: ${seen ? 'not in the stream' : 'no stream description'}; type guessed from its size ${size}: ${guess}`);
    return field;
  });

  const rawSubs = Array.isArray(d.Subsections) ? (d.Subsections as Obj[]) : [];
  const subsections = rawSubs.map((s) => {
    const sname = String(s.name);
    const sent = seen?.subsections?.find((x) => x.vmsd_name === sname);
    const sub = importDescription(s, sent, `${where}/${sname}`, ctx);
    // `needed` reads device state the dump does not describe: take what was sent.
    const isSent = sent !== undefined;
    sub.needed = () => isSent;
    if (!seen) ctx.notes.push(`${where}/${sname}: when it is needed is unknown without a stream; assumed not sent`);
    return sub;
  });
  return {
    name,
    version_id: Number(d.version_id ?? 0),
    minimum_version_id: Number(d.minimum_version_id ?? 0),
    fields,
    ...(subsections.length ? { subsections } : {}),
  };
}

/** A device only the stream describes: everything from its description (no minimum versions, no field versions). */
export function importFromVmdesc(dev: VmdescDevice): ImportedVmsd {
  const ctx: Ctx = { notes: [`${dev.name}: not in the dump; imported from the stream's description only (no minimum or field versions)`], typed: true };
  const fromDesc = (v: VmdescVmsd, where: string): VMStateDescription => {
    const fields: VMStateField[] = [];
    for (const [jsonName, objs] of groupFields(v.fields)) {
      const o = objs[0]!;
      const count = objs.reduce((n, x) => n + (x.array_len ?? 1), 0);
      const plain = jsonName.replace(/\[\d+\]$/, '');
      // `kcs[1]`: either the second of two definitions named `kcs` (the first not sent)
      // or a C subscript (`env.cr[2]`). Stand-ins for the missing lower ones give the
      // same described name either way; they sit beyond any version, so they are
      // never sent and, having no test, leave QEMU's array compression alone.
      const ordinal = plain !== jsonName && plain !== 'unused' ? Number(/\[(\d+)\]$/.exec(jsonName)![1]) : 0;
      while (fields.filter((x) => x.name === plain).length < ordinal) {
        fields.push({ name: plain, member: null, flags: F.VMS_SINGLE, version_id: NEVER, info: CODECS.get('uint8')! });
        ctx.notes.push(`${where}:${plain}: definition ${fields.filter((x) => x.name === plain).length - 1} was not sent; a stand-in that never exists keeps the name ${jsonName}`);
      }
      const field: VMStateField = { name: plain, member: plain === 'unused' ? null : jsonName, flags: count > 1 || o.index !== undefined ? F.VMS_ARRAY : F.VMS_SINGLE, version_id: 0 };
      if (field.flags & F.VMS_ARRAY) field.num = count;
      if (o.type === 'struct' && o.struct) {
        field.flags |= F.VMS_STRUCT;
        field.vmsd = fromDesc(o.struct, `${where}/${o.struct.vmsd_name}`);
      } else if ((o.type === 'vstruct' || o.type === 'tmp') && o.fields) {
        field.flags |= F.VMS_VSTRUCT;
        field.vmsd = fromDesc(inlineVmsd(o), `${where}/${o.vmsd_name}`);
        field.struct_version_id = o.version ?? 0;
        if (o.type === 'tmp') ctx.notes.push(`${where}:${jsonName}: a WITH_TMP group, a VSTRUCT here (same bytes; described as 'vstruct', not 'tmp')`);
      } else {
        const codec = CODECS.get(o.type);
        field.info = codec ?? opaque(o.type);
        if (!codec || o.type === 'buffer' || o.type === 'unused_buffer') {
          field.flags |= F.VMS_BUFFER;
          field.size = o.size;
        }
      }
      fields.push(field);
    }
    const subsections = (v.subsections ?? []).map((s) => ({ ...fromDesc(s, `${where}/${s.vmsd_name}`), needed: () => true }));
    return { name: v.vmsd_name, version_id: v.version, minimum_version_id: 0, fields, ...(subsections.length ? { subsections } : {}) };
  };
  return { type: dev.name, vmsd: fromDesc(dev, dev.name), source: 'stream', notes: ctx.notes };
}

/**
 * `-dump-vmstate` JSON (+ optionally the description of a stream the same binary saved
 * at the same machine type) → one VMSD per device class. Devices the stream describes
 * but the dump lacks (explicitly registered ones: ipmi-interface, globalstate, cpu …)
 * are imported from the stream alone.
 */
export function importDump(dump: unknown, opts: { vmdesc?: Vmdesc } = {}): ImportedSchema {
  if (!isObj(dump) || !isObj(dump.vmschkmachine)) {
    throw new VmError({ kind: 'bad-input', message: 'not a -dump-vmstate document: no "vmschkmachine" member (write it with qemu-system-x86_64 -M <machine> -dump-vmstate FILE)' });
  }
  const machine = String((dump.vmschkmachine as Obj).Name);
  const entries = Object.entries(dump).filter((e): e is [string, Obj & { Description: Obj }] => e[0] !== 'vmschkmachine' && isObj(e[1]) && isObj(e[1].Description));
  const streamDevices = opts.vmdesc?.devices ?? [];

  // Which dump entry each section belongs to: same vmsd name, most described field names in common.
  const fieldNames = (d: Obj) => {
    const raw = Array.isArray(d.Fields) ? (d.Fields as Obj[]).map((f) => String(f.field)) : [];
    return new Set(raw.map((n, i) => (raw.filter((x) => x === n).length > 1 ? `${n}[${raw.slice(0, i).filter((x) => x === n).length}]` : n)));
  };
  const pick = (dev: VmdescDevice) => {
    let best: [string, Obj] | null = null;
    let score = -1;
    for (const [type, e] of entries) {
      if (String(e.Description.name) !== dev.vmsd_name) continue;
      const have = fieldNames(e.Description);
      const sc = [...groupFields(dev.fields).keys()].filter((n) => have.has(n)).length;
      if (sc > score) [best, score] = [[type, e.Description], sc];
    }
    return best;
  };

  const devices: ImportedVmsd[] = [];
  const byVmsd = new Map<string, ImportedVmsd>();
  const bySection = new Map<string, ImportedVmsd>();
  const typed = new Map<string, ImportedVmsd>(); // dump type → import typed by the stream
  for (const dev of streamDevices) {
    const hit = pick(dev);
    let imp: ImportedVmsd;
    if (!hit) imp = importFromVmdesc(dev);
    else {
      const [type, desc] = hit;
      let known = typed.get(type);
      if (!known) {
        const ctx: Ctx = { notes: [], typed: true };
        known = { type, vmsd: importDescription(desc, dev, type, ctx), source: 'dump+stream', notes: ctx.notes };
        typed.set(type, known);
      }
      imp = known;
    }
    if (!devices.includes(imp)) devices.push(imp);
    bySection.set(`${dev.name} (${dev.instance_id})`, imp);
    if (!byVmsd.has(imp.vmsd.name)) byVmsd.set(imp.vmsd.name, imp);
  }
  for (const [type, e] of entries) {
    if (typed.has(type)) continue;
    const ctx: Ctx = { notes: [], typed: true };
    const imp: ImportedVmsd = { type, vmsd: importDescription(e.Description, undefined, type, ctx), source: 'dump', notes: ctx.notes };
    devices.push(imp);
    if (!byVmsd.has(imp.vmsd.name)) byVmsd.set(imp.vmsd.name, imp);
  }
  return { machine, devices, byVmsd, bySection };
}

/**
 * Everything a binary knows at one machine type: its dump, typed by the description
 * of a stream it saves with `devices` (or the given stream).
 */
export async function importBinary(bin: QemuBinary, machine: string, opts: { devices?: string[]; stream?: Uint8Array } = {}): Promise<ImportedSchema & { stream: DecodedStream }> {
  const [dump, bytes] = await Promise.all([
    dumpVmstate(bin, machine),
    opts.stream ? Promise.resolve(opts.stream) : saveToFile({ binary: bin, vm: { machine, devices: opts.devices ?? [] } }),
  ]);
  const stream = decodeStream(bytes);
  return { ...importDump(dump, { vmdesc: stream.vmdesc?.desc }), stream };
}

/**
 * A decoded section as model State for an imported VMSD: one key per member (the
 * JSON name), arrays as arrays, structs as nested State; subsection fields live in
 * the same State as their parent's, as the C members do.
 */
export function stateFromDecoded(vmsd: VMStateDescription, decoded: VmsdState): State {
  const out: State = {};
  fill(vmsd, decoded, out);
  return out;
}

function fill(vmsd: VMStateDescription, decoded: VmsdState, out: State): void {
  const byName = new Map<string, FieldState>(decoded.fields.map((f) => [f.name, f]));
  for (const f of vmsd.fields) {
    if (f.member === null) continue;
    const got = byName.get(f.member);
    if (!got) continue; // not sent at this machine type
    const conv = (v: Value): unknown => (isVmsdState(v) && f.vmsd ? stateFromDecoded(f.vmsd, v) : v);
    setMember(out, f.member, f.flags & (F.VMS_ARRAY | F.VMS_VARRAY_ANY) ? got.values.map(conv) : conv(got.values[0]!));
  }
  for (const sub of decoded.subsections) {
    const model = vmsd.subsections?.find((s) => s.name === sub.name);
    if (model) fill(model, sub.state, out);
  }
}
