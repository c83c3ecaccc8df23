import { parseArgs } from 'node:util';
import { releases } from '../../scenarios/releases/index.js';
import { loadScenarios } from '../scenarios.js';
import type { Io } from '../io.js';

export function listCommand(argv: string[], io: Io): number {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, strict: true });
  const scenarios = loadScenarios();
  const doc = {
    releases: releases.map((r) => ({ name: r.name, machines: r.machines.map((m) => m.name), devices: r.devices.map((d) => d.name) })),
    scenarios: scenarios.map((s) => ({ name: s.name, description: s.description, cases: s.cases.length })),
  };
  if (values.json) {
    io.out(JSON.stringify(doc, null, 2));
    return 0;
  }
  for (const r of doc.releases) {
    io.out(`${r.name}`);
    io.out(`  machines: ${r.machines.join(' ')}`);
    io.out(`  devices:  ${r.devices.join(' ')}`);
  }
  io.out('scenarios:');
  for (const s of doc.scenarios) io.out(`  ${s.name} (${s.cases} cases)`);
  return 0;
}
