/**
 * Every example in the README's ```console blocks, run as written (in a
 * scratch folder with the package's examples/ beside it), with fewer states
 * per case for check and prove (`--runs 3`, a later option wins); its
 * output must contain the README's lines in order, once numbers, hex and
 * absolute paths are set aside ("…" stands for lines left out).
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { packageRoot } from '../harness/paths.js';

const root = packageRoot();
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const cwd = mkdtempSync(join(tmpdir(), 'vmcompat-readme-'));
symlinkSync(join(root, 'examples'), join(cwd, 'examples'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

interface Example {
  command: string;
  output: string[];
}

/** `$ command` lines of the console blocks, each with the lines up to the next one. */
export function examples(text: string): Example[] {
  const out: Example[] = [];
  for (const m of text.matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const line of m[1]!.replace(/\n$/, '').split('\n')) {
      if (line.startsWith('$ ')) out.push({ command: line.slice(2), output: [] });
      else out.at(-1)!.output.push(line);
    }
  }
  return out;
}

/** A line's shape: no colour, absolute paths, hex, numbers or runs of spaces. */
export const shape = (l: string) =>
  l
    .replace(/\x1b\[\d+m/g, '')
    // a shrink path's length depends on how many states were checked (the test runs fewer than the README)
    .replace(/--path [\d:]+/g, '--path P')
    .replace(/(^|[\s(])\/[^\s)]+/g, '$1/P')
    .replace(/0x[0-9a-f]+|\b[0-9a-f]{6}\b/g, 'H')
    .replace(/\d+/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();

/** The README lines not in the output, in order: empty when every one is. */
function missing(expected: readonly string[], actual: readonly string[]): string[] {
  const got = actual.map(shape);
  let at = 0;
  const lost: string[] = [];
  for (const e of expected) {
    if (e.trim() === '…' || e.trim() === '') continue;
    const i = got.indexOf(shape(e), at);
    if (i < 0) lost.push(e);
    else at = i + 1;
  }
  return lost;
}

const all = examples(readme);

describe('the README examples', () => {
  it('there is one for each stop of the tour', () => {
    const verbs = all.map((e) => /^npx vmcompat (\S+)/.exec(e.command)?.[1]).filter(Boolean);
    for (const v of ['qemu', 'decode', 'check', 'repro', 'prove', 'static']) expect(verbs).toContain(v);
    expect(all.some((e) => e.command.includes('--releases examples/'))).toBe(true);
  });

  it('run as written and print what the README shows', async () => {
    for (const ex of all) {
      let cmd = ex.command;
      if (cmd.startsWith('npx vmcompat ')) {
        cmd = `node ${join(root, 'bin', 'vmcompat.js')} ${cmd.slice('npx vmcompat '.length)}`;
        if (/^node \S+ (check|prove) /.test(cmd)) cmd += ' --runs 3';
      }
      const r = await execa('bash', ['-c', cmd], { cwd, reject: false, timeout: 60_000, env: { NO_COLOR: '1' } });
      expect(r.stderr, ex.command).toBe('');
      const lines = r.stdout.split('\n');
      expect(missing(ex.output, lines), `${ex.command}\n--- printed:\n${r.stdout}`).toEqual([]);
      // an example whose output shows a failure exits 1, any other 0
      const failing = /FAILED|^✗ .* · |BREAKS$| UNEXPECTED (FAILURE|PASS)|^differ: /m.test(ex.output.join('\n')) && !/ 0 unexpected/.test(ex.output.join('\n'));
      expect(r.exitCode, ex.command).toBe(failing ? 1 : 0);
    }
  }, 180_000);
});
