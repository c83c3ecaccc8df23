import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { dir as tmpDir } from 'tmp-promise';
import { VmError } from '../wire/errors.js';
import type { QemuBinary } from './binaries.js';

/**
 * `BIN -M MACHINE -dump-vmstate FILE`: every device class's VMSD as the binary
 * has it, at one machine type (spec §7.2). Run in a temp dir with the binary's
 * firmware folders (-L) and, for an unpacked build, a module folder it can
 * load every module from (see shadowModules). What can go wrong is a VmError:
 * a machine type the binary does not have (QEMU's own line), a binary that
 * exits without writing the file or is killed by a signal, and one that does
 * not finish in time (killed).
 */

/**
 * Unpacked builds (QEMU_MODULE_DIR set) fall back to the system module folder for
 * modules they list but did not ship; -dump-vmstate loads every module, and loading
 * another build's module aborts QEMU (10.0.2: `module_load_dso: Assertion
 * QTAILQ_EMPTY(&dso_init_list) failed`). QEMU stops at the first file it finds, so a
 * folder with the build's own modules plus empty stand-ins for the missing ones keeps
 * it away from the foreign ones.
 */
function shadowModules(ownDir: string, into: string, systemDir = '/usr/lib/x86_64-linux-gnu/qemu'): void {
  const own = new Set(readdirSync(ownDir));
  for (const f of own) symlinkSync(join(ownDir, f), join(into, f));
  if (!existsSync(systemDir)) return;
  for (const f of readdirSync(systemDir)) if (f.endsWith('.so') && !own.has(f)) writeFileSync(join(into, f), '');
}

/** The lines QEMU printed that say why, without its warnings. */
function said(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/warning: /.test(l));
  return lines.slice(0, 3).join(' / ').slice(0, 400);
}

/** Runs `-dump-vmstate` and returns the JSON text exactly as QEMU wrote it. */
export async function dumpVmstateText(bin: QemuBinary, machine: string, timeoutMs = 30_000): Promise<string> {
  const tmp = await tmpDir({ prefix: 'vmcompat-dump-', unsafeCleanup: true });
  try {
    const file = join(tmp.path, 'dump.json');
    const env = { ...bin.env };
    if (env.QEMU_MODULE_DIR) {
      const mods = join(tmp.path, 'modules');
      mkdirSync(mods);
      shadowModules(env.QEMU_MODULE_DIR, mods);
      env.QEMU_MODULE_DIR = mods;
    }
    const cmd = `${bin.path} -M ${machine} -dump-vmstate`;
    const r = await execa(bin.path, [...bin.extraArgs, '-M', machine, '-nodefaults', '-display', 'none', '-dump-vmstate', file], {
      env,
      extendEnv: true,
      reject: false,
      timeout: timeoutMs,
      forceKillAfterDelay: 1000,
      stdin: 'ignore',
      cwd: tmp.path,
    });
    const stderr = String(r.stderr ?? '');
    if (r.timedOut) {
      throw new VmError({ kind: 'timeout', message: `${cmd} did not finish within ${timeoutMs / 1000} s and was killed${said(stderr) ? `: ${said(stderr)}` : ''}` });
    }
    if (/unsupported machine type/i.test(stderr)) {
      throw new VmError({ kind: 'bad-input', message: `${bin.name} (${bin.version}) has no machine type '${machine}': ${said(stderr)} (its list: ${bin.path} -machine help)`, qemu: [said(stderr)] });
    }
    if (r.signal) throw new VmError({ kind: 'qemu-crashed', message: `${cmd} was killed by ${r.signal}${said(stderr) ? `: ${said(stderr)}` : ''}` });
    if (r.exitCode !== 0 || !existsSync(file)) {
      throw new VmError({ kind: 'start-failed', message: `${cmd} failed (exit ${r.exitCode}${existsSync(file) ? '' : ', no file written'})${said(stderr) ? `: ${said(stderr)}` : ''}` });
    }
    return readFileSync(file, 'utf8');
  } finally {
    await tmp.cleanup();
  }
}

/** The dump parsed; a file that is not JSON is a VmError naming the binary. */
export async function dumpVmstate(bin: QemuBinary, machine: string, timeoutMs = 30_000): Promise<unknown> {
  const text = await dumpVmstateText(bin, machine, timeoutMs);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new VmError({ kind: 'bad-input', message: `${bin.path} -M ${machine} -dump-vmstate wrote a file that is not JSON: ${(e as Error).message}` });
  }
}
