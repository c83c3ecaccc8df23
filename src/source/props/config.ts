import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { solveKconfig, X86_64_KCONFIG, type KconfigInput } from './kconfig.js';
import { parseDefine, type Macro } from './macros.js';

/**
 * What a configured build would define before the first line of a file:
 * the compiler's own macros, config-host.h's host facts and
 * config-target.h's target, for an x86_64 system emulator built the way
 * Debian builds it (KVM and TCG, Linux host). Nothing is configured or
 * compiled: this replaces the generated headers, which a bare source tree
 * does not have. The version comes from the tree's VERSION file.
 */
export interface TargetConfig {
  name: string;
  /** Object-like macros: NAME → replacement text. */
  defines: Record<string, string>;
  /** Where `#include "…"` looks after the including file's folder, relative to the tree. */
  includeDirs: string[];
  /** The device configuration (CONFIG_DEVICES) is solved from the tree's Kconfig with these inputs. */
  kconfig: KconfigInput;
}

export const X86_64_SOFTMMU: TargetConfig = {
  name: 'x86_64-softmmu',
  defines: {
    __GNUC__: '12',
    __GNUC_MINOR__: '2',
    __linux__: '1',
    __x86_64__: '1',
    __STDC__: '1',
    __STDC_VERSION__: '201112L',
    __SIZEOF_POINTER__: '8',
    __CHAR_BIT__: '8',
    HOST_X86_64: '1',
    CONFIG_LINUX: '1',
    CONFIG_POSIX: '1',
    CONFIG_KVM: '1',
    CONFIG_TCG: '1',
    CONFIG_TPM: '1',
    CONFIG_VHOST: '1',
    CONFIG_VHOST_KERNEL: '1',
    CONFIG_VHOST_NET: '1',
    CONFIG_VHOST_USER: '1',
    CONFIG_VHOST_VDPA: '1',
    CONFIG_VIRTFS: '1',
    CONFIG_SPICE: '1',
    CONFIG_OPENGL: '1',
    CONFIG_SOFTMMU: '1',
    CONFIG_SYSTEM_ONLY: '1',
    NEED_CPU_H: '1',
    COMPILING_PER_TARGET: '1',
    TARGET_X86_64: '1',
    TARGET_I386: '1',
    TARGET_NAME: '"x86_64"',
    TARGET_LONG_BITS: '64',
    TARGET_PAGE_BITS: '12',
  },
  includeDirs: ['include', '.', 'target/i386'],
  kconfig: X86_64_KCONFIG,
};

export interface TreeVersion {
  text: string;
  major: number;
  minor: number;
  micro: number;
}

/** The tree's VERSION file (`10.0.2`); a tree without one is not a QEMU tree. */
export function treeVersion(root: string): TreeVersion {
  let text: string;
  try {
    text = readFileSync(join(root, 'VERSION'), 'utf8').trim();
  } catch {
    throw new Error(`${root}: no VERSION file (not a QEMU source tree?)`);
  }
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!m) throw new Error(`${join(root, 'VERSION')}: '${text}' is not a QEMU version`);
  return { text, major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3]) };
}

/** The predefined macros of one tree under one target: the target's, the version's, and the stdint constant macros. */
export function predefined(root: string, config: TargetConfig = X86_64_SOFTMMU): Map<string, Macro> {
  const v = treeVersion(root);
  const lines: string[] = Object.entries(config.defines).map(([k, val]) => `${k} ${val}`);
  lines.push(`QEMU_VERSION "${v.text}"`, `QEMU_VERSION_MAJOR ${v.major}`, `QEMU_VERSION_MINOR ${v.minor}`, `QEMU_VERSION_MICRO ${v.micro}`);
  // <stdint.h> is a system header the expander does not read
  for (const [n, s] of [['INT8_C', ''], ['INT16_C', ''], ['INT32_C', ''], ['INT64_C', 'LL'], ['UINT8_C', 'U'], ['UINT16_C', 'U'], ['UINT32_C', 'U'], ['UINT64_C', 'ULL']]) {
    lines.push(`${n}(c) c ## ${s || ''}`.replace(/ ## $/, ''));
  }
  // glib is a system header too; the build machines have glib newer than any check in these trees
  lines.push('GLIB_CHECK_VERSION(major, minor, micro) 1', 'TRUE 1', 'FALSE 0', 'G_MAXUINT32 4294967295U', 'G_MAXUINT64 18446744073709551615ULL', 'G_MAXINT32 2147483647', 'G_MAXUINT 4294967295U', 'G_MAXINT 2147483647');
  lines.push('UINT8_MAX 255', 'UINT16_MAX 65535', 'UINT32_MAX 4294967295U', 'UINT64_MAX 18446744073709551615ULL', 'INT32_MAX 2147483647', 'INT32_MIN (-2147483647-1)', 'INT64_MAX 9223372036854775807LL', 'INT_MAX 2147483647', 'UINT_MAX 4294967295U', 'INT_MIN (-2147483647-1)', 'LONG_MAX 9223372036854775807L', 'ULONG_MAX 18446744073709551615UL', 'SIZE_MAX 18446744073709551615ULL');
  for (const sym of solveKconfig(root, config.kconfig)) if (!(`CONFIG_${sym}` in config.defines)) lines.push(`CONFIG_${sym} 1`);
  const out = new Map<string, Macro>();
  for (const l of lines) {
    const m = parseDefine(l, `<${config.name}>`, 0);
    if (m) out.set(m.name, m);
  }
  return out;
}
