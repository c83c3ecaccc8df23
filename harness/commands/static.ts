import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { releases, findRelease } from '../../scenarios/releases/index.js';
import { VmError } from '../../src/wire/errors.js';
import { parseDump, staticDiff, type Source } from '../../src/static/index.js';
import { formatReport } from '../../src/static/format.js';
import type { Io } from '../io.js';

export const staticHelp = `usage: vmcompat static --from A --to B [--machine M]... [--verbose] [--json]

Compares the VMState schemas of A and B device by device, without running
anything. A and B are release names (${releases.map((r) => r.name).join(', ')}) or
files written by \`qemu-system-<arch> -M <machine> -dump-vmstate FILE\`.
Each change is reported with its severity (breaking-forward = A→B,
breaking-backward = B→A, breaking-both, compatible, info) and the reason.
By default one line per device (devices that break alike share a line)
names every break and the way it breaks; --verbose prints every finding
with its reason. Release models are judged per machine type with its compat properties
(default: every machine type both know); a dump is one machine type.
Exit 0 when nothing breaks at the requested machine types, 1 when something
does, 2 on a usage error or a malformed dump.`;

/** A release name, or a readable file (a -dump-vmstate JSON). */
export function resolveSource(arg: string, flag: string): Source {
  const release = findRelease(arg);
  if (release) return { kind: 'release', release };
  let isFile = false;
  try {
    isFile = statSync(arg).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new VmError({
      kind: 'bad-input',
      message: `${flag} ${arg}: neither a release (${releases.map((r) => r.name).join(', ')}) nor a readable -dump-vmstate file`,
    });
  }
  return { kind: 'dump', dump: parseDump(readFileSync(arg, 'utf8'), arg), label: basename(arg) };
}

export function staticCommand(argv: string[], io: Io): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      machine: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.out(staticHelp);
    return 0;
  }
  if (!values.from || !values.to) {
    throw new VmError({ kind: 'bad-input', message: `both --from and --to are required\n${staticHelp}` });
  }
  const a = resolveSource(values.from, '--from');
  const b = resolveSource(values.to, '--to');
  // dumps are named by file name in reasons, by path only when the names clash
  if (a.kind === 'dump' && b.kind === 'dump' && basename(values.from) === basename(values.to)) {
    a.label = values.from;
    b.label = values.to;
  }
  const report = staticDiff(a, b, { machines: values.machine ?? [] });
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else for (const line of formatReport(report, { color: io.color, verbose: values.verbose })) io.out(line);
  return report.summary.breaks ? 1 : 0;
}
