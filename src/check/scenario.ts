import { VmError, type ErrorKind } from '../wire/errors.js';

/**
 * What a scenario says a case should do. A failure names the kind it fails
 * with; where QEMU's behaviour allows more than one (two independent breaks
 * in one pair, which one a state meets first depending on the state), the
 * others are in `orKinds`, and any of them is the expected failure.
 */
export type Expectation = { status: 'pass' } | { status: 'fail'; kind: ErrorKind; orKinds?: readonly ErrorKind[] };

/** Every failure kind an expectation accepts (none for a pass). */
export function expectedKinds(e: Expectation): readonly ErrorKind[] {
  return e.status === 'fail' ? [e.kind, ...(e.orKinds ?? [])] : [];
}

/** Whether a failure of `kind` is what `e` expects. */
export function failsAsExpected(e: Expectation, kind: string | null): boolean {
  return kind !== null && (expectedKinds(e) as readonly string[]).includes(kind);
}

/** The expected failure kinds as one phrase ("a or b"), null for a pass. */
export function expectedKindText(e: Expectation): string | null {
  return e.status === 'fail' ? expectedKinds(e).join(' or ') : null;
}

/** One expanded case of a scenario. */
export interface ScenarioCase {
  device: string;
  from: string;
  to: string;
  machine: string;
  expect: Expectation;
  /** One line pointing at the QEMU change that explains the expectation. */
  reference?: string;
  scenario: string;
}

export interface Scenario {
  name: string;
  description: string;
  cases: ScenarioCase[];
}

const KINDS: ReadonlySet<string> = new Set<ErrorKind>([
  'short-read', 'footer-missing', 'footer-id-mismatch', 'footer-read-error', 'unknown-section', 'unknown-section-type',
  'unknown-subsection', 'section-version-too-new', 'version-too-new', 'version-too-old', 'equal-mismatch', 'int32-le-range',
  'validation-failed', 'nullptr-marker', 'post-load-failed', 'value-changed', 'missing-section', 'state-loss', 'machine-mismatch',
  'config-missing', 'truncated', 'bad-state', 'pre-load-failed', 'pre-save-failed', 'post-save-failed',
]);

function bad(file: string, where: string, message: string): VmError {
  return new VmError({ kind: 'bad-input', message: `${file}: ${where}: ${message}` });
}

function strings(v: unknown, file: string, where: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((x) => typeof x === 'string' && x.length > 0)) {
    throw bad(file, where, `expected a non-empty string or list of strings, found ${JSON.stringify(v)}`);
  }
  return list as string[];
}

function expectation(v: unknown, file: string, where: string): Expectation {
  if (v === 'pass' || (typeof v === 'object' && v !== null && (v as { status?: unknown }).status === 'pass')) return { status: 'pass' };
  if (typeof v === 'object' && v !== null && (v as { status?: unknown }).status === 'fail') {
    const raw = (v as { kind?: unknown }).kind;
    // one kind, or a non-empty list of distinct kinds any of which is expected
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0) throw bad(file, `${where}.kind`, 'an empty list of failure kinds (name at least one)');
    list.forEach((kind, i) => {
      const at = Array.isArray(raw) ? `${where}.kind[${i}]` : `${where}.kind`;
      if (typeof kind !== 'string' || !KINDS.has(kind)) {
        throw bad(file, at, `unknown failure kind ${JSON.stringify(kind)} (known: ${[...KINDS].join(', ')})`);
      }
      if (list.indexOf(kind) !== i) throw bad(file, at, `failure kind '${kind}' listed twice`);
    });
    const [kind, ...rest] = list as ErrorKind[];
    return rest.length ? { status: 'fail', kind: kind!, orKinds: rest } : { status: 'fail', kind: kind! };
  }
  throw bad(file, where, `expected "pass" or {"status": "fail", "kind": K or [K, …]}, found ${JSON.stringify(v)}`);
}

/**
 * Parses a scenario file. `from`, `to` and `machine` may be lists: the case
 * stands for every combination (with from ≠ to).
 */
export function parseScenario(text: string, file: string): Scenario {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(file, 'JSON', (e as Error).message);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad(file, 'top level', 'expected an object');
  const o = doc as Record<string, unknown>;
  if (typeof o.name !== 'string' || !o.name) throw bad(file, 'name', 'missing or not a string');
  if (!Array.isArray(o.cases) || o.cases.length === 0) throw bad(file, 'cases', 'missing or empty');
  const cases: ScenarioCase[] = [];
  o.cases.forEach((c, i) => {
    const where = `cases[${i}]`;
    if (typeof c !== 'object' || c === null) throw bad(file, where, 'expected an object');
    const x = c as Record<string, unknown>;
    for (const k of Object.keys(x)) {
      if (!['device', 'from', 'to', 'machine', 'expect', 'reference'].includes(k)) throw bad(file, where, `unknown key '${k}'`);
    }
    const devices = strings(x.device, file, `${where}.device`);
    const froms = strings(x.from, file, `${where}.from`);
    const tos = strings(x.to, file, `${where}.to`);
    const machines = strings(x.machine, file, `${where}.machine`);
    const expect = expectation(x.expect, file, `${where}.expect`);
    if (x.reference !== undefined && typeof x.reference !== 'string') throw bad(file, `${where}.reference`, 'not a string');
    for (const device of devices)
      for (const from of froms)
        for (const to of tos)
          for (const machine of machines) {
            if (from === to) continue;
            cases.push({ device, from, to, machine, expect, reference: x.reference as string | undefined, scenario: o.name as string });
          }
  });
  return { name: o.name, description: typeof o.description === 'string' ? o.description : '', cases };
}
