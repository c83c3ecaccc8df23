import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The device configuration a default build gets (what `#include
 * CONFIG_DEVICES` would define): QEMU's Kconfig files solved the way its
 * minikconf does with --defconfig, from the target's default.mak, the
 * host facts and the target symbols. A symbol is on when forced by
 * default.mak, or its dependencies hold and it is selected, implied or
 * defaulted on by a condition that holds.
 */
interface Symbol {
  name: string;
  depends: string[];
  defaults: string[];
  /** Symbols this one selects or implies, with their conditions. */
  selects: { target: string; cond: string | null }[];
  implies: { target: string; cond: string | null }[];
}

export interface KconfigInput {
  /** `configs/devices/x86_64-softmmu/default.mak`, relative to the tree. */
  defaults: string;
  /** Symbols the host and the accelerators set (`KVM`, `TPM`, `LINUX` …) and the target (`X86_64`). */
  given: string[];
}

export const X86_64_KCONFIG: KconfigInput = {
  defaults: 'configs/devices/x86_64-softmmu/default.mak',
  given: ['KVM', 'TCG', 'X86_64', 'LINUX', 'TPM', 'PIXMAN', 'SPICE', 'IVSHMEM', 'OPENGL', 'GNUTLS', 'X11', 'FDT', 'VHOST_USER', 'VHOST_KERNEL', 'VHOST_VDPA', 'VIRTFS', 'MULTIPROCESS_ALLOWED', 'HV_BALLOON_POSSIBLE'],
};

function read(root: string, rel: string): string | null {
  try {
    return readFileSync(join(root, rel), 'utf8');
  } catch {
    return null;
  }
}

function parseKconfig(root: string, rel: string, out: Map<string, Symbol>, seen: Set<string>) {
  if (seen.has(rel)) return;
  seen.add(rel);
  const text = read(root, rel);
  if (text === null) return;
  let cur: Symbol | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    let m;
    if ((m = /^source\s+(\S+)/.exec(line))) {
      // paths are relative to the including file's folder
      parseKconfig(root, join(dirname(rel), m[1]!), out, seen);
      cur = null;
    } else if ((m = /^config\s+(\w+)/.exec(line))) {
      cur = out.get(m[1]!) ?? { name: m[1]!, depends: [], defaults: [], selects: [], implies: [] };
      out.set(cur.name, cur);
    } else if (!cur) continue;
    else if ((m = /^depends on\s+(.+)$/.exec(line))) cur.depends.push(m[1]!);
    else if ((m = /^default\s+y\b(?:\s+if\s+(.+))?$/.exec(line))) cur.defaults.push(m[1] ?? 'y');
    else if ((m = /^(select|imply)\s+(\w+)(?:\s+if\s+(.+))?$/.exec(line))) (m[1] === 'select' ? cur.selects : cur.implies).push({ target: m[2]!, cond: m[3] ?? null });
  }
}

/** A Kconfig expression (`A && !B || (C)`) over the current values. */
function truth(expr: string, on: ReadonlySet<string>): boolean {
  const toks = expr.match(/\w+|&&|\|\||!|\(|\)|=/g) ?? [];
  let i = 0;
  const or = (): boolean => {
    let v = and();
    while (toks[i] === '||') i++, (v = and() || v);
    return v;
  };
  const and = (): boolean => {
    let v = not();
    while (toks[i] === '&&') i++, (v = not() && v);
    return v;
  };
  const not = (): boolean => {
    if (toks[i] === '!') return i++, !not();
    if (toks[i] === '(') {
      i++;
      const v = or();
      i++;
      return v;
    }
    const t = toks[i++] ?? 'n';
    return t === 'y' || on.has(t);
  };
  return or();
}

/** The CONFIG_* device symbols that are on (names without the prefix). */
export function solveKconfig(root: string, input: KconfigInput = X86_64_KCONFIG): Set<string> {
  const syms = new Map<string, Symbol>();
  parseKconfig(root, 'Kconfig', syms, new Set());
  const forced = new Map<string, boolean>();
  const mak = (rel: string, depth = 0) => {
    const t = read(root, rel);
    if (t === null || depth > 8) return;
    for (const raw of t.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      const inc = /^include\s+(\S+)/.exec(line);
      if (inc) mak(join(dirname(rel), inc[1]!), depth + 1);
      const m = /^CONFIG_(\w+)=([yn])/.exec(line);
      if (m) forced.set(m[1]!, m[2] === 'y');
    }
  };
  mak(input.defaults);
  const given = new Set(input.given);
  let on = new Set<string>(given);
  for (let round = 0; round < 50; round++) {
    const next = new Set<string>(given);
    const pulled = new Set<string>();
    for (const s of syms.values()) {
      if (!on.has(s.name)) continue;
      for (const x of s.selects) if (x.cond === null || truth(x.cond, on)) pulled.add(x.target);
      for (const x of s.implies) if (forced.get(x.target) !== false && (x.cond === null || truth(x.cond, on))) pulled.add(x.target);
    }
    for (const s of syms.values()) {
      if (given.has(s.name)) continue;
      const f = forced.get(s.name);
      if (f === false) continue;
      const deps = s.depends.every((d) => truth(d, on));
      if (!deps) continue;
      if (f === true || pulled.has(s.name) || s.defaults.some((d) => truth(d, on))) next.add(s.name);
    }
    const same = next.size === on.size && [...next].every((x) => on.has(x));
    on = next;
    if (same) break;
  }
  return on;
}
