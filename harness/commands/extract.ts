import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import picomatch from 'picomatch';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { extractCached, writeModel, type Cached } from '../extract-cache.js';
import { writableFile } from '../files.js';
import { jsonEnvelope } from '../envelope.js';
import { machineAlias, resolveGlobs } from '../names.js';
import { packageRoot, toolVersion } from '../paths.js';
import type { Io } from '../io.js';
import { dumpVmstate } from '../../src/qemu/import.js';
import { installedModules, resolveQemu, type QemuBinary } from '../../src/qemu/binaries.js';
import { coverage, COVERAGE_TARGET, coverageHolds, defaultValidationMachines, type Coverage } from '../../src/source/coverage.js';
import type { ExtractedRelease } from '../../src/source/model.js';
import { classSetAgainstDump, type ClassSet } from '../../src/source/validate.js';
import type { MachineValidation } from '../../src/source/machines/validate.js';
import { parseDump } from '../../src/static/dump.js';
import { compareWithBinary, formatValidation, machinesHold, queryMachines } from './extract-machines.js';

/** Where extracted models are cached, keyed by tree version, extractor version and the tree's files. */
export const extractCacheDir = () => join(packageRoot(), '.cache', 'extracted');

export interface Validated {
  binary: { path: string; version: string };
  coverage: Coverage;
  /** The model's device classes against the binary's (at the first machine type compared). */
  classes: ClassSet | null;
  machineTypes: MachineValidation;
}

/** What `extract` found, in a few numbers (the model itself is in the file). */
export function summary(c: Cached) {
  const m = c.model;
  return {
    version: m.version,
    tree: m.tree,
    target: m.target,
    file: c.file,
    cached: c.hit,
    ms: c.ms,
    files: m.files,
    vmsds: m.vmsds.length,
    classes: m.classes.length,
    registers: m.registers.length,
    propertyArrays: m.properties.length,
    compatArrays: Object.keys(m.compatArrays).length,
    machines: m.machines.length,
    unresolved: m.unresolved.length,
  };
}

/**
 * The model held against the binary built from the tree: its -dump-vmstate
 * at each machine type (default: the newest and the oldest pc-q35 and
 * pc-i440fx both know) and its query-machines (machine types, flags, and
 * compat lists where the binary reports them).
 */
export async function validateRelease(model: ExtractedRelease, bin: QemuBinary, machineGlobs?: string[]): Promise<Validated> {
  const query = await queryMachines(bin);
  const known = query.map((q) => q.name).filter((n) => model.machines.some((m) => m.name === n));
  let machines: string[];
  if (machineGlobs) {
    const globs = resolveGlobs(machineGlobs, known, '--machine', machineAlias)!;
    const match = picomatch(globs, { nobrace: false });
    machines = known.filter((n) => match(n));
  } else machines = defaultValidationMachines(model.machines.map((m) => m.name), known);
  const dumps = [];
  for (const machine of machines) {
    const doc = await dumpVmstate(bin, machine);
    dumps.push(parseDump(JSON.stringify(doc), `${bin.path} -M ${machine} -dump-vmstate`));
  }
  const machineTypes = compareWithBinary({ version: model.version, root: model.tree, machines: model.machines, compatArrays: model.compatArrays, unresolved: [] }, bin, query);
  const classes = dumps[0] ? classSetAgainstDump(model, dumps[0], installedModules(bin)) : null;
  return { binary: { path: bin.path, version: bin.version }, coverage: coverage(model, dumps), classes, machineTypes };
}

export function formatCoverage(c: Coverage): string[] {
  const lines: string[] = [];
  for (const m of c.machines) {
    lines.push(`${c.version} at ${m.machine}: ${m.matched}/${m.total} device classes match field by field (${m.percent.toFixed(1)} %)`);
    for (const x of m.mismatches) lines.push(`  MISMATCH ${x.device}: ${x.path}: ${x.reason}${x.at ? ` (${x.at.file}:${x.at.line})` : ''}`);
  }
  if (!c.machines.length) lines.push(`${c.version}: no machine type compared (the tree and the binary share no pc-q35 or pc-i440fx machine type)`);
  return lines;
}

/** The class-set line: what the binary has that the model misses, and what the model has beyond it (with the module it is in). */
export function formatClassSet(version: string, c: ClassSet): string[] {
  const mods = new Map<string, string[]>();
  for (const u of c.uninstalled) mods.set(u.module, [...(mods.get(u.module) ?? []), u.device]);
  const lines = [`${version}: ${c.model} device classes with a VMSD, the binary ${c.binary}: ${c.missing.length} missing, ${c.extra.length} more, ${c.uninstalled.length} in modules the binary does not have`];
  if (c.missing.length) lines.push(`  MISSING ${c.missing.join(', ')}`);
  if (c.extra.length) lines.push(`  MORE ${c.extra.join(', ')}`);
  for (const [m, ds] of mods) lines.push(`  not installed: ${m} (${ds.join(', ')})`);
  return lines;
}

export async function extractCommand(argv: string[], io: Io): Promise<number> {
  const cmd = defineCommand('extract', {
    usage: 'DIR [-o FILE] [--validate BIN [--machine M]...] [--refresh] [--json]',
    description: `Reads the QEMU source tree DIR (the release is named from its VERSION
file; nothing is built or configured) and extracts its release model: every
VMStateDescription with its fields and subsections, the Property arrays with
their defaults, the compat arrays and machine types, the QOM TypeInfos with
the VMSD each class sets, each entry with its source file:line, and the list
of what could not be resolved with the reason. The model is cached under
.cache/extracted (keyed by the tree's version, the extractor's version and
its files' sizes and times); -o writes it to FILE as JSON.

--validate BIN holds the model against the binary built from the tree (a
path, or 7.2 / 10.0 for the provisioned ones): its -dump-vmstate at each
machine type, device class by device class and field by field, and its
query-machines.`,
    after: `Exit 0 when the model was extracted (and, with --validate, at least ${COVERAGE_TARGET} % of
the device classes match at every machine type and the machine types equal
query-machines), 1 when the validation falls short, 2 on a bad tree, binary
or option.`,
  })
    .argument('[DIR]')
    .option('-o, --output <FILE>', 'write the model to FILE as JSON')
    .option('--validate <BIN>', 'hold the model against this QEMU binary (path, 7.2 or 10.0)')
    .option('--machine <M>', 'validate at these machine types (repeatable; globs, q35 / i440fx; default: newest and oldest pc-q35 and pc-i440fx)', repeatable)
    .option('--refresh', 'extract again even when a cached model matches')
    .option('--json', 'the result as JSON (in the vmcompat envelope): the summary, the model unless -o, and the validation');
  const parsed = parseCommand<{ output?: string; validate?: string; machine?: string[]; refresh?: boolean; json?: boolean }>(cmd, argv, io);
  if (!parsed) return 0;
  const [dir] = parsed.args;
  const o = parsed.opts;
  if (!dir) throw usageError(`a QEMU source tree is required\n(run 'vmcompat extract --help' for the options)`);
  if (o.machine && !o.validate) throw usageError('--machine needs --validate BIN');
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw usageError(`${dir}: does not exist (expected a QEMU source tree)`);
  }
  if (!isDir) throw usageError(`${dir}: is a file, not a QEMU source tree`);
  if (o.output) writableFile(o.output, '-o');
  // the binary is checked before the (long) extraction
  const bin = o.validate ? await resolveQemu(o.validate) : null;
  const cached = await extractCached(resolve(dir), { cacheDir: extractCacheDir(), refresh: o.refresh === true });
  if (o.output) writeModel(resolve(o.output), cached.model);
  const validated = bin ? await validateRelease(cached.model, bin, o.machine) : null;
  const ok = !validated || (coverageHolds(validated.coverage) && machinesHold(validated.machineTypes));
  if (o.json) {
    io.out(jsonEnvelope('extract', { summary: summary(cached), ...(o.output ? {} : { model: cached.model }), ...(validated ? { validation: validated } : {}) }, toolVersion()));
    return ok ? 0 : 1;
  }
  const s = summary(cached);
  io.out(
    `${s.version} (${s.target}): ${s.vmsds} VMSDs, ${s.classes} classes, ${s.propertyArrays} Property arrays, ${s.compatArrays} compat arrays, ${s.machines} machine types from ${s.files} files; ${s.unresolved} unresolved`,
  );
  io.out(`${cached.hit ? 'read from the cache' : 'extracted'} in ${(s.ms / 1000).toFixed(1)} s: ${s.file}${o.output ? `\nwritten to ${o.output}` : ''}`);
  if (validated) {
    for (const l of formatCoverage(validated.coverage)) io.out(l);
    if (validated.classes) for (const l of formatClassSet(s.version, validated.classes)) io.out(l);
    for (const l of formatValidation(validated.machineTypes)) if (!l.startsWith('  unchecked: unresolved')) io.out(l);
    io.out(ok ? `validated against ${validated.binary.path} (${validated.binary.version})` : `NOT validated against ${validated.binary.path} (${validated.binary.version}): ${coverageHolds(validated.coverage) ? 'the machine types differ' : `coverage below ${COVERAGE_TARGET} % or nothing compared`}`);
  }
  return ok ? 0 : 1;
}
