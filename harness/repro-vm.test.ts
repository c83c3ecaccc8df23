/**
 * Replay lines of cases over a VM: a device list (`--device a,b`), the
 * machine type's devices (`--vm`) and per-side globals. check prints them
 * with the flags that make the case, repro takes those flags and replays
 * the failure exactly; report.json records the selection; the header
 * counts the devices in the stream.
 */
import { describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { collectIo } from './io.js';
import type { Report } from '../src/check/report-schema.js';
import { GENERATOR_VERSION } from '../src/check/seed.js';

const GEN = String(GENERATOR_VERSION);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = collectIo();
  const code = await main(args, io);
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
}
async function check(args: string[]): Promise<{ code: number; report: Report }> {
  const r = await run(['check', ...args, '--json', '--workers', '1']);
  return { code: r.code, report: JSON.parse(r.out).result as Report };
}
const argsOf = (line: string) => line.replace(/^npx vmcompat /, '').split(' ').map((a) => a.replace(/^'|'$/g, ''));

/** Every failing case's replay line, run by repro: the same failure, field for field. */
async function replayAll(report: Report): Promise<string[]> {
  const lines: string[] = [];
  for (const c of report.cases.filter((x) => x.status === 'fail')) {
    expect(c.repro).toBeTruthy();
    lines.push(c.repro!);
    const again = await run([...argsOf(c.repro!), '--json']);
    expect(again.code, again.err).toBe(1);
    const r = JSON.parse(again.out).result;
    for (const k of ['id', 'kind', 'path', 'vmsd', 'offset', 'stage', 'seed', 'streamDigest', 'counterexample']) expect(r[k], k).toEqual((c as unknown as Record<string, unknown>)[k]);
  }
  return lines;
}

describe('replaying VM cases', () => {
  it('--device virtio-gpu,isa-ipmi-kcs: the replay line carries the list and repro reproduces the failure', async () => {
    const { code, report } = await check(['--device', 'virtio-gpu,isa-ipmi-kcs', '--pair', '8.2.0:9.0.0', '--machine', 'pc-q35-8.2', '--runs', '5', '--seed', '3']);
    expect(code).toBe(0); // the scenarios expect these failures
    expect(report.cases.map((c) => c.status)).toEqual(['fail', 'fail']);
    const lines = await replayAll(report);
    for (const l of lines) expect(l).toMatch(new RegExp(`^npx vmcompat repro 'virtio-gpu\\+isa-ipmi-kcs/[^']+' --seed -?\\d+ --path [\\d:]+ --gen ${GEN} --device virtio-gpu,isa-ipmi-kcs$`));
    expect(report.config.selection.deviceSets).toEqual([['virtio-gpu', 'isa-ipmi-kcs']]);
    expect(report.config.selection.vm).toBe(false);
  });

  it('--src-global: the replay line carries it, repro reproduces the failure, and without it the case passes', async () => {
    const { code, report } = await check(['--device', 'virtio-rng', '--pair', '7.2.0:7.2.0', '--machine', 'pc-q35-7.2', '--runs', '3', '--seed', '5', '--src-global', 'virtio-rng-pci.vectors=0']);
    expect(code).toBe(1);
    const [line] = await replayAll(report);
    expect(line).toMatch(/ --src-global virtio-rng-pci\.vectors=0$/);
    expect(report.config.selection.globals).toEqual({ both: [], src: ['virtio-rng-pci.vectors=0'], dst: [] });
    // the same seed without the global (and without the path, which belongs to the failing run): every state passes
    const without = await run([...argsOf(line!.replace(/ --src-global \S+$/, '').replace(/ --path \S+/, '')), '--runs', '3']);
    expect(without.code, without.err).toBe(0);
    expect(without.out).toMatch(/^✓ virtio-rng\/7\.2\.0->7\.2\.0\/pc-q35-7\.2 · \d+ states pass/);
  });

  it('--global and --dst-global: the common globals come back as --global, the receiver\'s own as --dst-global', async () => {
    const { report } = await check(['--device', 'virtio-rng', '--pair', '7.2.0:7.2.0', '--machine', 'pc-q35-7.2', '--runs', '3', '--seed', '5', '--global', 'virtio-rng-pci.vectors=0', '--dst-global', 'virtio-rng-pci.vectors=2']);
    expect(report.config.selection.globals).toEqual({ both: ['virtio-rng-pci.vectors=0'], src: [], dst: ['virtio-rng-pci.vectors=2'] });
    const [line] = await replayAll(report);
    expect(line).toMatch(/ --global virtio-rng-pci\.vectors=0 --dst-global virtio-rng-pci\.vectors=2$/);
  });

  it('repro refuses flags that contradict the case id', async () => {
    const id = 'virtio-gpu+isa-ipmi-kcs/8.2.0->9.0.0/pc-q35-8.2';
    const wrong = await run(['repro', id, '--seed', '1', '--gen', GEN, '--device', 'isa-ipmi-kcs,virtio-gpu']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/is not the device list of case device 'virtio-gpu\+isa-ipmi-kcs'/);
    const vm = await run(['repro', 'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2', '--seed', '1', '--gen', GEN, '--vm']);
    expect(vm.code).toBe(2);
    expect(vm.err).toMatch(/--vm replays a case whose device is 'vm'/);
    const unknown = await run(['repro', 'virtio-gpu+no-such/8.2.0->9.0.0/pc-q35-8.2', '--seed', '1', '--gen', GEN]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/device 'no-such': no release has it/);
    const global = await run(['repro', 'virtio-rng/7.2.0->7.2.0/pc-q35-7.2', '--seed', '1', '--gen', GEN, '--src-global', 'e1000.mitigation=off']);
    expect(global.code).toBe(2);
    expect(global.err).toMatch(/'e1000' is the type of no device in the planned cases/);
  });
});

describe('the check header', () => {
  it('counts the devices a multi-device case puts in the stream', async () => {
    const r = await run(['check', '--device', 'virtio-gpu,isa-ipmi-kcs', '--pair', '8.2.0:9.0.1', '--machine', 'pc-q35-8.2', '--runs', '1', '--seed', '7', '--workers', '1', '--reporter', 'none']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^vmcompat — releases .* · 2 devices · 2 cases · /);
  });

  it('and a --vm case, the machine type\'s devices', async () => {
    const r = await run(['check', '--vm', '--pair', '9.0.1:9.1.0', '--machine', 'pc-i440fx-9.0', '--examples', '--workers', '1', '--reporter', 'none']);
    const n = Number(/ · (\d+) devices · 2 cases · /.exec(r.out.split('\n')[0]!)?.[1]);
    expect(n).toBeGreaterThan(20);
  });
});
