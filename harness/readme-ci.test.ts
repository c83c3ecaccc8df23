/**
 * The README's CI recipes, run as written: each recipe's vmcompat commands
 * with the CI system's variables filled in (shards of a small slice of the
 * matrix, so that it stays quick), then its merge command.
 */
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { collectIo } from './io.js';
import { packageRoot } from './paths.js';

const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'vmcompat-readme-ci-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function yamlBlocks(): string[] {
  return [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** `npx vmcompat …` lines of a YAML block, in order. */
function commands(block: string): string[] {
  return block
    .split('\n')
    .map((l) => /(?:-|run:)\s+(npx vmcompat .*)$/.exec(l)?.[1])
    .filter((l): l is string => Boolean(l))
    .map((l) => l.replace(/^npx vmcompat /, ''));
}

/** A shell word split good enough for these lines: quotes removed, variables substituted, reports/ moved to a temp folder. */
function argv(line: string, vars: Record<string, string>, root: string): string[] {
  let s = line.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, k: string) => vars[k] ?? `<${k}>`).replace(/\$(\w+)/g, (_, k: string) => vars[k] ?? `<${k}>`);
  s = s.replace(/"/g, '');
  return s.split(/\s+/).flatMap((w) => {
    const word = w.replace(/^reports\//, `${root}/`);
    if (!word.includes('*')) return [word];
    const [parent, pattern] = [word.slice(0, word.lastIndexOf('/')), word.slice(word.lastIndexOf('/') + 1)];
    const re = new RegExp('^' + pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*') + '$');
    return readdirSync(parent).filter((f) => re.test(f)).sort().map((f) => join(parent, f));
  });
}

// keep it quick: one device, one pair, a few states (later options win over the recipe's)
const SMALL = ['--device', 'isa-ipmi-kcs', '--pair', '8.2.0:9.0.0', '--machine', 'pc-q35-*', '--runs', '2', '--workers', '1'];

describe('the README CI recipes', () => {
  const [gitlab, github] = yamlBlocks();

  it('there is a GitLab recipe with parallel shards, a merge job and a JUnit report, and a GitHub Actions one', () => {
    expect(gitlab).toMatch(/parallel: \d+/);
    expect(gitlab).toContain('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"');
    expect(gitlab).toMatch(/reports:\n\s+junit: reports\/nightly\/junit\.xml/);
    expect(gitlab).toContain('$CI_PIPELINE_SOURCE == "schedule"');
    expect(github).toMatch(/schedule:/);
    expect(github).toMatch(/matrix:\n\s+shard: \[1, 2, 3, 4\]/);
  });

  // How each CI system carries a shard's folder to the merge job: GitLab keeps the artifact paths, GitHub downloads each artifact into a folder named after it.
  const keep = () => {};
  const githubArtifacts = (root: string) => {
    for (let k = 1; k <= 4; k++) renameSync(join(root, `shard-${k}`), join(root, `vmcompat-shard-${k}`));
  };
  it.each([
    ['GitLab', 0, (k: number) => ({ CI_PIPELINE_IID: '1234', CI_NODE_INDEX: String(k), CI_NODE_TOTAL: '4' }), keep],
    ['GitHub', 1, (k: number) => ({ 'github.run_number': '1234', 'matrix.shard': String(k) }), githubArtifacts],
  ] as const)('%s: the shard commands and the merge command work as written', async (name, i, vars, transfer) => {
    const [shard, merge] = commands(yamlBlocks()[i]!);
    expect(shard).toMatch(/^check /);
    expect(merge).toMatch(/^merge-reports /);
    const root = join(dir, name);
    for (let k = 1; k <= 4; k++) {
      const io = collectIo();
      expect(await main([...argv(shard!, vars(k), root), ...SMALL], io), io.errors.join('\n')).toBe(0);
    }
    transfer(root);
    const io = collectIo();
    expect(await main(argv(merge!, vars(1), root), io), io.errors.join('\n')).toBe(0);
    for (const f of ['junit.xml', 'report.json', 'summary.md', 'report.html']) expect(existsSync(join(root, 'nightly', f))).toBe(true);
    const report = JSON.parse(readFileSync(join(root, 'nightly', 'report.json'), 'utf8'));
    expect(report.config.seed).toBe(1234);
    expect(report.shards).toHaveLength(4);
    expect(report.cases).toHaveLength(report.plan.total);
  });
});
