#!/usr/bin/env node
/**
 * Fault runs: `npm run bench:faults -- [--n 50] [--only hang,sigint]`. Each fault N
 * times, counting the kinds reported, the time to the report, and what was left
 * behind: processes carrying this run's marker in their environment (QEMU and its
 * helpers inherit it) and entries in a private TMPDIR (where every temp folder goes).
 *
 * Faults: the fake broken binaries of src/qemu/broken.ts (hang, exit at once, garbage
 * and non-object QMP, flood, crash or hang on load), a real QEMU 7.2 destination
 * SIGKILLed at a random moment of its load, and `vmcompat qemu --runs 5` (real 7.2 →
 * 10.0) sent SIGINT at a random moment.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { n: { type: 'string', default: '50' }, only: { type: 'string' }, seed: { type: 'string', default: '7' } } });
const N = Number(values.n);
const marker = `vmcompat-faults-${process.pid}`;
const privateTmp = mkdtempSync(join(tmpdir(), 'vmcompat-faults-tmp-'));
const fakes = mkdtempSync(join(tmpdir(), 'vmcompat-faults-bin-'));
process.env.TMPDIR = privateTmp; // os.tmpdir() reads it at each call: the driver's temp dirs land here
process.env.VMCOMPAT_FAULT_RUN = marker; // children inherit it

const root = fileURLToPath(new URL('..', import.meta.url));
const { brokenQemu, BROKEN_MODES } = await import(join(root, 'dist/src/qemu/broken.js'));
const { loadAndSave, saveToFile } = await import(join(root, 'dist/src/qemu/driver.js'));
const { locateQemu } = await import(join(root, 'dist/src/qemu/binaries.js'));

let s = Number(values.seed) >>> 0;
const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);

/** Pids (other than ours) whose environment carries the marker. */
function marked() {
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (readFileSync(`/proc/${e}/environ`, 'utf8').includes(marker)) out.push(Number(e));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

async function leaks() {
  // SIGKILL is asynchronous: give the kernel a moment before counting
  for (let i = 0; i < 20 && marked().length; i++) await new Promise((r) => setTimeout(r, 50));
  const procs = marked();
  for (const p of procs) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  const files = readdirSync(privateTmp);
  for (const f of files) rmSync(join(privateTmp, f), { recursive: true, force: true });
  return { procs: procs.length, files: files.length };
}

const STREAM = new Uint8Array([0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3, 0]);
const rows = [];

async function fault(name, expected, budgetMs, once) {
  if (values.only && !values.only.split(',').includes(name)) return;
  const kinds = {};
  let leakedProcs = 0;
  let leakedFiles = 0;
  let maxMs = 0;
  let late = 0;
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    let kind;
    let ms;
    try {
      const r = await once(i);
      // a fault may time its own part (SIGINT: from the signal to the exit)
      if (typeof r === 'object') ({ kind, ms } = r);
      else kind = r;
    } catch (e) {
      kind = `threw ${e?.kind ?? e?.name}: ${String(e?.message).slice(0, 80)}`;
    }
    ms ??= performance.now() - t0;
    maxMs = Math.max(maxMs, ms);
    if (ms > budgetMs) late++;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    const l = await leaks();
    leakedProcs += l.procs;
    leakedFiles += l.files;
  }
  const right = kinds[expected] ?? 0;
  const row = { name, runs: N, expected, right, kinds, maxMs: Math.round(maxMs), budgetMs, late, leakedProcs, leakedFiles };
  rows.push(row);
  console.log(`${name.padEnd(18)} ${right}/${N} ${expected} · max ${row.maxMs} ms (budget ${budgetMs}, over: ${late}) · leaked processes ${leakedProcs}, temp files ${leakedFiles}${right < N ? ` · kinds ${JSON.stringify(kinds)}` : ''}`);
}

const vm = { machine: 'pc-q35-7.2' };
const TIMEOUT = 2000;
for (const mode of Object.keys(BROKEN_MODES)) {
  const bin = brokenQemu(mode, fakes);
  const timeoutMs = mode === 'flood' ? 15_000 : TIMEOUT;
  await fault(mode, BROKEN_MODES[mode], timeoutMs + 1000, async () => {
    if (mode.endsWith('-on-load')) {
      const r = await loadAndSave({ binary: bin, vm, timeoutMs }, STREAM);
      return r.ok ? 'ok' : r.kind;
    }
    try {
      await saveToFile({ binary: bin, vm, timeoutMs });
      return 'ok';
    } catch (e) {
      return e.kind;
    }
  });
}

const q72 = await locateQemu('7.2');
const fifoDir = mkdtempSync(join(fakes, 'fifo-'));
const fifo = join(fifoDir, 'never.fifo');
await new Promise((res, rej) => spawn('mkfifo', [fifo]).on('exit', (c) => (c === 0 ? res() : rej(new Error('mkfifo')))));
await fault('sigkill-dst', 'qemu-crashed', 20_000 + 1000, async () => {
  let pid = 0;
  const pending = loadAndSave({ binary: q72, vm: { machine: 'pc-q35-7.2', devices: ['isa-serial'] }, timeoutMs: 20_000, onStart: (x) => (pid = x.pid) }, fifo);
  const delay = 50 + rand() * 1200;
  const t0 = Date.now();
  while (!pid && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, delay));
  try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  const r = await pending;
  return r.ok ? 'ok' : r.kind;
});

// Ctrl-C: time from SIGINT to exit, and what is left. Budget 1 s.
const bin = join(root, 'bin/vmcompat.js');
const exitMs = [];
await fault('sigint-qemu-runs', 'exited on SIGINT', 1000, async () => {
  const child = spawn(process.execPath, [bin, 'qemu', '--src', '7.2', '--dst', '10.0', '--machine', 'pc-q35-7.2', '--device', 'isa-serial', '--runs', '5', '--reporter', 'none'], { stdio: 'ignore', env: process.env });
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  const wait = rand() * 5000;
  const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), wait))]);
  if (early) return `finished before the signal (${early.code})`;
  const t0 = performance.now();
  child.kill('SIGINT');
  const end = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 10_000))]);
  const ms = performance.now() - t0;
  exitMs.push(ms);
  if (!end) {
    child.kill('SIGKILL');
    return { kind: 'still running 10 s after SIGINT', ms };
  }
  return { kind: end.signal === 'SIGINT' || end.code === 130 ? 'exited on SIGINT' : `exited ${end.code ?? end.signal}`, ms };
});
if (exitMs.length) console.log(`  SIGINT → exit: max ${Math.max(...exitMs).toFixed(0)} ms, median ${exitMs.sort((a, b) => a - b)[exitMs.length >> 1].toFixed(0)} ms over ${exitMs.length}`);

rmSync(privateTmp, { recursive: true, force: true });
rmSync(fakes, { recursive: true, force: true });
const bad = rows.filter((r) => r.right < r.runs || r.leakedProcs || r.leakedFiles || r.late);
console.log(bad.length ? `\n${bad.length} fault(s) not handled as expected: ${bad.map((r) => r.name).join(', ')}` : '\nevery fault: the right kind, in time, nothing left behind');
process.exit(bad.length ? 1 : 0);
