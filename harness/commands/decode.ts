import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { defineCommand, helpText, parseCommand, repeatable, usageError } from '../args.js';
import { readInput, releaseSource, writableDir, writableFile } from '../files.js';
import { didYouMean } from '../names.js';
import { releaseModel, releaseModules } from '../releases.js';
import { describeSections, type DescribedSection } from '../../src/qemu/describe-sections.js';
import { blobLeaves, blobs } from '../../src/qemu/model-diff.js';
import { blockFileName, ramBlockPages, ramContents } from '../../src/wire/ram-blocks.js';
import { decodeStream, deviceLabel, type DecodedStream, type RamRecord } from '../../src/wire/decode.js';
import { encodeStream } from '../../src/wire/encode.js';
import { VmError, hex } from '../../src/wire/errors.js';
import { isVmsdState, leafText, stateToJson, type VmsdState } from '../../src/wire/tree.js';
import type { Io } from '../io.js';
import { jsonEnvelope } from '../envelope.js';
import { toolVersion } from '../paths.js';

function decodeArgs(): Command {
  return defineCommand('decode', {
    usage: 'FILE [--json [-m] | --desc | -x DIR | --release R] [--reencode OUT]',
    description: `Decodes a QEMU migration stream: the configuration, RAM (blocks, zero and
data pages), every device section by the stream's own JSON description, footers, EOF.
By default: the state per device, one field per line.

Streams to read: 'vmcompat repro CASE --stream-out DIR' writes a model case's streams,
'vmcompat qemu ... --keep-streams DIR' a real one's (the source's save and the
destination's re-save); QEMU's monitor writes one with \`migrate "exec:cat > FILE"\`.
'vmcompat diff A B' compares two of them.`,
    after: `Exit 0 on success, 1 when the re-encoded stream differs, 2 when FILE is not a
stream vmcompat can decode (the message names the offset and what it found).`,
  })
    .argument('<FILE>', 'the stream')
    .option('--json', "the state as JSON, shaped like QEMU's analyze-migration.py -d state")
    .option('--desc', 'the JSON description the stream carries (analyze-migration -d desc)')
    .option('-m, --memory', "with --json or -x: RAM contents too, page by page (analyze-migration -m)")
    .option('-x, --extract <DIR>', 'write desc.json, state.json (as --json) and each RAM block as raw bytes (ram/NAME.bin, zero pages as zeros) into DIR (analyze-migration -x)')
    .option('--reencode <OUT>', 'write decode → encode to OUT (byte-identical; exit 1 if it is not)')
    .option('--release <R>', "also show what's inside the blobs the description only sizes (virtio, virtio-gpu) as this release model reads them: a release name or a QEMU source tree folder")
    .option('--machine <M>', "the model's machine type (default: the stream's own)")
    .option('--releases <FILE>', 'release modules to find --release in (repeatable)', repeatable);
}

interface DecodeOptions {
  json?: boolean;
  desc?: boolean;
  memory?: boolean;
  extract?: string;
  reencode?: string;
  release?: string;
  machine?: string;
  releases?: string[];
}


export async function decodeCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand<DecodeOptions>(decodeArgs(), argv, io);
  if (!parsed) return 0;
  const values = parsed.opts;
  const file = parsed.args[0]!;
  // every path is checked before any work: the output's folder must exist
  if (values.reencode !== undefined) writableFile(values.reencode, '--reencode');
  if (values.extract !== undefined) writableDir(values.extract, '-x');
  if (values.memory && !values.json && values.extract === undefined) throw usageError('-m (RAM contents) goes with --json or -x');
  if (values.machine !== undefined && values.release === undefined) throw usageError('--machine goes with --release (the model to read inside the blobs with)');
  if (values.release !== undefined && (values.json || values.desc || values.extract !== undefined)) throw usageError('--release shows the model\'s fields in the text output: not with --json, --desc or -x');
  for (const m of values.releases ?? []) releaseSource(m, '--releases');
  const buf = readInput(file, 'FILE');
  const s = decodeStream(buf);
  let inside: Inside | undefined;
  if (values.release !== undefined) {
    const model = await releaseModel(values.release, releaseModules(values.releases));
    const conf = s.records.find((r) => r.type === 'CONFIGURATION');
    const machine = values.machine ?? (conf?.type === 'CONFIGURATION' ? conf.machine : null);
    if (!machine) throw usageError('the stream names no machine type in a configuration record: give --machine');
    if (!model.machines.some((m) => m.name === machine)) throw usageError(`release ${model.name} has no machine type '${machine}'${didYouMean(machine, model.machines.map((m) => m.name))}`);
    const described = describeSections(buf, model, machine, null);
    inside = { release: model.name, machine, bytes: buf, sections: new Map(described.sections.map((x) => [x.label, x])) };
  }

  if (values.reencode !== undefined) {
    const out = encodeStream(s);
    writeFileSync(values.reencode, out);
    const at = firstDifference(buf, out);
    if (at !== null) {
      io.err(`vmcompat decode: ${values.reencode} differs from ${file} at ${hex(at)} (${out.length} vs ${buf.length} bytes)`);
      return 1;
    }
    if (!values.json && !values.desc && values.extract === undefined) io.out(`wrote ${values.reencode}: ${out.length} bytes, identical to ${file}`);
  }
  if (values.extract !== undefined) {
    for (const l of extract(s, values.extract, Boolean(values.memory), file)) io.out(l);
    return 0;
  }
  if (values.desc) {
    if (!s.vmdesc) throw new VmError({ kind: 'vmdesc-missing', message: `${file} carries no JSON description after its EOF marker` });
    io.out(JSON.stringify(s.vmdesc.desc, null, 4));
    return 0;
  }
  if (values.json) {
    io.out(jsonEnvelope('decode', analyzeJson(s, Boolean(values.memory)), toolVersion()));
    return 0;
  }
  if (values.reencode === undefined) for (const l of textLines(s, inside)) io.out(l);
  return 0;
}

/**
 * analyze-migration.py's -x: desc.json, state.json and one file per RAM block
 * (raw bytes at their offsets, a zero page as its fill byte). Returns what it
 * printed: one line per file.
 */
function extract(s: DecodedStream, dir: string, memory: boolean, file: string): string[] {
  if (!s.vmdesc) throw new VmError({ kind: 'vmdesc-missing', message: `${file} carries no JSON description after its EOF marker: nothing to write desc.json from` });
  const pageSize = s.vmdesc.desc.page_size;
  const blocks = ramBlockPages(s, pageSize); // checked before anything is written
  const lines: string[] = [];
  const shown = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel && !rel.startsWith('..') ? rel : resolve(p);
  };
  mkdirSync(dir, { recursive: true });
  const put = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text + '\n');
    lines.push(`${shown(p)}  ${text.length + 1} bytes`);
  };
  put('desc.json', JSON.stringify(s.vmdesc.desc, null, 4));
  put('state.json', jsonEnvelope('decode', analyzeJson(s, memory), toolVersion()));
  if (blocks.length) mkdirSync(join(dir, 'ram'), { recursive: true });
  const used = new Set<string>();
  const fills = new Map<number, Uint8Array>();
  for (const b of blocks) {
    let name = blockFileName(b.name);
    for (let k = 2; used.has(name); k++) name = blockFileName(`${b.name}.${k}`);
    used.add(name);
    const p = join(dir, 'ram', name);
    const fd = openSync(p, 'w');
    try {
      for (const pg of b.pages) {
        let data: Uint8Array;
        if (pg.kind === 'page') data = pg.data;
        else {
          data = fills.get(pg.fill) ?? new Uint8Array(pageSize).fill(pg.fill);
          fills.set(pg.fill, data);
        }
        writeSync(fd, data, 0, data.length, pg.addr);
      }
    } finally {
      closeSync(fd);
    }
    const claimed = b.claimed !== null && b.claimed !== b.extent ? ` (MEM_SIZE says ${hex(b.claimed)})` : '';
    lines.push(`${shown(p)}  ${b.extent} bytes, ${b.pages.length} pages · RAM block ${b.name}${claimed}`);
  }
  return lines;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number | null {
  const n = Math.min(a.length, b.length);
  if (n === a.length && a.length === b.length && Buffer.compare(a, b) === 0) return null;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/**
 * analyze-migration.py's `-d state` document: `<idstr> (<section id>)` → state;
 * RAM as its block sizes, and with `memory` (its -m) every page's contents.
 */
export function analyzeJson(s: DecodedStream, memory = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of s.records) {
    if (r.type === 'START') {
      const sizes: Record<string, string> = {};
      for (const e of r.entries) if (e.kind === 'mem-size') for (const b of e.blocks) sizes[b.name] = '0x' + b.length.toString(16).padStart(16, '0');
      out[`${r.idstr} (${r.sectionId})`] = memory ? { 'section sizes': sizes, memory: ramContents(s) } : { 'section sizes': sizes };
    } else if (r.type === 'FULL') {
      out[`${r.idstr} (${r.sectionId})`] = stateToJson(r.state);
    }
  }
  return out;
}

function mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(n % (1 << 20) ? 1 : 0)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

/** What a release model read inside each section's blobs (decode --release). */
interface Inside {
  release: string;
  machine: string;
  bytes: Uint8Array;
  sections: Map<string, DescribedSection>;
}

/** The model's fields inside a section's blobs, one per line; or why the model does not read the section. */
function insideLines(s: DecodedStream, label: string, inside: Inside): string[] {
  const ranges = blobs(s, label);
  if (!ranges.length) return [];
  const sec = inside.sections.get(label);
  if (!sec?.model) return [`  (${inside.release} does not read inside it: ${sec?.modelWhy ?? 'no such section'})`];
  const ls = [...blobLeaves(sec.trace, ranges)];
  const out = [`  inside, as ${inside.release} at ${inside.machine} reads it (${ls.length} fields):`];
  for (const [key, e] of ls) {
    const b = inside.bytes.subarray(e.offset, e.offset + e.size);
    const v = b.length <= 8 ? '0x' + [...b].map((x) => x.toString(16).padStart(2, '0')).join('') : `${[...b.subarray(0, 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ')}${b.length > 16 ? ` … (${b.length} bytes)` : ''}`;
    out.push(`    ${key} = ${v}  @${hex(e.offset)}`);
  }
  return out;
}

export function textLines(s: DecodedStream, inside?: Inside): string[] {
  const out: string[] = [];
  const conf = s.records.find((r) => r.type === 'CONFIGURATION');
  const full = s.records.filter((r) => r.type === 'FULL');
  out.push(
    `${conf?.type === 'CONFIGURATION' ? conf.machine : '(no configuration record)'} · stream v${s.version} · ${s.length} bytes · ` +
      `${s.records.length} records · ${full.length} device sections` +
      (s.vmdesc ? ` · description ${s.vmdesc.json.length} bytes` : ' · no description') +
      (s.trailing ? ` · ${s.trailing.length} trailing bytes QEMU ignores` : ''),
  );
  const ram = s.records.filter((r): r is RamRecord => r.type === 'START' || r.type === 'PART' || r.type === 'END');
  if (ram.length) {
    let pages = 0;
    let zero = 0;
    const blocks: string[] = [];
    for (const r of ram) {
      for (const e of r.entries) {
        if (e.kind === 'page') pages++;
        else if (e.kind === 'zero') zero++;
        else if (e.kind === 'mem-size') blocks.push(...e.blocks.map((b) => `${b.name} ${mib(b.length)}`));
      }
    }
    out.push(`ram (${ram[0]!.sectionId}): ${ram.length} records, ${pages} data pages, ${zero} zero pages; blocks: ${blocks.join(', ')}`);
  }
  for (const r of s.records) {
    if (r.type === 'COMMAND') out.push(`COMMAND ${r.command}${r.command === 11 ? ' (switchover-start)' : ''} @${hex(r.offset)}, ${r.payload.length} payload bytes`);
    if (r.type !== 'FULL') continue;
    out.push(`${r.idstr} (${r.instanceId})  section ${r.sectionId}, version ${r.versionId}, ${r.payloadLength} bytes @${hex(r.payloadOffset)}`);
    out.push(...stateLines(r.state, '  '));
    if (inside) out.push(...insideLines(s, deviceLabel(r.idstr, r.instanceId), inside));
  }
  return out;
}

const SHOW_ELEMENTS = 32;

/** One line per field; arrays of scalars on one line (long ones cut), structs indented. */
function stateLines(st: VmsdState, indent: string): string[] {
  const out: string[] = [];
  for (const f of st.fields) {
    const scalar = f.values.every((v) => !isVmsdState(v));
    const part = f.parts[0]!;
    if (!f.array) {
      const v = f.values[0]!;
      if (isVmsdState(v)) {
        out.push(`${indent}${f.name}: ${part.type} ${v.vmsd_name}`);
        out.push(...stateLines(v, indent + '  '));
      } else out.push(`${indent}${f.name} = ${show(v, part.size, part.type)}`);
      continue;
    }
    if (scalar) {
      // bytes as bare hex pairs, wider integers with their 0x
      const shown = f.values.slice(0, SHOW_ELEMENTS).map((v) => {
        const t = String(leafText(v as Exclude<typeof v, VmsdState>, part.size));
        return part.size === 1 && /^0x[0-9a-f]{2}$/.test(t) ? t.slice(2) : t;
      });
      out.push(`${indent}${f.name}[${f.values.length}] = ${shown.join(' ')}${f.values.length > SHOW_ELEMENTS ? ' …' : ''}  (${part.type})`);
      continue;
    }
    f.values.forEach((v, i) => {
      if (isVmsdState(v)) {
        out.push(`${indent}${f.name}[${i}]: ${v.vmsd_name}`);
        out.push(...stateLines(v, indent + '  '));
      } else out.push(`${indent}${f.name}[${i}] = ${show(v, part.size, part.type)}`);
    });
  }
  for (const sub of st.subsections) {
    out.push(`${indent}subsection ${sub.name} (version ${sub.version})`);
    out.push(...stateLines(sub.state, indent + '  '));
  }
  return out;
}

function show(v: Exclude<VmsdState['fields'][number]['values'][number], VmsdState>, size: number, type: string): string {
  if (v instanceof Uint8Array) {
    const t = String(leafText(v.length > 64 ? v.subarray(0, 64) : v, size));
    return `${v.length > 64 ? `${t} … (${v.length} bytes)` : t}  (${type})`;
  }
  if (type === 'timer' && v === -1n) return '-1 (not armed)';
  return `${String(leafText(v, size))}${typeof v === 'boolean' ? '' : `  (${type})`}`;
}
