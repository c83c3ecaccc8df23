/**
 * The release list a command works with: the built-in models, then any the
 * user adds with `--releases FILE` — an ES module (JavaScript; compile a
 * TypeScript one first) that exports `releases` (or a default export): a
 * Release or a list of them, built with vmcompat's own DSL.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VmError } from '../src/wire/errors.js';
import type { Release } from '../src/machine/types.js';
import { releases as builtin } from '../scenarios/releases/index.js';

const bad = (message: string) => new VmError({ kind: 'bad-input', message });

function isRelease(x: unknown): x is Release {
  const r = x as Release;
  return typeof r === 'object' && r !== null && typeof r.name === 'string' && Array.isArray(r.machines) && Array.isArray(r.devices);
}

/** Absolute paths, so that worker threads resolve them the same way. */
export function releaseModules(paths: readonly string[] | undefined): string[] {
  return (paths ?? []).map((p) => resolve(p));
}

export async function loadReleases(modules: readonly string[]): Promise<Release[]> {
  const all = [...builtin];
  for (const file of modules) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (e) {
      throw bad(`--releases ${file}: cannot be imported: ${(e as Error).message.split('\n')[0]}`);
    }
    const exported = mod.releases ?? mod.default;
    const list = Array.isArray(exported) ? exported : [exported];
    if (list.length === 0 || !list.every(isRelease)) {
      throw bad(`--releases ${file}: export 'releases' (or a default export): a Release or a list of them, each with a name, machines and devices`);
    }
    for (const r of list) {
      if (all.some((x) => x.name === r.name)) throw bad(`--releases ${file}: release '${r.name}' is already defined`);
      all.push(r);
    }
  }
  return all;
}
