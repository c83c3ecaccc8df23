import type { Command } from 'commander';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { readInput, releaseSource } from '../files.js';
import { jsonEnvelope } from '../envelope.js';
import { toolVersion } from '../paths.js';
import { didYouMean } from '../names.js';
import { releaseModel, releaseModules } from '../releases.js';
import type { Io } from '../io.js';
import { decodeStream, type DecodedStream } from '../../src/wire/decode.js';
import { diffStreams, type FieldDiff, type StreamDiff } from '../../src/wire/diff.js';
import { VmError, hex } from '../../src/wire/errors.js';
import { findVmdesc } from '../../src/wire/vmdesc.js';
import { describeSections, descriptionOf } from '../../src/qemu/describe-sections.js';
import { refineBlobDiffs } from '../../src/qemu/model-diff.js';
import type { TraceEntry } from '../../src/vmstate/types.js';
import type { Release } from '../../src/machine/types.js';

function diffArgs(): Command {
  return defineCommand('diff', {
    usage: 'A B [--release R [--machine M]] [--json]',
    description: `Compares two QEMU migration streams section by section and field by field,
each decoded with its own JSON description: the sections only one of them has, every
field whose value, type or presence differs (its path, both values, its offset in
each stream), and the RAM pages that differ. Nothing is ignored: two saves of one
guest by two releases differ wherever the releases write different things.

A stream without a description (QEMU's suppress-vmdesc, a check's save) is read with
the other stream's description, or with a release model's VMSDs.

--release R (a release name, or a QEMU source tree folder such as
.cache/src/qemu-10.0.2, the extracted model of the tree a binary came from)
decodes with the model every section it reads exactly as written (it loads the
payload and saves the same bytes back) in both streams, and names the fields
inside blobs a description only sizes (virtio's); every other section (one the
model lacks, such as cpu_common, or reads otherwise) is decoded by the streams'
own descriptions. The output says how many sections each decoded and names
those the model left (--json: every section, and why not by the model).
--machine is the model's machine type (default: the stream's own).`,
    after: `Exit 0 when the two streams hold the same state, 1 when they differ, 2 on a usage
error or a stream that cannot be decoded (the message names the file and offset).`,
  })
    .argument('<A>', 'a stream')
    .argument('<B>', 'another stream')
    .option('--release <R>', 'decode the sections this release model reads exactly with it: a release name or a QEMU source tree folder')
    .option('--machine <M>', "the model's machine type (default: the stream's own)")
    .option('--releases <FILE>', 'release modules to find --release in (repeatable)', repeatable)
    .option('--json', 'the differences as JSON (in the vmcompat envelope)');
}

interface DiffOptions {
  release?: string;
  machine?: string;
  releases?: string[];
  json?: boolean;
}

/** The trailer `0x06, be32 2, "{}"` a check writes when it needs no description: no description either. */
function withoutEmptyDescription(buf: Uint8Array): Uint8Array {
  const n = buf.length;
  const empty = [0x06, 0, 0, 0, 2, 0x7b, 0x7d];
  return n > 7 && empty.every((b, i) => buf[n - 7 + i] === b) ? buf.subarray(0, n - 7) : buf;
}

function configuredMachine(buf: Uint8Array): string | null {
  // be32 magic, be32 version, 0x07, be32 length, name
  if (buf.length < 13 || buf[8] !== 0x07) return null;
  const len = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(9);
  if (len > 256 || 13 + len > buf.length) return null;
  return Buffer.from(buf.subarray(13, 13 + len)).toString('latin1');
}

interface Side {
  file: string;
  /** The file's length (a check's empty description `{}` included). */
  bytes: number;
  stream: DecodedStream;
  /** 'own', or what described it (a release model, the other stream's description, per section). */
  description: string;
  /** Per section, what it was decoded with, and why not with the model when a model was given and not used. */
  sections: { section: string; by: 'model' | 'own' | 'other'; why: string | null }[];
  /** The model's reading of each section it described. */
  traces: Map<string, TraceEntry[]>;
  /** The stream's bytes as decoded. */
  buf: Uint8Array;
}

interface Input {
  file: string;
  whole: Uint8Array;
  buf: Uint8Array;
}

function input(file: string): Input {
  const whole = readInput(file, 'stream');
  return { file, whole, buf: withoutEmptyDescription(whole) };
}

const at = (file: string, e: unknown): never => {
  if (e instanceof VmError) throw new VmError({ kind: e.kind, message: `${file}: ${e.message}`, offset: e.offset, path: e.path, vmsd: e.vmsd });
  throw e;
};

/**
 * Each stream's sections and the descriptions that fit them (the model's, its own,
 * the other stream's); then per section one choice for both streams: the model's
 * where it describes the section in both (field by field as the model names
 * them, inside the blobs a description only sizes), else the streams' own
 * descriptions (or, for a stream without one, the other stream's).
 */
function readBoth(ia: Input, ib: Input, model: Release | null, machine: string | undefined): [Side, Side] {
  const own = (i: Input) => findVmdesc(i.buf)?.desc ?? null;
  const [da, db] = [ia, ib].map((i, k) => {
    const other = own(k === 0 ? ib : ia);
    if (!model && (own(i) || !other)) return null; // its own description alone, as decodeStream reads it
    let m: string | null = null;
    if (model) {
      m = machine ?? configuredMachine(i.buf);
      if (!m) throw usageError(`${i.file}: the stream names no machine type in a configuration record: give --machine`);
      if (!model.machines.some((x) => x.name === m)) throw usageError(`release ${model.name} has no machine type '${m}'${didYouMean(m, model.machines.map((x) => x.name))}`);
    }
    try {
      return { described: describeSections(i.buf, model, m, other), machine: m };
    } catch (e) {
      return at(i.file, e);
    }
  });
  const models = (d: typeof da) => new Map((d?.described.sections ?? []).map((x) => [x.label, x.model !== null] as const));
  const [ma, mb] = [models(da), models(db)];
  const side = (i: Input, d: typeof da, theirs: Map<string, boolean>, tag: string): Side => {
    if (!d) {
      try {
        const stream = decodeStream(i.buf);
        return { file: i.file, bytes: i.whole.length, stream, description: 'own', sections: [], traces: new Map(), buf: i.buf };
      } catch (e) {
        if (e instanceof VmError && e.kind === 'vmdesc-missing') {
          return at(i.file, new VmError({ kind: e.kind, message: `${e.message}; give --release R (and --machine M) to read it with a release model's VMSDs, or diff it against a stream that has a description`, offset: e.offset }));
        }
        return at(i.file, e);
      }
    }
    const sections: Side['sections'] = [];
    const traces = new Map<string, TraceEntry[]>();
    const desc = descriptionOf(d.described, (x) => {
      const useModel = x.model !== null && theirs.get(x.label) !== false;
      if (useModel) traces.set(x.label, x.trace);
      const by = useModel ? 'model' : x.own ? 'own' : 'other';
      const why = useModel || !model ? null : x.model === null ? x.modelWhy : `the model does not describe it in the other stream`;
      sections.push({ section: x.label, by, why });
      return (useModel ? x.model : (x.own ?? x.other))!;
    });
    try {
      const stream = decodeStream(i.buf, { vmdesc: desc, replace: true });
      const n = (k: Side['sections'][number]['by']) => sections.filter((x) => x.by === k).length;
      const parts = [
        n('model') ? `${model!.name} at ${d.machine} (${n('model')} section${n('model') === 1 ? '' : 's'})` : '',
        n('own') ? `its own description (${n('own')})` : '',
        n('other') ? `${tag}'s description (${n('other')})` : '',
      ].filter(Boolean);
      return { file: i.file, bytes: i.whole.length, stream, description: parts.join(', '), sections, traces, buf: i.buf };
    } catch (e) {
      return at(i.file, e);
    }
  };
  return [side(ia, da, mb, 'B'), side(ib, db, ma, 'A')];
}

export async function diffCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand<DiffOptions>(diffArgs(), argv, io);
  if (!parsed) return 0;
  const o = parsed.opts;
  const [fa, fb] = parsed.args as [string, string];
  if (o.machine !== undefined && o.release === undefined) throw usageError('--machine goes with --release (the model to read a stream without a description with)');
  for (const m of o.releases ?? []) releaseSource(m, '--releases');
  let model: Release | null = null;
  if (o.release !== undefined) {
    model = await releaseModel(o.release, releaseModules(o.releases));
  }
  const [a, b] = readBoth(input(fa), input(fb), model, o.machine);
  const d = diffStreams(a.stream, b.stream);
  // inside the blobs a description only sizes, the model's fields name the differences
  if (model) refineBlobDiffs(d, { stream: a.stream, bytes: a.buf, traces: a.traces }, { stream: b.stream, bytes: b.buf, traces: b.traces });
  if (o.json) {
    const side = (s: Side) => ({ file: s.file, machine: machineOf(s.stream), bytes: s.bytes, description: s.description, sections: s.sections });
    io.out(jsonEnvelope('diff', { a: side(a), b: side(b), ...d }, toolVersion()));
  } else for (const l of diffLines(a, b, d)) io.out(l);
  return d.identical ? 0 : 1;
}

function machineOf(s: DecodedStream): string | null {
  const c = s.records.find((r) => r.type === 'CONFIGURATION');
  return c?.type === 'CONFIGURATION' ? c.machine : null;
}

/** Per section, at most this many differences are printed (--json has them all). */
const PER_SECTION = 20;

export function diffLines(a: Side, b: Side, d: StreamDiff): string[] {
  const out: string[] = [];
  const head = (tag: string, s: Side) =>
    `${tag} ${s.file}: ${machineOf(s.stream) ?? '(no configuration)'} · ${s.stream.records.filter((r) => r.type === 'FULL').length} device sections · ${s.bytes} bytes` +
    (s.description === 'own' ? '' : ` · described by ${s.description}`);
  out.push(head('A', a), head('B', b));
  // with a model: which sections it described and which it left to the descriptions
  const byDesc = [...new Set([...a.sections, ...b.sections].filter((x) => x.by !== 'model').map((x) => x.section))];
  if (a.sections.length || b.sections.length) {
    const modelled = [...new Set([...a.sections, ...b.sections].filter((x) => x.by === 'model').map((x) => x.section))];
    out.push(`by the model: ${modelled.length} section${modelled.length === 1 ? '' : 's'}, field by field as it names them`);
    if (byDesc.length) {
      const shown = byDesc.slice(0, 8).join(', ') + (byDesc.length > 8 ? ` and ${byDesc.length - 8} more` : '');
      out.push(`by the streams' descriptions: ${byDesc.length} section${byDesc.length === 1 ? '' : 's'} the model does not describe: ${shown} (why: --json)`);
    }
  }
  const ref = (r: StreamDiff['onlyA'][number]) => `${r.section} @${hex(r.offset)}${r.versionId !== null ? ` (version ${r.versionId}, ${r.bytes} bytes)` : ''}`;
  for (const r of d.onlyA) out.push(`only in A: ${ref(r)}`);
  for (const r of d.onlyB) out.push(`only in B: ${ref(r)}`);
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  const bySection = new Map<string, FieldDiff[]>();
  for (const f of d.fields) bySection.set(f.section, [...(bySection.get(f.section) ?? []), f]);
  const off = (n: number | null) => (n === null ? '-' : hex(n));
  for (const [section, fs] of bySection) {
    out.push(`${section}: ${n(fs.length, 'difference')}`);
    for (const f of fs.slice(0, PER_SECTION)) out.push(`  ${f.path}: ${f.a} → ${f.b}  (A ${off(f.aOffset)}, B ${off(f.bOffset)})`);
    if (fs.length > PER_SECTION) out.push(`  … ${fs.length - PER_SECTION} more (--json lists every one)`);
  }
  const r = d.ram;
  for (const x of r.blocks) out.push(`ram block ${x.name}: ${x.a === null ? 'not in A' : hex(x.a)} → ${x.b === null ? 'not in B' : hex(x.b)}`);
  if (r.pagesCompared || r.pagesOnlyA || r.pagesOnlyB) {
    out.push(`ram: ${r.pagesCompared} pages compared, ${r.pagesDiffer} differ, ${r.pagesOnlyA} only in A, ${r.pagesOnlyB} only in B`);
    for (const p of r.first) out.push(`  ${p.block} @${hex(p.addr)}: ${p.a} → ${p.b}${p.firstByte !== null ? `, first at +${hex(p.firstByte)}` : ''}`);
    const shown = r.pagesDiffer + r.pagesOnlyA + r.pagesOnlyB;
    if (shown > r.first.length) out.push(`  … ${shown - r.first.length} more pages`);
  }
  if (d.identical) {
    out.push(`identical state: ${n(d.sectionsCompared, 'section')}, ${n(d.fieldsCompared, 'field')}, ${n(r.pagesCompared, 'RAM page')}`);
  } else {
    const parts = [
      d.fields.length ? `${n(d.fields.length, 'field difference')} in ${n(bySection.size, 'section')}` : '',
      d.onlyA.length + d.onlyB.length ? `${n(d.onlyA.length + d.onlyB.length, 'section')} in one stream only` : '',
      r.blocks.length ? n(r.blocks.length, 'RAM block') + ' of another length' : '',
      r.pagesDiffer + r.pagesOnlyA + r.pagesOnlyB ? n(r.pagesDiffer + r.pagesOnlyA + r.pagesOnlyB, 'RAM page') : '',
    ].filter(Boolean);
    out.push(`differ: ${parts.join(', ')} (${n(d.sectionsCompared, 'section')} and ${n(d.fieldsCompared, 'field')} compared)`);
  }
  return out;
}
