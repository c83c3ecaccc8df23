import { findVmdesc } from '../../src/wire/vmdesc.js';
import { walk } from '../../src/wire/walk.js';
import type { Rng } from './rng.js';

/**
 * Mutators for migration streams, each a pure function of (stream, rng): byte-level
 * damage anywhere, cuts at every structural boundary (record, payload, footer,
 * description), and edits of the trailing JSON description aimed at every way it can
 * lie (wrong types, negative/fractional/huge sizes and counts, deep nesting).
 */

export interface Mutation {
  /** Which mutator made it, for the outcome counts. */
  mutator: string;
  bytes: Uint8Array;
}

/** The parts of a seed stream mutators aim at, computed once per seed. */
export interface Anatomy {
  bytes: Uint8Array;
  /** Offsets where a record, payload, footer or the description starts or ends. */
  boundaries: number[];
  /** Where the records end (the description's 0x06), or the stream's end. */
  recordsEnd: number;
  /** The description's JSON text, when the stream has one. */
  json: string | null;
}

export function anatomy(bytes: Uint8Array): Anatomy {
  const set = new Set<number>([0, 4, 8]);
  const w = walk(bytes);
  if (w.ok) {
    for (const r of w.value.records) {
      set.add(r.offset);
      set.add(r.offset + 1);
      set.add(r.payloadOffset);
      set.add(r.payloadOffset + r.payloadLength);
      if (r.footerOffset !== null) {
        set.add(r.footerOffset);
        set.add(r.footerOffset + 1);
        set.add(r.footerOffset + 5);
      }
    }
  }
  let json: string | null = null;
  let recordsEnd = bytes.length;
  try {
    const v = findVmdesc(bytes);
    if (v) {
      json = new TextDecoder().decode(bytes.subarray(v.jsonOffset));
      recordsEnd = v.offset;
      for (const b of [v.offset, v.offset + 1, v.offset + 5, v.jsonOffset + 1, bytes.length - 1]) set.add(b);
    }
  } catch {
    /* a seed with a broken description: byte mutators only */
  }
  const boundaries = [...set].filter((b) => b >= 0 && b <= bytes.length).sort((a, b) => a - b);
  return { bytes, boundaries, recordsEnd, json };
}

/** Records (without a description) followed by `json` framed as QEMU frames it: 0x06, be32 length, text. */
export function withDescription(records: Uint8Array, json: string, lengthDelta = 0): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(records.length + 5 + text.length);
  out.set(records, 0);
  out[records.length] = 0x06;
  new DataView(out.buffer).setUint32(records.length + 1, (text.length + lengthDelta) >>> 0);
  out.set(text, records.length + 5);
  return out;
}

const BE32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xffff_fffe, 0x1000, 0x10_0000];
const BYTES = [0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x7e, 0x7f, 0x80, 0xff];

type ByteMutator = (a: Anatomy, rng: Rng) => Uint8Array;

const byteMutators: Record<string, ByteMutator> = {
  /** Every structural boundary is a cut point (the corpus test walks them all; here one at random). */
  'truncate-boundary': (a, rng) => a.bytes.slice(0, rng.pick(a.boundaries)),
  /** Cut the records but keep the description, so the description-driven decoder meets a short stream. */
  'truncate-keep-description': (a, rng) => {
    if (a.json === null) return a.bytes.slice(0, rng.int(a.bytes.length));
    const cuts = a.boundaries.filter((b) => b < a.recordsEnd);
    const cut = rng.chance(0.5) ? rng.pick(cuts) : rng.int(a.recordsEnd);
    return concat(a.bytes.subarray(0, cut), a.bytes.subarray(a.recordsEnd));
  },
  'truncate-random': (a, rng) => a.bytes.slice(0, rng.int(a.bytes.length + 1)),
  'flip-bits': (a, rng) => {
    const b = a.bytes.slice();
    for (let n = 1 + rng.int(8); n > 0; n--) b[rng.int(b.length)] ^= 1 << rng.int(8);
    return b;
  },
  'set-byte': (a, rng) => {
    const b = a.bytes.slice();
    const at = rng.chance(0.6) ? Math.min(b.length - 1, rng.pick(a.boundaries)) : rng.int(b.length);
    b[at] = rng.pick(BYTES);
    return b;
  },
  'set-be32': (a, rng) => {
    const b = a.bytes.slice();
    const at = Math.max(0, Math.min(b.length - 4, rng.chance(0.6) ? rng.pick(a.boundaries) + rng.int(6) : rng.int(b.length)));
    new DataView(b.buffer).setUint32(at, rng.pick(BE32));
    return b;
  },
  'delete-range': (a, rng) => {
    const at = rng.chance(0.5) ? rng.pick(a.boundaries) : rng.int(a.bytes.length);
    const n = 1 + rng.int(rng.chance(0.8) ? 8 : 512);
    return concat(a.bytes.subarray(0, at), a.bytes.subarray(at + n));
  },
  'insert-range': (a, rng) => {
    const at = rng.chance(0.5) ? rng.pick(a.boundaries) : rng.int(a.bytes.length);
    const ins = new Uint8Array(1 + rng.int(16)).map(() => (rng.chance(0.5) ? rng.pick(BYTES) : rng.int(256)));
    return concat(a.bytes.subarray(0, at), ins, a.bytes.subarray(at));
  },
  'duplicate-range': (a, rng) => {
    const i = rng.int(a.boundaries.length - 1);
    const from = a.boundaries[i]!;
    const to = a.boundaries[Math.min(a.boundaries.length - 1, i + 1 + rng.int(4))]!;
    return concat(a.bytes.subarray(0, to), a.bytes.subarray(from, to), a.bytes.subarray(to));
  },
  /** The description with a wrong be32 length (too long, too short, wrapped). */
  'description-length': (a, rng) => {
    if (a.json === null) return a.bytes.slice(0, -1);
    return withDescription(a.bytes.subarray(0, a.recordsEnd), a.json, rng.pick([-1, 1, -0x8000_0000, 0x7fff_ffff]));
  },
};

/* ---------- description edits ---------- */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const BAD_NUMBERS: Json[] = [-1, -4096, 0.5, 1.5, 4096.5, 1e9, 2 ** 32, 2 ** 53, 2 ** 64, 1e308, -0.0001, 0, '12', null, true, [], {}];
const BAD_VALUES: Json[] = [null, 0, -1, 1.5, 'x', '', true, [], {}, [null], { fields: null }, { subsections: {} }];
const NUMERIC_KEYS = ['size', 'array_len', 'index', 'version', 'instance_id', 'page_size'];
const LIST_KEYS = ['devices', 'fields', 'subsections'];

interface Slot {
  parent: Json[] | { [k: string]: Json };
  key: string | number;
  value: Json;
}

/** Every (parent, key) of the JSON tree, iteratively (a mutated tree may be deep). */
function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const stack: Json[] = [root];
  while (stack.length) {
    const v = stack.pop()!;
    if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v, key: i, value: x }), stack.push(x)));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push({ parent: v, key: k, value: x }), stack.push(x);
  }
  return out;
}

function set(s: Slot, v: Json): void {
  (s.parent as Record<string | number, Json>)[s.key] = v;
}

/** Deep nesting written as text (JSON.stringify of such a tree would recurse). */
function deepText(kind: 'struct' | 'subsections' | 'inline', depth: number): string {
  const leaf = '{"name":"x","type":"uint8","size":1}';
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    if (kind === 'struct') {
      open += `{"name":"s","type":"struct","size":1,"struct":{"vmsd_name":"n${i}","version":1,"fields":[`;
      close = `]}}` + close;
    } else if (kind === 'inline') {
      open += `{"name":"t","type":"tmp","size":1,"vmsd_name":"t${i}","version":0,"fields":[`;
      close = `]}` + close;
    } else {
      open += `{"vmsd_name":"s${i}","version":1,"fields":[${leaf}],"subsections":[`;
      close = `]}` + close;
    }
  }
  return kind === 'subsections' ? `${open}${close}`.replace(/,"subsections":\[\]\}$/, '}') : `${open}${leaf}${close}`;
}

type DescMutator = (desc: Json, rng: Rng, json: string) => string;

const descMutators: Record<string, DescMutator> = {
  'desc-number': (d, rng) => {
    const all = slots(d).filter((s) => typeof s.key === 'string' && NUMERIC_KEYS.includes(s.key));
    if (all.length) set(rng.pick(all), rng.pick(BAD_NUMBERS));
    return JSON.stringify(d);
  },
  'desc-value': (d, rng) => {
    const all = slots(d);
    if (all.length) set(rng.pick(all), rng.pick(BAD_VALUES));
    return JSON.stringify(d);
  },
  'desc-list': (d, rng) => {
    const all = slots(d).filter((s) => typeof s.key === 'string' && LIST_KEYS.includes(s.key));
    if (!all.length) return JSON.stringify(d);
    const s = rng.pick(all);
    if (Array.isArray(s.value) && s.value.length && rng.chance(0.5)) s.value[rng.int(s.value.length)] = rng.pick(BAD_VALUES);
    else set(s, rng.pick(BAD_VALUES));
    return JSON.stringify(d);
  },
  'desc-delete-key': (d, rng) => {
    const all = slots(d).filter((s) => typeof s.key === 'string');
    if (all.length) {
      const s = rng.pick(all);
      delete (s.parent as Record<string, Json>)[s.key as string];
    }
    return JSON.stringify(d);
  },
  /** size 0 with a huge count: a loop that consumes nothing. */
  'desc-empty-elements': (d, rng) => {
    const fields = slots(d).filter((s) => s.key === 'size');
    if (fields.length) {
      const s = rng.pick(fields);
      s.parent = s.parent as { [k: string]: Json };
      (s.parent as Record<string, Json>).size = 0;
      (s.parent as Record<string, Json>).array_len = rng.pick([1e9, 2 ** 31, 1e6, 65537]);
    }
    return JSON.stringify(d);
  },
  'desc-page-size': (d, rng) => {
    if (d && typeof d === 'object' && !Array.isArray(d)) d.page_size = rng.pick([4096.5, 2 ** 40, 2 ** 60, 0, -4096, 3000, 1, '4096', null, 1e308]);
    return JSON.stringify(d);
  },
  'desc-duplicate': (d, rng) => {
    const lists = slots(d).filter((s) => Array.isArray(s.value) && s.value.length > 0);
    if (lists.length) {
      const l = rng.pick(lists).value as Json[];
      const i = rng.int(l.length);
      l.splice(i, 0, JSON.parse(JSON.stringify(l[i])) as Json);
    }
    return JSON.stringify(d);
  },
  'desc-swap': (d, rng) => {
    const lists = slots(d).filter((s) => Array.isArray(s.value) && s.value.length > 1);
    if (lists.length) {
      const l = rng.pick(lists).value as Json[];
      const i = rng.int(l.length);
      const j = rng.int(l.length);
      [l[i], l[j]] = [l[j]!, l[i]!];
    }
    return JSON.stringify(d);
  },
  'desc-long-name': (d, rng) => {
    const names = slots(d).filter((s) => s.key === 'vmsd_name' || s.key === 'name');
    if (names.length) set(rng.pick(names), rng.pick(['', 'x'.repeat(256), '\u0000', '\u00ff\u0100', 'a/b'.repeat(100)]));
    return JSON.stringify(d);
  },
  /** Structs, inline (tmp) vmsds or subsections nested thousands deep. */
  'desc-deep': (d, rng, json) => {
    const depth = rng.pick([33, 100, 3000, 20000]);
    const kind = rng.pick(['struct', 'subsections', 'inline'] as const);
    const text = deepText(kind, depth);
    if (kind === 'subsections') return json.replace(/"subsections":\[/, `"subsections":[${text},`).replace(/"devices":\[\{/, (m) => (json.includes('"subsections":[') ? m : `"devices":[{"subsections":[${text}],`));
    return json.replace(/"fields":\[/, `"fields":[${text},`);
  },
  'desc-not-json': (_d, rng, json) => json.slice(0, 1 + rng.int(json.length - 1)),
  'desc-top': (_d, rng) => JSON.stringify(rng.pick<Json>([null, [], {}, { page_size: 4096 }, { devices: [] }, { page_size: 4096, devices: {} }, { page_size: 4096, devices: [null] }])),
};

export const MUTATORS = [...Object.keys(byteMutators), ...Object.keys(descMutators)];

/** One mutation of the seed, chosen by `rng`; description edits only when the seed has one. */
export function mutate(a: Anatomy, rng: Rng, only?: string): Mutation {
  const names = only ? [only] : a.json === null ? Object.keys(byteMutators) : MUTATORS;
  const mutator = rng.pick(names);
  const bm = byteMutators[mutator];
  if (bm) return { mutator, bytes: bm(a, rng) };
  const dm = descMutators[mutator]!;
  const desc = JSON.parse(a.json!) as Json;
  let text = dm(desc, rng, a.json!);
  // Some edits are stacked, as a damaged file rarely has one fault only.
  if (rng.chance(0.2)) {
    const again = rng.pick(Object.keys(descMutators).filter((m) => m !== 'desc-deep' && m !== 'desc-not-json'));
    try {
      text = descMutators[again]!(JSON.parse(text) as Json, rng, text);
    } catch {
      /* the first edit made it unparsable: keep it */
    }
  }
  return { mutator, bytes: withDescription(a.bytes.subarray(0, a.recordsEnd), text) };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
