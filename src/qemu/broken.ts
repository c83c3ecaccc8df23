import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QemuBinary } from './binaries.js';

/**
 * Fake QEMU binaries that break in the ways a real one can (or a wrong path does), for
 * the tests and the fault bench: each is a small node script that takes QEMU's command
 * line, finds its `-qmp unix:PATH,…` socket and misbehaves there.
 */
export const BROKEN_MODES = {
  /** Never opens its QMP socket; keeps a child of its own (as QEMU keeps `sh -c cat`). */
  hang: 'timeout',
  /** Exits 0 at once, saying nothing. */
  'exit-at-once': 'start-failed',
  /** Exits 1 with an error line of its own, as QEMU does for an option it refuses. */
  refuse: 'config-refused',
  /** Answers the connection with a line that is not JSON. */
  'garbage-qmp': 'qmp-protocol',
  /** Answers with JSON that is not an object (`null`). */
  'non-object-qmp': 'qmp-protocol',
  /** Sends bytes without a newline, forever. */
  flood: 'qmp-protocol',
  /** Speaks QMP, then dies of SIGSEGV when told to load a stream. */
  'crash-on-load': 'qemu-crashed',
  /** Speaks QMP, accepts the load and never finishes it. */
  'hang-on-load': 'timeout',
} as const;

export type BrokenMode = keyof typeof BROKEN_MODES;

const SCRIPT = String.raw`
const net = require('node:net');
const { spawn } = require('node:child_process');
const mode = process.env.VMCOMPAT_BROKEN_MODE;
const i = process.argv.indexOf('-qmp');
const sock = i > 0 ? process.argv[i + 1].replace(/^unix:/, '').split(',')[0] : null;
if (mode === 'exit-at-once') process.exit(0);
if (mode === 'refuse') {
  process.stderr.write("fake-qemu: -device x: 'x' is not a valid device model name\n");
  process.exit(1);
}
if (mode === 'hang') {
  spawn('sleep', ['1000'], { stdio: 'ignore' });
  setInterval(() => {}, 1 << 30);
} else {
  const greeting = JSON.stringify({ QMP: { version: { qemu: { major: 0, minor: 0, micro: 0 }, package: 'fake' }, capabilities: [] } });
  const server = net.createServer((c) => {
    if (mode === 'garbage-qmp') return void c.write('this is not QMP at all\n');
    if (mode === 'non-object-qmp') return void c.write('null\n');
    if (mode === 'flood') {
      const chunk = 'x'.repeat(1 << 16);
      const pump = () => { while (c.write(chunk)); };
      c.on('drain', pump);
      c.on('error', () => {});
      return pump();
    }
    c.write(greeting + '\n');
    let buf = '';
    c.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.execute === 'migrate-incoming' && mode === 'crash-on-load') {
          process.stderr.write('about to crash\n');
          process.kill(process.pid, 'SIGSEGV');
        }
        c.write(JSON.stringify({ return: {}, id: msg.id }) + '\n');
      }
    });
    c.on('error', () => {});
  });
  server.listen(sock);
}
`;

/** Writes the fake binary for `mode` into `dir` (a temp dir the caller removes) and describes it. */
export function brokenQemu(mode: BrokenMode, dir: string): QemuBinary {
  const path = join(dir, `fake-qemu-${mode}`);
  writeFileSync(path, `#!${process.execPath}\n${SCRIPT}`);
  chmodSync(path, 0o755);
  return { name: `fake-${mode}`, path, version: '0.0.0', env: { VMCOMPAT_BROKEN_MODE: mode }, extraArgs: [] };
}
