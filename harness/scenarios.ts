import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VmError } from '../src/wire/errors.js';
import { parseScenario, type Scenario } from '../src/check/scenario.js';
import { builtinScenarioDir } from './paths.js';

/** Reads scenario files: the built-in folder, or the files and folders given. */
export function loadScenarios(paths: readonly string[] = []): Scenario[] {
  const files: string[] = [];
  const targets = paths.length ? paths : [builtinScenarioDir()];
  for (const p of targets) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new VmError({ kind: 'bad-input', message: `scenario path '${p}' does not exist` });
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) if (f.endsWith('.json')) files.push(join(p, f));
    } else files.push(p);
  }
  return files.map((f) => parseScenario(readFileSync(f, 'utf8'), f));
}
