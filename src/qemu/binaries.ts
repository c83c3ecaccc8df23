import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { VmError } from '../wire/errors.js';

/** A runnable QEMU: where it is, what it says its version is, and how to call it. */
export interface QemuBinary {
  /** Label for reports: '7.2', '10.0', or the override variable's name. */
  name: string;
  path: string;
  /** From `-version`, e.g. '10.0.2'. */
  version: string;
  /** Extra environment, e.g. QEMU_MODULE_DIR for an unpacked (not installed) build. */
  env: Record<string, string>;
  /** Arguments every invocation needs, e.g. the shared `-L` firmware folders. */
  extraArgs: string[];
}

export type BuiltinQemu = '7.2' | '10.0';

export const SETUP_HINT = 'run `npm run qemu:setup` (bash harness/qemu-setup.sh, as root) to provision QEMU 7.2 and 10.0';

/**
 * Every binary reads firmware from the same folders: option ROMs and BIOS images are
 * RAM blocks in the stream, and a destination whose blob sizes differ rejects the RAM
 * section before any device is read (spec Appendix D). First match wins.
 */
export const SHARED_FIRMWARE_DIRS = ['/usr/share/qemu', '/usr/share/seabios', '/usr/lib/ipxe/qemu'];

/** The package root from the sources (src/qemu) or the build (dist/src/qemu): the first folder up with a package.json. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '../..');
    dir = up;
  }
}
const PROJECT_ROOT = projectRoot();
/** Where harness/qemu-setup.sh unpacks bookworm-backports' QEMU 10.0. */
export const QEMU_10_ROOT = join(PROJECT_ROOT, '.cache/qemu/10.0/root');

const BUILTIN_PATHS: Record<BuiltinQemu, string> = {
  '7.2': '/usr/bin/qemu-system-x86_64',
  '10.0': join(QEMU_10_ROOT, 'usr/bin/qemu-system-x86_64'),
};
const VERSION_VARS: Record<BuiltinQemu, string> = { '7.2': 'VMCOMPAT_QEMU_7_2', '10.0': 'VMCOMPAT_QEMU_10_0' };
const ROLE_VARS = { src: 'QTEST_QEMU_BINARY_SRC', dst: 'QTEST_QEMU_BINARY_DST' } as const;

const probed = new Map<string, Promise<string>>();

/** A binary's prefix (`<prefix>/bin/qemu-…`) decides its module and data folders. */
function layoutFor(path: string): { env: Record<string, string>; extraArgs: string[] } {
  const prefix = resolve(dirname(path), '..');
  const env: Record<string, string> = {};
  const moduleDir = join(prefix, 'lib/x86_64-linux-gnu/qemu');
  // Only an unpacked tree needs this: an installed binary finds its modules itself,
  // and a wrong module dir would load modules of another build (QEMU refuses those).
  if (prefix !== '/usr' && existsSync(moduleDir)) env.QEMU_MODULE_DIR = moduleDir;
  const extraArgs = SHARED_FIRMWARE_DIRS.flatMap((d) => ['-L', d]);
  const ownData = join(prefix, 'share/qemu');
  if (!SHARED_FIRMWARE_DIRS.includes(ownData) && existsSync(ownData)) extraArgs.push('-L', ownData);
  return { env, extraArgs };
}

/** The folder a binary loads its modules from: QEMU_MODULE_DIR, else its prefix's (Debian's multiarch layout). */
export function moduleDir(bin: QemuBinary): string {
  return bin.env.QEMU_MODULE_DIR ?? join(resolve(dirname(bin.path), '..'), 'lib/x86_64-linux-gnu/qemu');
}

/** The modules (`hw-display-qxl`) a binary can load: the .so files of its module folder (none when it has no such folder). */
export function installedModules(bin: QemuBinary): Set<string> {
  const dir = moduleDir(bin);
  if (!existsSync(dir)) return new Set();
  return new Set(readdirSync(dir).filter((f) => f.endsWith('.so')).map((f) => f.slice(0, -3)));
}

function missing(path: string, what: string): VmError {
  return new VmError({ kind: 'bad-input', message: `${what}: no executable at ${path}; ${SETUP_HINT}` });
}

/** Runs `-version` once per path and returns e.g. '10.0.2'. */
async function probeVersion(path: string, env: Record<string, string>, extraArgs: string[], what: string): Promise<string> {
  let p = probed.get(path);
  if (!p) {
    p = (async () => {
      const r = await execa(path, [...extraArgs, '-version'], { env, reject: false, timeout: 15_000 });
      const m = /version (\d+\.\d+(?:\.\d+)?)/.exec(r.stdout);
      if (r.exitCode !== 0 || !m) {
        throw new VmError({
          kind: 'bad-input',
          message: `${what}: ${path} -version failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().slice(0, 400)}; ${SETUP_HINT}`,
        });
      }
      return m[1]!;
    })();
    probed.set(path, p);
    p.catch(() => probed.delete(path));
  }
  return p;
}

/** Describe the binary at `path` (any QEMU x86 system emulator). Throws VmError 'bad-input'. */
export async function qemuAt(path: string, name = path): Promise<QemuBinary> {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw missing(abs, `QEMU binary '${name}'`);
  const { env, extraArgs } = layoutFor(abs);
  const version = await probeVersion(abs, env, extraArgs, `QEMU binary '${name}'`);
  return { name, path: abs, version, env, extraArgs };
}

/**
 * A built-in release: `VMCOMPAT_QEMU_7_2` / `VMCOMPAT_QEMU_10_0` override the path.
 * The version printed by the binary must start with the requested release.
 */
export async function locateQemu(release: BuiltinQemu, env: NodeJS.ProcessEnv = process.env): Promise<QemuBinary> {
  const override = env[VERSION_VARS[release]];
  const path = override || BUILTIN_PATHS[release];
  const what = override ? `QEMU ${release} (from ${VERSION_VARS[release]})` : `QEMU ${release}`;
  if (!existsSync(path)) throw missing(path, what);
  const bin = await qemuAt(path, release);
  if (!bin.version.startsWith(release + '.') && bin.version !== release) {
    throw new VmError({ kind: 'bad-input', message: `${what}: ${path} reports version ${bin.version}, expected ${release}.x` });
  }
  return bin;
}

/**
 * The source or destination of a migration: QTEST_QEMU_BINARY_SRC / _DST (QEMU's own
 * qtest convention) win over the release `fallback`.
 */
export async function locateRole(role: 'src' | 'dst', fallback: BuiltinQemu, env: NodeJS.ProcessEnv = process.env): Promise<QemuBinary> {
  const override = env[ROLE_VARS[role]];
  if (override) return qemuAt(override, ROLE_VARS[role]);
  return locateQemu(fallback, env);
}

/**
 * A binary named on the command line: a built-in release (`7.2`, `10.0`) or a path
 * to any qemu-system-x86_64 build. Throws VmError 'bad-input' naming the setup command.
 */
export async function resolveQemu(arg: string, env: NodeJS.ProcessEnv = process.env): Promise<QemuBinary> {
  if (arg === '7.2' || arg === '10.0') return locateQemu(arg, env);
  // a full version (7.2.22) names the provisioned build when it is that version
  const full = /^(7\.2|10\.0)\.\d+$/.exec(arg);
  if (full) {
    const bin = await locateQemu(full[1] as BuiltinQemu, env);
    if (bin.version !== arg) throw new VmError({ kind: 'bad-input', message: `QEMU ${arg}: the provisioned ${full[1]} build (${bin.path}) is ${bin.version}` });
    return { ...bin, name: arg };
  }
  // a bare command name is looked up on PATH, as QEMU's qtest runs it through sh -c
  return qemuAt(commandPath(arg, env) ?? arg, arg);
}

/** An executable file named `name` (no `/`) in a PATH folder, when none of that name is in the working folder. */
export function commandPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (name.includes('/') || existsSync(name)) return null;
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not in this folder
    }
  }
  return null;
}

let both: Promise<{ q72: QemuBinary; q10: QemuBinary }> | null = null;

/**
 * Both provisioned releases, located once. Tests await it inside each test (not in a
 * hook), so a missing binary fails every test that needs one with the setup hint
 * rather than leaving them skipped.
 */
export function provisioned(): Promise<{ q72: QemuBinary; q10: QemuBinary }> {
  both ??= Promise.all([locateQemu('7.2'), locateQemu('10.0')]).then(([q72, q10]) => ({ q72, q10 }));
  return both;
}

/** Memoises an async setup; every caller gets its result or its error. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= fn());
}
