import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { walkTree } from './walk.js';
import { join } from 'node:path';
import type { Macro } from './expand.js';
import { lex } from './lex.js';
import type { CppConfig } from './cpp.js';

/**
 * What configure and meson would decide for one target, read from the
 * tree instead of run: the target's TARGET_* values from
 * configs/targets/<target>.mak, the CONFIG_* device symbols (every Kconfig
 * symbol of the folders the target builds, minus what the target's
 * default.mak turns off: an over-approximation, see `sourceFiles`), and the
 * host facts of a Linux x86_64 distribution build (KVM, Xen, TCG, OpenGL,
 * SPICE … as Debian enables them).
 *
 * The source list is every .c file of hw/ except the other architectures'
 * board folders (the arch names of the other configs/targets/*-softmmu.mak),
 * the target's own target/<arch>/, and the common system folders. Files a
 * meson `when:` would leave out for this target are read too; validation
 * against a binary's -dump-vmstate counts only the classes that binary has.
 */

export interface TargetConfig {
  target: string;
  /** Base architecture (`i386` for x86_64). */
  arch: string;
  cpp: CppConfig;
  sourceDirs: string[];
  excludedHwDirs: string[];
}

/** Host and build features of a Linux x86_64 distribution build (config-host.h). */
const HOST_DEFINES: Record<string, string> = {
  CONFIG_LINUX: '1', CONFIG_POSIX: '1', CONFIG_KVM: '1', CONFIG_TCG: '1', CONFIG_XEN: '1', CONFIG_XEN_IS_POSSIBLE: '1',
  CONFIG_KVM_IS_POSSIBLE: '1', CONFIG_XEN_BACKEND: '1', CONFIG_XEN_CTRL_INTERFACE_VERSION: '41700', CONFIG_PIXMAN: '1',
  CONFIG_OPENGL: '1', CONFIG_GBM: '1', CONFIG_SPICE: '1', CONFIG_VNC: '1', CONFIG_SLIRP: '1', CONFIG_LIBUDEV: '1',
  CONFIG_LINUX_AIO: '1', CONFIG_LINUX_IO_URING: '1', CONFIG_MODULES: '1', CONFIG_INT128: '1', CONFIG_INT128_TYPE: '1',
  CONFIG_ATOMIC64: '1', CONFIG_MEMFD: '1', CONFIG_EVENTFD: '1', CONFIG_VHOST: '1', CONFIG_VHOST_USER: '1',
  CONFIG_VHOST_KERNEL: '1', CONFIG_VHOST_NET: '1', CONFIG_VHOST_NET_USER: '1', CONFIG_VHOST_NET_VDPA: '1',
  CONFIG_VHOST_VDPA: '1', CONFIG_VHOST_CRYPTO: '1', CONFIG_IOVEC: '1', CONFIG_PREADV: '1', CONFIG_MADVISE: '1',
  CONFIG_POSIX_MADVISE: '1', CONFIG_FDT: '1', CONFIG_SEV: '1', CONFIG_SYSTEM_ONLY: '1', CONFIG_SOFTMMU: '1',
  CONFIG_IOMMUFD: '1', CONFIG_TPM: '1', CONFIG_SYSMACROS: '1', CONFIG_GETCPU: '1', CONFIG_SCHED_GETCPU: '1',
  CONFIG_LIBATTR: '1', CONFIG_RDMA: '1', CONFIG_VIRGL: '1', CONFIG_USB_LIBUSB: '1', CONFIG_USB_REDIR: '1',
  CONFIG_SMARTCARD: '1', CONFIG_REPLICATION: '1', CONFIG_CPUID_H: '1', CONFIG_LINUX_MAGIC_H: '1', CONFIG_MEMBARRIER: '1',
  HOST_X86_64: '1', HOST_BIG_ENDIAN: '0', HOST_LONG_BITS: '64', QEMU_VERSION_MAJOR: '0',
};

/** What GCC on x86_64 Linux predefines that QEMU's headers test. */
const COMPILER_DEFINES: Record<string, string> = {
  __GNUC__: '12', __GNUC_MINOR__: '2', __STDC__: '1', __STDC_VERSION__: '201112L', __x86_64__: '1', __x86_64: '1',
  __amd64__: '1', __linux__: '1', __linux: '1', __unix__: '1', __LP64__: '1', _LP64: '1', __CHAR_BIT__: '8',
  __SIZEOF_POINTER__: '8', __SIZEOF_LONG__: '8', __SIZEOF_INT__: '4', __SIZEOF_INT128__: '16', __SIZEOF_LONG_LONG__: '8',
  __ORDER_LITTLE_ENDIAN__: '1234', __ORDER_BIG_ENDIAN__: '4321', __BYTE_ORDER__: '__ORDER_LITTLE_ENDIAN__',
  __OPTIMIZE__: '1', NULL: '((void *)0)', true: '1', false: '0', INT8_MAX: '127', INT16_MAX: '32767',
  INT32_MAX: '2147483647', INT64_MAX: '9223372036854775807LL', UINT8_MAX: '255', UINT16_MAX: '65535',
  UINT32_MAX: '4294967295U', UINT64_MAX: '18446744073709551615ULL', INT_MAX: '2147483647', UINT_MAX: '4294967295U',
  CHAR_BIT: '8', LONG_MAX: '9223372036854775807L', SIZE_MAX: '18446744073709551615UL', PATH_MAX: '4096',
  G_MAXUINT32: '4294967295U', G_MAXINT32: '2147483647', G_MAXUINT16: '65535', G_MAXUINT8: '255', G_MAXUINT: '4294967295U',
  G_MAXINT: '2147483647', G_MAXUINT64: '18446744073709551615ULL', G_MAXINT64: '9223372036854775807LL', G_MAXSIZE: '18446744073709551615UL',
  TRUE: '1', FALSE: '0',
};

function macro(name: string, body: string, file: string, params: string[] | null = null): Macro {
  return { name, params, variadic: false, body: lex(body), file, line: 0 };
}

/** <stdint.h>'s constant macros. */
const STDINT_FNS: Record<string, string> = {
  INT8_C: 'x', INT16_C: 'x', INT32_C: 'x', INT64_C: 'x ## L', UINT8_C: 'x', UINT16_C: 'x', UINT32_C: 'x ## U', UINT64_C: 'x ## UL',
};

function readMak(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(path)) return out;
  for (const l of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(l);
    if (m) out[m[1]!] = m[2]!;
    const inc = /^\s*include\s+(\S+)/.exec(l);
    if (inc) Object.assign(out, readMak(join(path, '..', inc[1]!)), out);
  }
  return out;
}

/** The architectures of the tree's softmmu targets other than this one's. */
function otherArches(root: string, arch: string): string[] {
  const dir = join(root, 'configs/targets');
  const arches = new Set<string>();
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    if (!f.endsWith('-softmmu.mak')) continue;
    const mak = readMak(join(dir, f));
    const a = mak.TARGET_BASE_ARCH || mak.TARGET_ARCH;
    if (a) arches.add(a);
    if (mak.TARGET_ARCH) arches.add(mak.TARGET_ARCH);
  }
  // hw/ calls some boards by another name than the arch
  for (const [a, alias] of [['sparc64', 'sparc64'], ['riscv', 'riscv'], ['loongarch', 'loongarch'], ['aarch64', 'arm']] as const) if (arches.has(a)) arches.add(alias);
  arches.delete(arch);
  arches.delete('x86_64');
  return [...arches].sort();
}

export function targetConfig(root: string, target = 'x86_64-softmmu'): TargetConfig {
  const mak = readMak(join(root, 'configs/targets', `${target}.mak`));
  const arch = mak.TARGET_BASE_ARCH || mak.TARGET_ARCH || 'i386';
  const defs = new Map<string, Macro>();
  const file = `configs/targets/${target}.mak`;
  for (const [k, v] of Object.entries(COMPILER_DEFINES)) defs.set(k, macro(k, v, '<compiler>'));
  for (const [k, v] of Object.entries(STDINT_FNS)) defs.set(k, macro(k, v, '<stdint.h>', ['x']));
  for (const [k, v] of Object.entries(HOST_DEFINES)) defs.set(k, macro(k, v, '<config-host>'));
  const tArch = (mak.TARGET_ARCH || 'x86_64').toUpperCase();
  defs.set(`TARGET_${tArch}`, macro(`TARGET_${tArch}`, '1', file));
  defs.set(`TARGET_${arch.toUpperCase()}`, macro(`TARGET_${arch.toUpperCase()}`, '1', file));
  defs.set('TARGET_NAME', macro('TARGET_NAME', `"${mak.TARGET_ARCH || 'x86_64'}"`, file));
  for (const [k, v] of Object.entries(mak)) {
    if (!k.startsWith('TARGET_') || k === 'TARGET_ARCH' || k === 'TARGET_BASE_ARCH' || k === 'TARGET_XML_FILES') continue;
    defs.set(k, macro(k, v === 'y' ? '1' : v, file));
  }
  if (mak.TARGET_BIG_ENDIAN === 'y') defs.set('TARGET_BIG_ENDIAN', macro('TARGET_BIG_ENDIAN', '1', file));
  const excluded = otherArches(root, arch);
  const skipDir = (rel: string) => {
    const parts = rel.split('/');
    return (parts[0] === 'hw' && parts.length === 2 && excluded.includes(parts[1]!)) || rel.startsWith('tests') || parts.includes('meson-private');
  };
  // device symbols: every Kconfig symbol of the folders built, minus default.mak's `=n`
  const kconfigs: string[] = [];
  walkTree(root, 'hw', (n) => n === 'Kconfig', skipDir, kconfigs);
  if (existsSync(join(root, 'target', arch, 'Kconfig'))) kconfigs.push(join('target', arch, 'Kconfig'));
  const devMak = readMak(join(root, 'configs/devices', `${target}`, 'default.mak'));
  for (const k of kconfigs) {
    for (const m of readFileSync(join(root, k), 'utf8').matchAll(/^config\s+([A-Z0-9_]+)/gm)) {
      const name = `CONFIG_${m[1]}`;
      if (devMak[name] === 'n') continue;
      if (!defs.has(name)) defs.set(name, macro(name, '1', k));
    }
  }
  const includeDirs = ['include', '.', join('target', arch), 'linux-headers', 'include/standard-headers', 'tcg', `host/include/x86_64`, 'host/include/generic'];
  const sourceDirs = ['hw', join('target', arch), 'migration', 'system', 'softmmu', 'backends', 'net', 'accel', 'replay', 'util'].filter((d) => existsSync(join(root, d)));
  return { target, arch, cpp: { predefined: defs, includeDirs }, sourceDirs, excludedHwDirs: excluded.filter((a) => existsSync(join(root, 'hw', a))) };
}

/** Every .c file the configuration reads, relative to the root, sorted. */
export function sourceFiles(root: string, cfg: TargetConfig): string[] {
  const out: string[] = [];
  const skip = (rel: string) => {
    const parts = rel.split('/');
    return (parts[0] === 'hw' && parts.length === 2 && cfg.excludedHwDirs.includes(parts[1]!)) || parts.includes('tests');
  };
  for (const d of cfg.sourceDirs) walkTree(root, d, (n) => n.endsWith('.c'), skip, out);
  return out.sort();
}
