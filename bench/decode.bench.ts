/**
 * Real streams: decode throughput on a 256 MiB guest whose RAM holds 192 MiB of
 * random data (loaded by `-device loader` before the guest is paused, so most pages
 * are data pages, not zero pages), and the per-case overhead of a real-binary case
 * (decode both streams, check the re-encode, compare) over the raw QEMU time (the
 * source's boot + save, the destination's boot + load + save).
 *
 *   npx vitest bench --run bench/decode.bench.ts
 */
import { randomFillSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir, type DirectoryResult } from 'tmp-promise';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { locateQemu, type QemuBinary } from '../src/qemu/binaries.js';
import { runDirection } from '../src/qemu/case.js';
import { leftovers, saveToFile } from '../src/qemu/driver.js';
import { decodeStream, type RamRecord } from '../src/wire/decode.js';
import { encodeStream } from '../src/wire/encode.js';
import { diffStreams } from '../src/wire/diff.js';

let tmp: DirectoryResult;
let big: Uint8Array;
let q72: QemuBinary;
let q10: QemuBinary;
const DATA_MIB = 192;

beforeAll(async () => {
  q72 = await locateQemu('7.2');
  q10 = await locateQemu('10.0');
  tmp = await tmpDir({ prefix: 'vmcompat-bench-', unsafeCleanup: true });
  const file = join(tmp.path, 'ram.bin');
  const data = Buffer.alloc(DATA_MIB << 20);
  for (let at = 0; at < data.length; at += 1 << 16) randomFillSync(data, at, 1 << 16);
  writeFileSync(file, data);
  big = await saveToFile({
    binary: q72,
    vm: { machine: 'pc-q35-7.2', memMb: 256, devices: ['isa-serial', 'e1000', `loader,file=${file},addr=0x1000000`] },
    timeoutMs: 120_000,
  });
});

const figures = { decode: { bytes: 0, ms: 0 }, roundTrip: { bytes: 0, ms: 0 }, diff: { bytes: 0, ms: 0 }, cases: [] as { total: number; qemu: number; decode: number; compare: number }[] };

afterAll(async () => {
  const s = decodeStream(big);
  let pages = 0;
  let zero = 0;
  for (const r of s.records.filter((x): x is RamRecord => x.type === 'START' || x.type === 'PART' || x.type === 'END')) {
    for (const e of r.entries) (e.kind === 'page' ? pages++ : e.kind === 'zero' ? zero++ : 0);
  }
  const mbs = (f: { bytes: number; ms: number }) => (f.bytes / 1e6 / (f.ms / 1000)).toFixed(0);
  console.log(`stream: ${(big.length / 1e6).toFixed(1)} MB from a 256 MiB guest (${pages} data pages, ${zero} zero pages, ${s.records.length} records)`);
  console.log(`decode:            ${mbs(figures.decode).padStart(6)} MB/s`);
  console.log(`decode + re-encode: ${mbs(figures.roundTrip).padStart(5)} MB/s (byte-identical each time)`);
  console.log(`diff (both decoded, one data page changed): ${mbs(figures.diff).padStart(5)} MB/s of the two streams`);
  const n = figures.cases.length;
  if (n) {
    const avg = (k: 'total' | 'qemu' | 'decode' | 'compare') => figures.cases.reduce((x, c) => x + c[k], 0) / n;
    const over = avg('total') - avg('qemu');
    console.log(
      `real case 7.2 → 10.0 @ pc-q35-7.2 (32 MiB, isa-serial + e1000), ${n} runs: ${avg('total').toFixed(0)} ms per case, ` +
        `QEMU ${avg('qemu').toFixed(0)} ms, vmcompat ${over.toFixed(0)} ms (${((over / avg('qemu')) * 100).toFixed(0)} %: decode ${avg('decode').toFixed(0)} ms, compare ${avg('compare').toFixed(0)} ms)`,
    );
  }
  await tmp?.cleanup();
  if (leftovers().length) throw new Error(`QEMU processes or temp dirs left behind: ${JSON.stringify(leftovers())}`);
});

let pokedCopy: Uint8Array | null = null;
/** The big stream with one byte of its last data page flipped. */
function poked(): Uint8Array {
  if (pokedCopy) return pokedCopy;
  const s = decodeStream(big);
  const last = s.records.flatMap((r) => (r.type === 'START' || r.type === 'PART' || r.type === 'END' ? r.entries : [])).filter((e) => e.kind === 'page').at(-1)!;
  if (last.kind !== 'page') throw new Error('no data page');
  const copy = big.slice();
  copy[last.data.byteOffset - big.byteOffset + 7]! ^= 0xff;
  return (pokedCopy = copy);
}

describe('real streams', () => {
  bench(
    'decode a 256 MiB guest stream',
    () => {
      const t = performance.now();
      decodeStream(big);
      figures.decode.ms += performance.now() - t;
      figures.decode.bytes += big.length;
    },
    { time: 3000, warmupIterations: 2 },
  );

  bench(
    'decode + re-encode it',
    () => {
      const t = performance.now();
      const out = encodeStream(decodeStream(big));
      figures.roundTrip.ms += performance.now() - t;
      figures.roundTrip.bytes += big.length;
      if (out.length !== big.length) throw new Error('re-encode changed the length');
    },
    { time: 3000, warmupIterations: 1 },
  );

  bench(
    'diff it against a copy with one data page changed (vmcompat diff without the file reads)',
    () => {
      const t = performance.now();
      const a = decodeStream(big);
      const d = diffStreams(a, decodeStream(poked()));
      figures.diff.ms += performance.now() - t;
      figures.diff.bytes += 2 * big.length;
      if (d.ram.pagesDiffer !== 1 || d.fields.length) throw new Error(`expected one page to differ, got ${JSON.stringify(d.ram)}`);
    },
    { time: 3000, warmupIterations: 1 },
  );

  bench(
    'one real case direction (QEMU save, load + save, decode, compare)',
    async () => {
      const r = await runDirection({ a: q72, b: q10, machine: 'pc-q35-7.2', devices: ['isa-serial', 'e1000'] }, q72, q10);
      if (r.status !== 'pass') throw new Error(r.message ?? 'failed');
      const t = r.timings;
      figures.cases.push({ total: t.totalMs, qemu: t.saveMs + t.loadSaveMs, decode: t.decodeMs, compare: t.compareMs });
    },
    { time: 5000, iterations: 5, warmupIterations: 1 },
  );
});
