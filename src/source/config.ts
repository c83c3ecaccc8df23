import { existsSync, readFileSync } from 'node:fs';
import { mesonSources, type MesonHost, type MesonSources } from './meson.js';
import { solveKconfig, X86_64_KCONFIG, type KconfigInput } from './props/kconfig.js';
import { join } from 'node:path';
import { VmError } from '../wire/errors.js';
import type { Macro } from './expand.js';
import { lex } from './lex.js';
import type { CppConfig } from './cpp.js';

/**
 * What configure and meson would decide for one target, read from the
 * tree instead of run: the target's TARGET_* values from
 * configs/targets/<target>.mak, the CONFIG_* device symbols the tree's
 * Kconfig gives under the target's default.mak (props/kconfig.ts, the one
 * source of CONFIG_* truth, also for the Property phase), and the host
 * facts of Debian's Linux x86_64 build of qemu-system-x86 (KVM and TCG; Xen
 * is the separate qemu-system-xen build; SPICE, OpenGL, virglrenderer,
 * libusb …).
 *
 * The source list is what the tree's meson.build files link into the
 * target (meson.ts): each folder's source sets applied to the target's
 * CONFIG_* keys, the arch's own hw_arch / target_arch sets, and the
 * modules.
 */

export interface TargetConfig {
  target: string;
  /** Base architecture (`i386` for x86_64). */
  arch: string;
  cpp: CppConfig;
  /** The folders whose meson.build the top-level one enters for a system emulator and that hold device code. */
  sourceDirs: string[];
  /** What meson.build conditions read: config_target's keys, dependencies, have_* variables, options. */
  meson: MesonHost;
}

/** Host and build features of a Linux x86_64 distribution build (config-host.h). */
const HOST_DEFINES: Record<string, string> = {
  CONFIG_LINUX: '1', CONFIG_POSIX: '1', CONFIG_KVM: '1', CONFIG_TCG: '1',
  CONFIG_KVM_IS_POSSIBLE: '1', CONFIG_PIXMAN: '1',
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

/** Dependencies Debian's x86_64 build finds (meson `dependency()` objects a meson.build names). */
const FOUND_DEPS = ['pixman', 'spice', 'spice_protocol', 'opengl', 'virgl', 'gbm', 'egl', 'libusb', 'usbredir', 'cacard', 'fdt', 'gnutls', 'zstd', 'slirp', 'seccomp', 'gio', 'rdma', 'numa', 'libudev', 'keyutils', 'vde', 'libattr', 'libcap_ng', 'linux_io_uring', 'libaio', 'x11', 'sdl', 'gtk', 'vte', 'curses', 'png', 'jpeg', 'sasl', 'brlapi', 'libpmem', 'libdaxctl', 'capstone', 'glusterfs', 'libiscsi', 'libnfs', 'rbd', 'libssh', 'curl', 'alsa', 'pulse', 'jack', 'pipewire', 'sndio', 'libfdt', 'xkbcommon', 'dbus_display', 'pam', 'zlib', 'vhost_user', 'rt', 'libm', 'util', 'threads', 'glib', 'gmodule'];
/** Dependencies it does not have (other hosts', or not packaged). */
const ABSENT_DEPS = ['xen', 'xencontrol', 'rutabaga', 'pvg', 'hvf', 'vmnet', 'canokey', 'libxdp', 'libbpf', 'qpl', 'uadk', 'qatzip', 'coreaudio', 'dsound', 'cocoa', 'libvfio_user_dep', 'libkeyutils', 'netmap', 'blkio', 'fuse', 'fuse_lseek', 'libdw', 'selinux', 'u2f_emu', 'snappy', 'lzo', 'libbzip2', 'lzfse', 'libusb_win32', 'winmm', 'hexagon', 'nvmm', 'pathcch', 'u2f', 'libcbor'];
/** The top-level meson.build's variables the folders test. */
const MESON_VARS: Record<string, boolean | string> = {
  host_os: 'linux', targetos: 'linux', host_arch: 'x86_64', cpu: 'x86_64', have_system: true, have_tools: true, have_block: true, have_user: false,
  have_tpm: true, have_vhost: true, have_vhost_user: true, have_vhost_vdpa: true, have_vhost_kernel: true, have_vhost_net: true,
  have_vhost_net_user: true, have_vhost_net_vdpa: true, have_vhost_user_crypto: true, have_vhost_user_blk_server: true, have_virtfs: true,
  have_xen_pci_passthrough: false, have_netmap: false, have_l2tpv3: true, have_pvrdma: true, have_ivshmem: true, enable_modules: true,
  have_rust: false, have_vfio_user_server: false, multiprocess_allowed: true, vfio_user_server_allowed: false, hv_balloon: false, have_membarrier: true, glib_has_gslice: false, coroutine_backend: 'ucontext',
};
const MESON_OPTIONS: Record<string, boolean> = {
  replication: true, colo_proxy: true, plugins: true, live_block_migration: true, fuzzing: false, multiprocess: true, vfio_user_server: false,
  qom_cast_debug: true, default_devices: true, tcg: true, kvm: true, xen: false, hv_balloon: false, vduse_blk_export: true, avx2: true, avx512bw: true,
};

/**
 * config_target's keys: the target .mak's TARGET_* (set to y), TARGET_<ARCH>,
 * the accelerators, CONFIG_SYSTEM_ONLY / CONFIG_SOFTMMU, the host's
 * config-host facts, and the solved device symbols.
 */
function targetKeys(mak: Record<string, string>, devices: ReadonlySet<string>): Set<string> {
  const keys = new Set<string>(['CONFIG_SYSTEM_ONLY', 'CONFIG_SOFTMMU', `TARGET_${(mak.TARGET_ARCH || 'x86_64').toUpperCase()}`]);
  for (const [k, v] of Object.entries(mak)) if (k.startsWith('TARGET_') && v === 'y') keys.add(k);
  for (const [k, v] of Object.entries(HOST_DEFINES)) if (k.startsWith('CONFIG_') && v !== '0') keys.add(k);
  for (const d of devices) keys.add(`CONFIG_${d}`);
  return keys;
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
  // the device symbols (CONFIG_DEVICES): the tree's Kconfig solved under the target's default.mak
  const devices = solveKconfig(root, kconfigInput(target));
  for (const d of devices) {
    const name = `CONFIG_${d}`;
    if (!defs.has(name)) defs.set(name, macro(name, '1', `configs/devices/${target}/default.mak`));
  }
  const includeDirs = ['include', '.', join('target', arch), 'linux-headers', 'include/standard-headers', 'tcg', `host/include/x86_64`, 'host/include/generic'];
  const sourceDirs = ['hw', 'target', 'migration', 'system', 'softmmu', 'backends', 'net', 'accel', 'replay', 'util'].filter((d) => existsSync(join(root, d, 'meson.build')));
  const meson: MesonHost = { keys: targetKeys(mak, devices), deps: new Set(FOUND_DEPS), absentDeps: new Set(ABSENT_DEPS), vars: MESON_VARS, options: MESON_OPTIONS, arch, target };
  return { target, arch, cpp: { predefined: defs, includeDirs }, sourceDirs, meson };
}

/** The target's Kconfig input: its default.mak and the host symbols. */
function kconfigInput(target: string): KconfigInput {
  return { ...X86_64_KCONFIG, defaults: `configs/devices/${target}/default.mak` };
}

/** The .c files the target is linked from (the meson.build source sets), relative to the root, sorted, with what the reader could not resolve. */
export function targetSources(root: string, cfg: TargetConfig): MesonSources {
  if (!existsSync(join(root, 'hw/meson.build'))) {
    throw new VmError({ kind: 'bad-input', message: `${root}: no hw/meson.build: the source list of the build is read from the tree's meson.build files (not a QEMU source tree meson builds?)` });
  }
  const s = mesonSources(root, cfg.sourceDirs, cfg.meson);
  return { ...s, files: s.files.filter((f) => existsSync(join(root, f))) };
}
