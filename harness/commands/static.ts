import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { didYouMean, releaseAlias } from '../names.js';
import { jsonEnvelope } from '../envelope.js';
import { toolVersion } from '../paths.js';
import { parseDump, staticDiff, type Source } from '../../src/static/index.js';
import { formatReport } from '../../src/static/format.js';
import type { Io } from '../io.js';
import { readableFile } from '../files.js';

/** A -dump-vmstate file when ARG is one, else a release name (the models load only then; `modules` are --releases files). */
export async function resolveSource(arg: string, flag: string, modules: readonly string[] = []): Promise<Source> {
  let isFile = false;
  try {
    isFile = statSync(arg).isFile();
  } catch {
    isFile = false;
  }
  if (isFile) return { kind: 'dump', dump: parseDump(readFileSync(arg, 'utf8'), arg), label: basename(arg) };
  if (arg.includes('/')) throw usageError(`${flag} ${arg}: no such -dump-vmstate file`);
  const { loadReleases } = await import('../releases.js');
  const releases = await loadReleases(modules);
  const known = releases.map((r) => r.name);
  const name = releaseAlias(arg, known);
  const release = releases.find((r) => r.name === name);
  if (release) return { kind: 'release', release };
  throw usageError(`${flag} ${arg}: neither a release nor a readable -dump-vmstate file${didYouMean(arg, known)} (releases: ${known.join(', ')})`);
}

export async function staticCommand(argv: string[], io: Io): Promise<number> {
  const cmd = defineCommand('static', {
    usage: '--from A --to B [--machine M]... [--releases FILE]... [--verbose] [--json]',
    description: `Compares the VMState schemas of A and B device by device, without running
anything. A and B are release names (see 'vmcompat list'; a short version for the
newest of its series: 8.2 for 8.2.0, 9.0 for 9.0.1) or
files written by \`qemu-system-<arch> -M <machine> -dump-vmstate FILE\`.
Each change is reported with its severity (breaking-forward = A→B,
breaking-backward = B→A, breaking-both, compatible, info) and the reason.
By default one line per device (devices that break alike share a line)
names every break and the way it breaks; --verbose prints every finding
with its reason. Release models are judged per machine type with its compat properties
(default: every machine type both know); a dump is one machine type.`,
    after: `Exit 0 when nothing breaks at the requested machine types, 1 when something
does, 2 on a usage error or a malformed dump.`,
  })
    .option('--from <A>', 'the older side: a release name or a -dump-vmstate file')
    .option('--to <B>', 'the newer side: a release name or a -dump-vmstate file')
    .option('--machine <M>', 'only this machine type (repeatable; release models only)', repeatable)
    .option('--releases <FILE>', 'add the release models an ES module exports, as check takes them (repeatable)', repeatable)
    .option('-v, --verbose', 'every finding with its reason, not one line per device')
    .option('--json', 'the report as JSON (in the vmcompat envelope)');
  const parsed = parseCommand<{ from?: string; to?: string; machine?: string[]; releases?: string[]; json?: boolean; verbose?: boolean }>(cmd, argv, io);
  if (!parsed) return 0;
  const values = parsed.opts;
  if (!values.from || !values.to) throw usageError(`both --from and --to are required\n(run 'vmcompat static --help' for the options)`);
  for (const m of values.releases ?? []) readableFile(m, '--releases');
  // as releaseModules has them; harness/releases.js (and the models) load only when a release is named
  const modules = (values.releases ?? []).map((p) => resolve(p));
  const a = await resolveSource(values.from, '--from', modules);
  const b = await resolveSource(values.to, '--to', modules);
  // dumps are named by file name in reasons, by path only when the names clash
  if (a.kind === 'dump' && b.kind === 'dump' && basename(values.from) === basename(values.to)) {
    a.label = values.from;
    b.label = values.to;
  }
  const report = staticDiff(a, b, { machines: values.machine ?? [] });
  if (values.json) io.out(jsonEnvelope('static', report, toolVersion()));
  else for (const line of formatReport(report, { color: io.color, verbose: values.verbose === true })) io.out(line);
  return report.summary.breaks ? 1 : 0;
}
