import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type fc from 'fast-check';
import { base, mutations } from '../../scenarios/mutations/mutdev.js';
import { findRelease } from '../../scenarios/releases/index.js';
import { deviceStateArbitrary } from '../../scenarios/devices/gen-registry.js';
import { stateArbitrary } from '../gen/index.js';
import type { Engine } from '../machine/engine.js';
import type { State } from '../vmstate/types.js';
import { runCase } from './run.js';
import { CAUSES, CAUSE_DOC, explainByKind } from './explain.js';

const MACHINE = 'pc-q35-1.0';

function arbitrary(engine: Engine, key: string): fc.Arbitrary<State> {
  const refine = engine.release.name === 'next-post-load-rejects' ? (s: State) => ((s.a = Number(s.a) % 200), s) : undefined;
  return stateArbitrary(engine, key, { refine });
}

const run = (from: typeof base, to: typeof base) =>
  runCase({ device: 'mutdev', from, to, machine: MACHINE }, null, { kind: 'property', arbitrary, runs: 300, seed: 20261203 });

/** The cause each broken mutation class must be explained by, in each direction that fails. */
const want: Record<string, string> = {
  'field-added': 'ungated-field',
  'nested-bump': 'nested-version',
  'vstruct-bump': 'nested-version',
  'subsection-always': 'subsection-unknown',
  'minimum-raised:forward': 'section-version-too-old',
  'minimum-raised:backward': 'section-version-too-new',
  'version-bump': 'section-version-too-new',
  'vstruct-parent-version': 'section-version-too-new',
  'width-changed': 'field-width',
  'array-grown': 'array-length',
  'field-removed': 'ungated-field',
  'field-unused': 'field-dropped',
  'compat-missing': 'compat-property-missing',
  'equal-differs': 'equal-value',
  'post-load-rejects': 'load-validator',
};

describe('every failure of the mutation suite is explained by its class', () => {
  const failing = mutations.filter((m) => m.forward !== 'pass' || m.backward !== 'pass');
  for (const m of failing) {
    for (const dir of ['forward', 'backward'] as const) {
      if (m[dir] === 'pass') continue;
      it(`${m.name} ${dir}`, () => {
        const r = dir === 'forward' ? run(base, m.release) : run(m.release, base);
        expect(r.status).toBe('fail');
        expect(r.cause).toBe(want[`${m.name}:${dir}`] ?? want[m.name]);
        expect(r.why).toBeTruthy();
        expect(r.why).not.toContain('\n');
        expect(r.hint).toBeTruthy();
      });
    }
  }
  it('the compat-property cause names the property, the value and the compat array', () => {
    const m = mutations.find((x) => x.name === 'compat-missing')!;
    const r = run(base, m.release);
    expect(r.why).toContain('mutdev.x-z');
    expect(r.hint).toBe('add { "mutdev", "x-z", "off" } to hw_compat_1_0');
  });
});

describe('the seed bug', () => {
  const r = (from: string, to: string) =>
    runCase({ device: 'virtio-gpu', from: findRelease(from)!, to: findRelease(to)!, machine: 'pc-q35-8.2' }, null, {
      kind: 'property',
      arbitrary: deviceStateArbitrary,
      runs: 20,
      seed: 1837467,
    });
  it('both directions: a nested struct version not on the wire, naming the VMSD and its two versions', () => {
    for (const [a, b] of [['8.2.0', '9.0.0'], ['9.0.0', '8.2.0']] as const) {
      const res = r(a, b);
      expect(res.status).toBe('fail');
      expect(res.cause).toBe('nested-version');
      expect(res.why).toMatch(/virtio-gpu-one-scanout is version (1|2) in \S+ and (1|2) in \S+/);
      expect(res.why).toMatch(/fb\.format/);
      expect(res.hint).toMatch(/compat property/);
    }
  });
});

describe('the vocabulary', () => {
  it('is documented, each cause once, in README.md and the report schema', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const schema = JSON.parse(readFileSync(new URL('../../harness/reporters/report.schema.json', import.meta.url), 'utf8'));
    const section = readme.split('### Why it failed')[1]!.split('\n## ')[0]!.split('\n### ')[0]!;
    for (const c of CAUSES) expect(section).toContain(`\`${c}\``);
    expect(schema.$defs.case.properties.cause.oneOf[1].enum).toEqual([...CAUSES]);
    for (const c of CAUSES) expect(CAUSE_DOC[c].summary.length).toBeGreaterThan(10);
  });
  it('kinds alone map to a cause (real binaries, no model)', () => {
    const f = { stage: 'forward', saver: 'a', loader: 'b', path: null, vmsd: null, offset: null, qemuKind: null } as const;
    expect(explainByKind({ ...f, kind: 'post-load-failed', message: 'virtio: guest features 0x3 are not a subset', qemu: ['Features 0x3 unsupported. Allowed features: 0x1'] }).cause).toBe('feature-bits');
    expect(explainByKind({ ...f, kind: 'unknown-subsection', message: 'x', qemu: [] }).cause).toBe('subsection-unknown');
    expect(explainByKind({ ...f, kind: 'short-read', message: 'x', qemu: [] }).cause).toBe('unexplained');
  });
});
