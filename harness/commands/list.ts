import { defineCommand, parseCommand } from '../args.js';
import { releases } from '../../scenarios/releases/index.js';
import { loadScenarios } from '../scenarios.js';
import type { Io } from '../io.js';
import { jsonEnvelope } from '../envelope.js';
import { toolVersion } from '../paths.js';

export function listCommand(argv: string[], io: Io): number {
  const cmd = defineCommand('list', {
    usage: '[--json]',
    description: 'The release models with their machine types and devices, and the scenarios (built-in ones and --scenario files).',
    after: 'Exit 0.',
  }).option('--json', 'the same as JSON (in the vmcompat envelope)');
  const parsed = parseCommand<{ json?: boolean }>(cmd, argv, io);
  if (!parsed) return 0;
  const values = parsed.opts;
  const scenarios = loadScenarios();
  const doc = {
    releases: releases.map((r) => ({ name: r.name, machines: r.machines.map((m) => m.name), devices: r.devices.map((d) => d.name) })),
    scenarios: scenarios.map((s) => ({ name: s.name, description: s.description, cases: s.cases.length })),
  };
  if (values.json) {
    io.out(jsonEnvelope('list', doc, toolVersion()));
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
