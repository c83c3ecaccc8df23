import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCase, type StateMode } from '../src/check/run.js';
import type { Release } from '../src/machine/types.js';
import { VmError } from '../src/wire/errors.js';
import { deviceStateArbitrary } from '../scenarios/devices/gen-registry.js';
import { SOURCE_SETUP_HINT } from '../src/source/extract.js';
import { patchedTree } from '../src/source/release/patch.js';
import { main } from './cli.js';
import { collectIo } from './io.js';
import { loadReleases } from './releases.js';

/**
 * The seed case from trees: the 10.0.2 tree with QEMU's "virtio-gpu: fix
 * v2 migration" (40a23ef6, 9.0.1) reverted by a patch this test writes from
 * the facts of that change, applied with --patch's mechanism:
 *
 *   hw/display/virtio-gpu.c  virtio-gpu-one-scanout back to version 2 /
 *                            minimum 1, its six fb.* fields gated by version
 *                            2 instead of the scanout_vmstate_after_v2 test,
 *                            that test and the x-scanout-vmstate-version
 *                            property gone
 *   hw/core/machine.c        hw_compat_8_2's virtio-gpu-device
 *                            x-scanout-vmstate-version=1 entry gone
 *
 * The diff is made here from the tree's own files (nothing of QEMU's text
 * is stored in vmcompat). The patched copy is extracted once and cached.
 */
const T72 = resolve('.cache/src/qemu-7.2.22');
const T100 = resolve('.cache/src/qemu-10.0.2');
const FB = ['format', 'bytes_pp', 'width', 'height', 'stride', 'offset'];

function diffOf(rel: string, edit: (text: string) => string, dir: string): string {
  const orig = join(T100, rel);
  const text = readFileSync(orig, 'utf8');
  const edited = edit(text);
  if (edited === text) throw new Error(`the revert changed nothing in ${rel}: the 10.0.2 tree is not what the test expects`);
  const out = join(dir, rel.replace(/\//g, '_'));
  writeFileSync(out, edited);
  try {
    execFileSync('diff', ['-u', '--label', `a/${rel}`, '--label', `b/${rel}`, orig, out]);
  } catch (e) {
    const r = e as { status?: number; stdout?: Buffer };
    if (r.status === 1 && r.stdout) return r.stdout.toString();
    throw e;
  }
  throw new Error(`diff found no change in ${rel}`);
}

function revertPatch(dir: string): string {
  const gpu = diffOf(
    'hw/display/virtio-gpu.c',
    (t) => {
      let s = t.replace(/static bool scanout_vmstate_after_v2\(void \*opaque, int version\)\n\{[\s\S]*?\n\}\n\n/, '');
      s = s.replace(/(\.name = "virtio-gpu-one-scanout",\n\s*)\.version_id = 1,/, '$1.version_id = 2,\n    .minimum_version_id = 1,');
      for (const f of FB) s = s.replace(new RegExp(`VMSTATE_UINT32_TEST\\(fb\\.${f}, struct virtio_gpu_scanout,\\s*scanout_vmstate_after_v2\\)`), `VMSTATE_UINT32_V(fb.${f}, struct virtio_gpu_scanout, 2)`);
      return s.replace(/\n\s*DEFINE_PROP_UINT8\("x-scanout-vmstate-version",[^\n]*/, '');
    },
    dir,
  );
  const machine = diffOf('hw/core/machine.c', (t) => t.replace(/\n\s*\{ "virtio-gpu-device", "x-scanout-vmstate-version", "1" \},/, ''), dir);
  const file = join(dir, 'revert-virtio-gpu-fix-v2.patch');
  writeFileSync(file, gpu + machine);
  return file;
}

let r72: Release;
let r100: Release;
let reverted: Release;
let patch: string;
let copy: string;

beforeAll(async () => {
  for (const t of [T72, T100]) if (!existsSync(join(t, 'VERSION'))) throw new Error(`${t}: QEMU source tree missing; ${SOURCE_SETUP_HINT}`);
  patch = revertPatch(mkdtempSync(join(tmpdir(), 'vmcompat-seed-')));
  copy = patchedTree(T100, patch);
  const all = await loadReleases([T72, T100, copy]);
  r72 = all.find((r) => r.name === '7.2.22')!;
  r100 = all.find((r) => r.name === '10.0.2')!;
  reverted = all.find((r) => r.name === '10.0.2+revert-virtio-gpu-fix-v2')!;
}, 1_200_000);

const mode: StateMode = { kind: 'property', runs: 10, seed: 3, arbitrary: deviceStateArbitrary };
/** The pc machine types both trees know (7.2.22 stops at 7.2): all of them are before 9.0. */
const shared = () => r72.machines.map((m) => m.name).filter((n) => /^pc-(q35|i440fx)-\d/.test(n) && reverted.machines.some((m) => m.name === n));

describe('the seed case from trees', () => {
  test('the patched copy is a release of its own; the original tree is untouched', () => {
    expect(reverted).toBeDefined();
    const one = (r: Release) => r.devices.find((d) => d.name === 'virtio-gpu-device')!;
    expect(one(reverted).props['x-scanout-vmstate-version']).toBeUndefined();
    expect(one(r100).props['x-scanout-vmstate-version']).toMatchObject({ type: 'uint8', default: 2 });
    expect(readFileSync(join(T100, 'hw/core/machine.c'), 'utf8')).toMatch(/"virtio-gpu-device", "x-scanout-vmstate-version", "1"/);
  });

  test('reverted 10.0.2 fails against 7.2.22 both ways at every pc machine type they share (all before 9.0)', () => {
    const machines = shared();
    expect(machines.length).toBeGreaterThan(40);
    const quick: StateMode = { ...mode, runs: 3 };
    for (const machine of machines) {
      for (const [from, to] of [
        [reverted, r72],
        [r72, reverted],
      ] as const) {
        const r = runCase({ device: 'virtio-gpu-device', from, to, machine }, null, quick);
        expect(r.status, `${from.name} -> ${to.name} at ${machine}: ${r.message}`).toBe('fail');
      }
    }
  }, 600_000);

  test.each(['pc-q35-7.2', 'pc-i440fx-7.2', 'pc-q35-5.0'])('at %s: the reverted copy fails both ways naming the scanout; 10.0.2 as released passes', (machine) => {
    for (const [from, to] of [
      [reverted, r72],
      [r72, reverted],
    ] as const) {
      const r = runCase({ device: 'virtio-gpu-device', from, to, machine }, null, mode);
      expect(r.status, `${from.name} -> ${to.name}: ${r.message}`).toBe('fail');
      expect(r.message).toMatch(/virtio-gpu/);
      expect(r.message).toMatch(/scanout/);
    }
    for (const [from, to] of [
      [r100, r72],
      [r72, r100],
    ] as const) {
      const r = runCase({ device: 'virtio-gpu-device', from, to, machine }, null, mode);
      expect(r.status, `${from.name} -> ${to.name}: ${r.message}`).toBe('pass');
      expect(r.states).toBeGreaterThanOrEqual(10);
    }
  });

  test('prove on (reverted tree, 10.0.2 tree, 7.2.22 tree) says fixed', async () => {
    const io = collectIo();
    const code = await main(
      ['prove', '--releases', T72, '--releases', T100, '--patch', patch, '--base', '10.0.2+revert-virtio-gpu-fix-v2', '--fix', '10.0.2', '--peer', '7.2.22',
        '--device', 'virtio-gpu-device', '--machine', 'pc-q35-7.2', '--machine', 'pc-i440fx-7.2', '--runs', '5', '--seed', '2', '--workers', '1', '--reporter', 'none', '--json'],
      io,
    );
    expect(io.errors.join('\n')).toBe('');
    // proved, but the reverted tree and the fixed one do not migrate to each other at these machine types
    // (base <-> fix breaks, as 9.0.0 <-> 9.0.1 does) and no scenario names that: prove exits 1 for it
    expect(code).toBe(1);
    const doc = JSON.parse(io.lines.join('\n')).result;
    expect(doc.proved).toBe(true);
    expect(doc.rows.map((r: { machine: string; verdict: string }) => [r.machine, r.verdict])).toEqual([
      ['pc-q35-7.2', 'fixed'],
      ['pc-i440fx-7.2', 'fixed'],
    ]);
  });

  test('a patch that does not apply is a typed error naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmcompat-badpatch-'));
    const bad = join(dir, 'bad.patch');
    writeFileSync(bad, '--- a/hw/core/machine.c\n+++ b/hw/core/machine.c\n@@ -1,1 +1,1 @@\n-this line is not in the file\n+nor this one\n');
    let err: unknown;
    try {
      patchedTree(T100, bad, join(dir, 'patched'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VmError);
    expect((err as VmError).kind).toBe('bad-input');
    expect((err as VmError).message).toMatch(/--patch .*bad\.patch: does not apply to .*qemu-10\.0\.2 \(10\.0\.2\)/);
  });
});
