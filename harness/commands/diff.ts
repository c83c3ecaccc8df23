import type { Command } from 'commander';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { readInput, releaseSource } from '../files.js';
import { jsonEnvelope } from '../envelope.js';
import { toolVersion } from '../paths.js';
import { didYouMean, resolveRelease } from '../names.js';
import { loadReleases, releaseModules } from '../releases.js';
import type { Io } from '../io.js';
import { decodeStream, type DecodedStream } from '../../src/wire/decode.js';
import { diffStreams, type FieldDiff, type StreamDiff } from '../../src/wire/diff.js';
import { VmError, hex } from '../../src/wire/errors.js';
import { findVmdesc } from '../../src/wire/vmdesc.js';
import { Engine } from '../../src/machine/engine.js';
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
the VMSDs of a release model: --release names it, --machine the machine type (by
default the one the stream's configuration names).`,
    after: `Exit 0 when the two streams hold the same state, 1 when they differ, 2 on a usage
error or a stream that cannot be decoded (the message names the file and offset).`,
  })
    .argument('<A>', 'a stream')
    .argument('<B>', 'another stream')
    .option('--release <R>', 'read a stream that has no description with this release model')
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
  /** 'own', or the model that described it. */
  description: string;
}

function read(file: string, model: Release | null, machine: string | undefined): Side {
  const whole = readInput(file, 'stream');
  const buf = withoutEmptyDescription(whole);
  const bytes = whole.length;
  const at = (e: unknown) => {
    if (e instanceof VmError) throw new VmError({ kind: e.kind, message: `${file}: ${e.message}`, offset: e.offset, path: e.path, vmsd: e.vmsd });
    throw e;
  };
  try {
    if (findVmdesc(buf) || !model) {
      try {
        return { file, bytes, stream: decodeStream(buf), description: 'own' };
      } catch (e) {
        if (e instanceof VmError && e.kind === 'vmdesc-missing' && !model) {
          throw new VmError({ kind: e.kind, message: `${e.message}; give --release R (and --machine M) to read it with a release model's VMSDs`, offset: e.offset });
        }
        throw e;
      }
    }
    const m = machine ?? configuredMachine(buf);
    if (!m) throw usageError(`the stream names no machine type in a configuration record: give --machine`);
    if (!model.machines.some((x) => x.name === m)) throw usageError(`release ${model.name} has no machine type '${m}'${didYouMean(m, model.machines.map((x) => x.name))}`);
    const vmdesc = new Engine(model, m).describeStream(buf);
    return { file, bytes, stream: decodeStream(buf, { vmdesc }), description: `${model.name} at ${m}` };
  } catch (e) {
    return at(e);
  }
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
    const releases = await loadReleases(releaseModules(o.releases));
    const name = resolveRelease(o.release, releases.map((r) => r.name), '--release');
    model = releases.find((r) => r.name === name)!;
  }
  const a = read(fa, model, o.machine);
  const b = read(fb, model, o.machine);
  const d = diffStreams(a.stream, b.stream);
  if (o.json) {
    const side = (s: Side) => ({ file: s.file, machine: machineOf(s.stream), bytes: s.bytes, description: s.description });
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
