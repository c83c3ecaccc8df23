#!/usr/bin/env node
/**
 * vmcompat against QEMU's own Python tools, on real streams and real dumps.
 *
 * 1. Streams: the two real binaries (7.2 and 10.0, as `npm run qemu:setup`
 *    provisions them) each save a few small paused guests, as the tests do
 *    (0.3 to 1.2 MB each). Then, whole process, repeated and interleaved,
 *    median of the runs:
 *      node bin/vmcompat.js decode FILE --json
 *      python3 .cache/src/qemu-10.0.2/scripts/analyze-migration.py -f FILE
 *    and in process (the module loaded once, the file read once):
 *      decodeStream + analyzeJson + JSON.stringify, as `decode --json` does
 *      MigrationDump(FILE).read() + getDict() + its JSON encoder, as the script's -d state does
 * 2. Schemas: `vmcompat dump` writes -dump-vmstate files of both binaries at one
 *    machine type, then whole process:
 *      node bin/vmcompat.js static --from A --to B
 *      python3 .cache/src/qemu-10.0.2/scripts/vmstate-static-checker.py -s A -d B
 *
 * Each run's output is checked once (exit code; the same section names as the
 * script's; the checker's exit is not a crash), so a bench that times an error
 * fails instead. Python is the interpreter `python3` resolves to (its
 * sys.executable), not a version manager's shim, so its start-up is not
 * counted against it. Wall time is the headline (as hyperfine's); CPU time
 * (user + sys, the child's own) is beside it, steadier on a shared machine.
 *
 *   npm run bench:decode-vs-qemu [-- --runs 15 --warmup 2 --keep DIR]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '2' },
    'in-process-runs': { type: 'string', default: '40' },
    keep: { type: 'string' },
    machine: { type: 'string', default: 'pc-q35-7.2' },
  },
});
const RUNS = Number(values.runs);
const WARMUP = Number(values.warmup);
const IN_RUNS = Number(values['in-process-runs']);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/vmcompat.js');
const QEMU_SRC = join(root, '.cache/src/qemu-10.0.2');
const analyze = join(QEMU_SRC, 'scripts/analyze-migration.py');
const checker = join(QEMU_SRC, 'scripts/vmstate-static-checker.py');
for (const f of [analyze, checker]) {
  try {
    readFileSync(f);
  } catch {
    console.error(`bench: ${f} is missing; run \`npm run source:setup\` first`);
    process.exit(2);
  }
}
const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim();
const { locateQemu } = await import(join(root, 'dist/src/qemu/binaries.js'));
const { saveToFile } = await import(join(root, 'dist/src/qemu/driver.js'));

const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'vmcompat-bench-qemu-'));
mkdirSync(dir, { recursive: true });

/** Real guests as the tests boot them: paused, 32 MiB, a few devices. */
const GUESTS = [
  { release: '10.0', machine: 'pc-q35-10.0', devices: ['isa-serial', 'ipmi-bmc-sim,id=bmc0', 'isa-ipmi-kcs,bmc=bmc0'] },
  { release: '10.0', machine: 'pc-i440fx-10.0', devices: ['virtio-gpu-pci', 'usb-ehci'] },
  { release: '10.0', machine: 'pc-q35-10.0', devices: ['e1000e', 'virtio-net-pci', 'virtio-balloon-pci'] },
  { release: '7.2', machine: 'pc-q35-7.2', devices: ['isa-serial', 'e1000', 'virtio-net-pci'] },
  { release: '7.2', machine: 'pc-i440fx-7.2', devices: ['VGA', 'ich9-usb-ehci1', 'virtio-rng-pci'] },
];

const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One run of argv, its output to /dev/null as hyperfine does: wall and the child's CPU (sh's `times`), in ms. */
function timed(argv) {
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', '"$@" >/dev/null 2>&1; e=$?; times; exit $e', 'sh', ...argv], { encoding: 'utf8' });
  const wall = performance.now() - t0;
  const lines = r.stdout.trim().split('\n');
  const secs = (t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : NaN;
  };
  const [u, s] = lines[lines.length - 1].split(/\s+/);
  return { wall, cpu: secs(u) + secs(s), status: r.status };
}

/** Interleaved runs of two commands (warm-up first), medians of each. */
function race(a, b, okA, okB) {
  for (let i = 0; i < WARMUP; i++) (timed(a), timed(b));
  const ra = [];
  const rb = [];
  for (let i = 0; i < RUNS; i++) {
    const x = timed(a);
    const y = timed(b);
    if (!okA(x.status)) throw new Error(`bench: ${a.join(' ')} exited ${x.status}`);
    if (!okB(y.status)) throw new Error(`bench: ${b.join(' ')} exited ${y.status}`);
    ra.push(x);
    rb.push(y);
  }
  const m = (rs, k) => median(rs.map((r) => r[k]));
  return { a: { wall: m(ra, 'wall'), cpu: m(ra, 'cpu') }, b: { wall: m(rb, 'wall'), cpu: m(rb, 'cpu') } };
}

console.log(`vmcompat vs QEMU 10.0.2's scripts · ${RUNS} runs (+${WARMUP} warm-up) · node ${process.version} · ${python}`);

/* ---------- streams ---------- */
const streams = [];
for (const g of GUESTS) {
  const binary = await locateQemu(g.release);
  const bytes = await saveToFile({ binary, vm: { machine: g.machine, devices: g.devices }, timeoutMs: 60_000 });
  const file = join(dir, `${g.machine}-${streams.length}.bin`);
  writeFileSync(file, bytes);
  streams.push({ file, label: `${g.release} ${g.machine} ${g.devices.map((d) => d.split(',')[0]).join('+')}`, bytes: bytes.length });
}

// the output is the same document: the same sections, in the same order
for (const s of streams) {
  const ours = JSON.parse(execFileSync('node', [bin, 'decode', s.file, '--json'], { maxBuffer: 1 << 28 }).toString()).result;
  const theirs = JSON.parse(execFileSync(python, [analyze, '-f', s.file], { maxBuffer: 1 << 28 }).toString());
  const ka = Object.keys(ours).join('\n');
  const kb = Object.keys(theirs).join('\n');
  if (ka !== kb) throw new Error(`bench: ${s.file}: vmcompat's sections differ from analyze-migration.py's:\n${ka}\n--- vs ---\n${kb}`);
  s.sections = Object.keys(ours).length;
}

// the floor under every whole-process figure: each runtime starting and doing nothing
const floor = race(['node', '-e', '0'], [python, '-c', '0'], (c) => c === 0, (c) => c === 0);
console.log(`\nstart-up alone: node -e 0 ${ms(floor.a.wall)} · ${ms(floor.a.cpu)} CPU   python3 -c 0 ${ms(floor.b.wall)} · ${ms(floor.b.cpu)} CPU`);
console.log('\ndecode FILE --json vs analyze-migration.py -f FILE, whole process (median wall · median CPU)');
const whole = [];
for (const s of streams) {
  const r = race(['node', bin, 'decode', s.file, '--json'], [python, analyze, '-f', s.file], (c) => c === 0, (c) => c === 0);
  whole.push(r);
  console.log(
    `  ${(s.bytes / 1e6).toFixed(2)} MB ${String(s.sections).padStart(3)} sections  ${s.label.padEnd(46)} vmcompat ${ms(r.a.wall).padStart(7)} · ${ms(r.a.cpu).padStart(7)}   python ${ms(r.b.wall).padStart(7)} · ${ms(r.b.cpu).padStart(7)}   ×${(r.b.wall / r.a.wall).toFixed(1)} wall, ×${(r.b.cpu / r.a.cpu).toFixed(1)} CPU`,
  );
}

/* ---------- in process ---------- */
const pyInProcess = `
import sys, time, json
src = open(sys.argv[1]).read()
# the script's classes without its command-line part (argparse runs at module level)
ns = {'__name__': 'analyze_migration'}
exec(compile(src[:src.index('parser = argparse.ArgumentParser()')], sys.argv[1], 'exec'), ns)
enc = ns['JSONEncoder'](indent=4, separators=(',', ': '))
runs = int(sys.argv[2])
for f in sys.argv[3:]:
    ts = []
    for i in range(runs):
        t0 = time.perf_counter()
        d = ns['MigrationDump'](f)
        d.read()
        enc.encode(d.getDict())
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    print(ts[len(ts) // 2])
`;
const pyFile = join(dir, 'analyze-in-process.py');
writeFileSync(pyFile, pyInProcess);
const pyMs = execFileSync(python, [pyFile, analyze, String(IN_RUNS), ...streams.map((s) => s.file)]).toString().trim().split('\n').map(Number);
const { decodeStream } = await import(join(root, 'dist/src/wire/decode.js'));
const { analyzeJson } = await import(join(root, 'dist/harness/commands/decode.js'));
console.log(`\nin process: decodeStream + analyzeJson + JSON.stringify vs MigrationDump.read + getDict + encode (median of ${IN_RUNS})`);
const inproc = [];
streams.forEach((s, i) => {
  const buf = readFileSync(s.file);
  const ts = [];
  for (let k = 0; k < IN_RUNS + 5; k++) {
    const t0 = performance.now();
    JSON.stringify(analyzeJson(decodeStream(buf)), null, 2);
    if (k >= 5) ts.push(performance.now() - t0);
  }
  const ours = median(ts);
  inproc.push(pyMs[i] / ours);
  console.log(`  ${(s.bytes / 1e6).toFixed(2)} MB  ${s.label.padEnd(46)} vmcompat ${ms(ours).padStart(8)}   python ${ms(pyMs[i]).padStart(8)}   ×${(pyMs[i] / ours).toFixed(1)}`);
});

/* ---------- static ---------- */
const dumps = [];
for (const release of ['7.2', '10.0']) {
  const file = join(dir, `dump-${release}-${values.machine}.json`);
  execFileSync('node', [bin, 'dump', release, '-M', values.machine, '-o', file]);
  dumps.push(file);
}
const st = race(
  ['node', bin, 'static', '--from', dumps[0], '--to', dumps[1]],
  [python, checker, '-s', dumps[0], '-d', dumps[1]],
  (c) => c === 0 || c === 1,
  (c) => c !== null, // the checker's exit is its count of changes (capped); a traceback is told by its stderr, below
);
const chk = spawnSync(python, [checker, '-s', dumps[0], '-d', dumps[1]], { encoding: 'utf8' });
if (/Traceback/.test(chk.stderr)) throw new Error(`bench: vmstate-static-checker.py failed:\n${chk.stderr}`);
console.log(`\nstatic --from A --to B vs vmstate-static-checker.py -s A -d B, whole process (7.2 and 10.0 at ${values.machine}, ${(readFileSync(dumps[0]).length / 1e6).toFixed(1)} and ${(readFileSync(dumps[1]).length / 1e6).toFixed(1)} MB)`);
console.log(`  vmcompat ${ms(st.a.wall)} · ${ms(st.a.cpu)}   python ${ms(st.b.wall)} · ${ms(st.b.cpu)}   ×${(st.b.wall / st.a.wall).toFixed(2)} wall, ×${(st.b.cpu / st.a.cpu).toFixed(2)} CPU`);

const worst = (xs) => Math.min(...xs);
console.log(
  `\ntargets (#12): whole-process decode ≥ ×3: worst ×${worst(whole.map((r) => r.b.wall / r.a.wall)).toFixed(1)} wall · in-process ≥ ×10: worst ×${worst(inproc).toFixed(1)} · static no slower: ×${(st.b.wall / st.a.wall).toFixed(2)} wall`,
);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
