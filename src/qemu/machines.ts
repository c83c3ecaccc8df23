import { execa } from 'execa';
import { VmError } from '../wire/errors.js';
import type { QemuBinary } from './binaries.js';

/** One line of `-machine help`. */
export interface MachineInfo {
  name: string;
  description: string;
  /** `pc` → `pc-i440fx-7.2`: aliases name different machine types in different binaries. */
  aliasOf: string | null;
  isDefault: boolean;
}

const cache = new Map<string, Promise<MachineInfo[]>>();

/** The machine types a binary offers, from `-machine help` (no QMP, no guest). */
export function listMachines(bin: QemuBinary): Promise<MachineInfo[]> {
  let p = cache.get(bin.path);
  if (!p) {
    p = (async () => {
      const r = await execa(bin.path, [...bin.extraArgs, '-machine', 'help'], { env: bin.env, extendEnv: true, reject: false, timeout: 15_000 });
      if (r.exitCode !== 0) {
        throw new VmError({ kind: 'bad-input', message: `${bin.path} -machine help failed (exit ${r.exitCode}): ${String(r.stderr).trim().slice(0, 300)}` });
      }
      return parseMachineHelp(String(r.stdout));
    })();
    cache.set(bin.path, p);
    p.catch(() => cache.delete(bin.path));
  }
  return p;
}

export function parseMachineHelp(text: string): MachineInfo[] {
  const out: MachineInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m || line.startsWith('Supported machines')) continue;
    const desc = m[2]!;
    out.push({
      name: m[1]!,
      description: desc,
      aliasOf: /\(alias of ([^)]+)\)/.exec(desc)?.[1] ?? null,
      isDefault: desc.includes('(default)'),
    });
  }
  return out;
}

/**
 * Versioned machine types (`pc-q35-7.2`, `pc-i440fx-2.4`, `pc-q35-4.0.1`): the only
 * ones QEMU keeps migration-compatible across releases. Aliases (`pc`, `q35`) resolve
 * to a different version in each binary; unversioned boards (isapc, microvm, none)
 * carry no compat properties.
 */
export function isVersioned(m: MachineInfo): boolean {
  return m.aliasOf === null && /-\d+\.\d+(\.\d+)?$/.test(m.name);
}

/** Shell-style glob: `*`, `?` and `[…]` classes (`pc-q35-7.[12]`). */
export function globRe(glob: string): RegExp {
  return new RegExp('^' + glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
}

/** Globs (e.g. `pc-q35-7.*`), or `all`: the versioned ones. */
export function selectMachines(names: readonly string[], patterns: readonly string[], versioned: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const p of patterns) {
    if (p === 'all') {
      for (const n of names) if (versioned.has(n)) out.add(n);
      continue;
    }
    const re = globRe(p);
    for (const n of names) if (re.test(n)) out.add(n);
  }
  return sortMachines([...out]);
}

/** Board then version, numerically (pc-i440fx-2.4 < 2.10 < 7.2). */
export function sortMachines(names: string[]): string[] {
  const key = (n: string) => {
    const m = /^(.*?)-(\d+)\.(\d+)(?:\.(\d+))?$/.exec(n);
    return m ? { board: m[1]!, v: [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)] } : { board: n, v: [0, 0, 0] };
  };
  return names.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x.board !== y.board) return x.board < y.board ? -1 : 1;
    for (let i = 0; i < 3; i++) if (x.v[i] !== y.v[i]) return x.v[i]! - y.v[i]!;
    return 0;
  });
}

/**
 * Machine types every binary knows, narrowed by `patterns` (default `all`). Throws
 * VmError 'bad-input' when nothing is left, naming what each binary offers.
 */
export async function sharedMachines(bins: readonly QemuBinary[], patterns: readonly string[] = ['all'], didYouMean: (name: string, known: readonly string[]) => string = () => ''): Promise<string[]> {
  const lists = await Promise.all(bins.map(listMachines));
  const names = lists.map((l) => new Set(l.map((m) => m.name)));
  const common = [...names[0]!].filter((n) => names.every((s) => s.has(n)));
  const versioned = new Set(lists.flatMap((l) => l.filter(isVersioned).map((m) => m.name)));
  const picked = selectMachines(common, patterns, versioned);
  if (picked.length === 0) {
    throw new VmError({
      kind: 'bad-input',
      message: `no machine type matching ${patterns.join(', ')} is known to ${bins.map((b) => `${b.name} (${b.version})`).join(' and ')}${patterns.length === 1 ? didYouMean(patterns[0]!, common) : ''}; shared versioned types: ${selectMachines(common, ['all'], versioned).slice(-6).join(', ') || 'none'}…`,
    });
  }
  return picked;
}
