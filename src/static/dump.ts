import { VmError } from '../wire/errors.js';
import type { FieldNode, Schema, SubsectionNode, VmsdNode } from './types.js';

/**
 * QEMU's `-dump-vmstate` JSON (spec §7.2) as a schema. The dump knows
 * names, versions, element sizes, `num` (8.1+) and whether a field has a
 * test — not codecs, flags, struct_version_id, test semantics or when a
 * subsection is sent. Nested structs carry a Description of their own.
 */

export interface Dump {
  /** The file it came from, for messages. */
  file: string;
  /** `vmschkmachine.Name`. */
  machine: string;
  /** Whether the dump writes element counts (`num`, QEMU 8.1+): seen on any field. */
  counts: boolean;
  /** One per device class, keyed by its QOM type name (the member name). */
  sections: Map<string, { name: string; version_id: number; minimum_version_id: number; vmsd: VmsdNode }>;
}

class Bad {
  constructor(
    readonly where: string,
    readonly what: string,
  ) {}
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

function obj(v: unknown, where: string, what = 'an object'): Obj {
  if (!isObj(v)) throw new Bad(where, `expected ${what}, found ${show(v)}`);
  return v;
}

function int(o: Obj, key: string, where: string, optional = false): number {
  const v = o[key];
  if (v === undefined && optional) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new Bad(`${where}.${key}`, v === undefined ? 'missing (expected a non-negative integer)' : `expected a non-negative integer, found ${show(v)}`);
  }
  return v;
}

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Bad(`${where}.${key}`, v === undefined ? 'missing (expected a string)' : `expected a string, found ${show(v)}`);
  return v;
}

function list(o: Obj, key: string, where: string): unknown[] {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Bad(`${where}.${key}`, `expected a list, found ${show(v)}`);
  return v;
}

function description(v: unknown, where: string, counts: { seen: boolean }): VmsdNode {
  const d = obj(v, where, 'a Description object');
  const node: VmsdNode = {
    name: str(d, 'name', where),
    version_id: int(d, 'version_id', where),
    minimum_version_id: int(d, 'minimum_version_id', where, true),
    fields: [],
    subsections: [],
  };
  const raw = list(d, 'Fields', where);
  const names = raw.map((f, i) => str(obj(f, `${where}.Fields[${i}]`, 'a field object'), 'field', `${where}.Fields[${i}]`));
  // how often each name occurs, and how often it did before each field: repeated names are labelled name[k]
  const total = new Map<string, number>();
  for (const n of names) total.set(n, (total.get(n) ?? 0) + 1);
  const before = new Map<string, number>();
  raw.forEach((x, i) => {
    const at = `${where}.Fields[${i}]`;
    const f = x as Obj;
    const exists = f.field_exists;
    if (typeof exists !== 'boolean') throw new Bad(`${at}.field_exists`, exists === undefined ? 'missing (expected true or false)' : `expected true or false, found ${show(exists)}`);
    const name = names[i]!;
    const dup = total.get(name)! > 1;
    const k = before.get(name) ?? 0;
    before.set(name, k + 1);
    const nested = f.Description === undefined ? null : description(f.Description, `${at}.Description`, counts);
    if (f.num !== undefined) counts.seen = true;
    const size = int(f, 'size', at);
    const field: FieldNode = {
      name,
      label: dup ? `${name}[${k}]` : name,
      version_id: int(f, 'version_id', at),
      test: exists ? { kind: 'opaque' } : null,
      kind: nested ? 'struct' : name === 'unused' ? 'unused' : 'data',
      type: null,
      // a struct's size is sizeof its C type, not wire bytes; QEMU's checker ignores it too
      size: nested ? null : size,
      count: f.num === undefined ? null : { fixed: int(f, 'num', at) },
      nested,
      structVersion: null,
      inline: [],
    };
    node.fields.push(field);
  });
  node.subsections = list(d, 'Subsections', where).map(
    (s, i): SubsectionNode => ({ vmsd: description(s, `${where}.Subsections[${i}]`, counts), needed: { kind: 'opaque' } }),
  );
  return node;
}

/** Parses a dump; a malformed one is a `bad-input` error naming the file, the JSON location and what is wrong. */
export function parseDump(text: string, file: string): Dump {
  const fail = (where: string, what: string) =>
    new VmError({ kind: 'bad-input', message: `${file}: not a valid -dump-vmstate file: ${where ? `${where}: ` : ''}${what}` });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw fail('', `not JSON (${(e as Error).message})`);
  }
  try {
    const top = obj(doc, 'top level');
    if (!('vmschkmachine' in top)) throw new Bad('top level', 'no "vmschkmachine" member (write the file with `qemu-system-<arch> -M <machine> -dump-vmstate FILE`)');
    const machine = str(obj(top.vmschkmachine, 'vmschkmachine'), 'Name', 'vmschkmachine');
    const sections: Dump['sections'] = new Map();
    const counts = { seen: false };
    for (const [key, v] of Object.entries(top)) {
      if (key === 'vmschkmachine') continue;
      const where = JSON.stringify(key);
      const s = obj(v, where, 'a device object');
      sections.set(key, {
        name: str(s, 'Name', where),
        version_id: int(s, 'version_id', where),
        minimum_version_id: int(s, 'minimum_version_id', where, true),
        vmsd: description(s.Description, `${where}.Description`, counts),
      });
    }
    return { file, machine, counts: counts.seen, sections };
  } catch (e) {
    if (e instanceof Bad) throw fail(e.where, e.what);
    throw e;
  }
}

/** A dump is one machine type: the one it was written for. */
export function schemaFromDump(dump: Dump, label = dump.file): Schema {
  return {
    kind: 'dump',
    label,
    machine: dump.machine,
    counts: dump.counts,
    devices: [...dump.sections].map(([key, s]) => ({
      key,
      type: key,
      name: s.name,
      idstr: null,
      props: null,
      vmsd: s.vmsd,
    })),
  };
}
