/**
 * `static` pairs devices as QEMU finds sections — by idstr and instance —
 * and says what it assumed where a dump does not tell (#13 item 12):
 * two device classes of one QOM type, a 7.2 -dump-vmstate without array
 * counts against a 10.0 one (both real binaries), and --releases.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as D from '../../src/vmstate/dsl.js';
import { buildMachines } from '../../src/machine/compat.js';
import type { DeviceClass, Release } from '../../src/machine/types.js';
import { parseDump, staticDiff } from '../../src/static/index.js';
import { formatReport } from '../../src/static/format.js';
import { locateQemu } from '../../src/qemu/binaries.js';
import { dumpVmstate } from '../../src/qemu/import.js';
import { main } from '../../harness/cli.js';
import { collectIo } from '../../harness/io.js';
import { packageRoot } from '../../harness/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-static-pairing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two sections of one QOM type (two UARTs, say): `second` decides the second one's fields. */
function release(name: string, second: 'same' | 'grown'): Release {
  const dev = (n: string, idstr: string, extra: boolean): DeviceClass => ({
    name: n,
    type: 'my-uart',
    parents: ['device'],
    props: {},
    vmsd: { name: 'my-uart', version_id: 1, minimum_version_id: 1, fields: [D.VMSTATE_UINT8('lcr'), ...(extra ? [D.VMSTATE_UINT8('fcr')] : [])] },
    idstr,
    instanceId: 0,
    reset: () => ({ lcr: 0, fcr: 0 }),
  });
  return {
    name,
    compatArrays: {},
    machines: buildMachines([{ family: 'pc-q35', defaults: [], boardArray: 'pc_compat', versions: ['1.0'] }], {}),
    // listed the other way round in B: a pairing by position or by type gets them crossed
    devices: second === 'same' ? [dev('uart0', 'uart@0', false), dev('uart1', 'uart@1', false)] : [dev('uart1', 'uart@1', true), dev('uart0', 'uart@0', false)],
  };
}

describe('two device classes of one QOM type', () => {
  it('pair by section: the change is the second section\'s alone, each reported on its own', () => {
    const r = staticDiff({ kind: 'release', release: release('1.0', 'same') }, { kind: 'release', release: release('2.0', 'grown') });
    expect(r.devices.map((d) => [d.device, d.section, d.name, d.findings.length])).toEqual([
      ['my-uart', 'uart@0', 'uart0', 0],
      ['my-uart', 'uart@1', 'uart1', 1],
    ]);
    expect(r.devices[1]!.findings[0]).toMatchObject({ change: 'field-added', field: 'fcr', section: 'uart@1', severity: 'breaking-both' });
    // the default report tells the two apart
    const text = formatReport(r).join('\n');
    expect(text).toContain('✗ my-uart (uart1) @ uart@1: breaks');
    expect(text).not.toContain('uart0) @ uart@0: breaks');
  });
});

describe('a QEMU 7.2 -dump-vmstate (no array counts) against a 10.0 one, pc-q35-7.2', () => {
  let d72 = '';
  let d10 = '';
  beforeAll(async () => {
    d72 = join(dir, 'dump-7.2.json');
    d10 = join(dir, 'dump-10.0.json');
    for (const [rel, f] of [['7.2', d72], ['10.0', d10]] as const) writeFileSync(f, JSON.stringify(await dumpVmstate(await locateQemu(rel), 'pc-q35-7.2')));
  }, 120_000);

  it('e1000e: the 5 eitr_intr_pending bools retired to VMSTATE_UNUSED(5) line up, on a count it says it guessed', async () => {
    const { readFileSync } = await import('node:fs');
    const a = parseDump(readFileSync(d72, 'utf8'), d72);
    const b = parseDump(readFileSync(d10, 'utf8'), d10);
    expect([a.counts, b.counts]).toEqual([false, true]);
    const r = staticDiff({ kind: 'dump', dump: a, label: '7.2' }, { kind: 'dump', dump: b, label: '10.0' });
    const e = r.devices.find((d) => d.device === 'e1000e')!;
    // nothing about the layout breaks; what is left is core.timadj, gated by a test the dump cannot describe
    expect(e.findings.filter((f) => f.forward === 'breaks' || f.backward === 'breaks')).toEqual([]);
    expect(e.findings.find((f) => f.path === 'e1000e:core.eitr_intr_pending')).toMatchObject({ change: 'unused-placeholder', severity: 'compatible' });
    expect(e.findings.find((f) => f.path === 'e1000e:core.eitr_intr_pending')!.reason).toContain('[5, count guessed]');
    expect(r.guesses).toEqual(
      expect.arrayContaining([
        { device: 'e1000e', path: 'e1000e:core.eitr_intr_pending', in: '7.2', count: 5, how: 'bytes' },
        { device: 'e1000e', path: 'e1000e:core.eitr', in: '7.2', count: 5, how: 'same-field' },
      ]),
    );
    expect(r.notes.some((n) => /^7\.2 has no element counts \(QEMU before 8\.1 writes no `num`.*: \d+ counts were guessed/.test(n))).toBe(true);
    // the same the other way round: the guesses are the 7.2 dump's whichever side it is on
    const back = staticDiff({ kind: 'dump', dump: b, label: '10.0' }, { kind: 'dump', dump: a, label: '7.2' });
    expect(back.devices.find((d) => d.device === 'e1000e')!.findings.filter((f) => f.forward === 'breaks' || f.backward === 'breaks')).toEqual([]);
    expect(back.guesses.length).toBe(r.guesses.length);
  });

  it('the command prints the guess as a note, and every guess with --verbose', async () => {
    const io = collectIo();
    expect(await main(['static', '--from', d72, '--to', d10], io)).toBe(1); // ESP and others really break
    expect(io.lines.find((l) => l.startsWith('note: dump-7.2.json has no element counts'))).toBeDefined();
    expect(io.lines.find((l) => l.startsWith('✗ e1000e:'))).toMatch(/^✗ e1000e: may break .* — e1000e:core\.timadj added ↔\?†$/);
    const v = collectIo();
    await main(['static', '--from', d72, '--to', d10, '--verbose'], v);
    expect(v.lines).toContain("  e1000e:core.eitr_intr_pending[5] filling the other side's VMSTATE_UNUSED bytes");
  });
});

describe('static --releases MODULE', () => {
  it('compares a release a module adds, as check takes it; a missing module is a usage error', async () => {
    const mod = join(dir, 'local-releases.mjs');
    const dist = pathToFileURL(join(packageRoot(), 'dist', 'scenarios', 'releases', 'index.js')).href;
    writeFileSync(mod, `import { releases as builtin } from '${dist}';\nexport const releases = [{ ...builtin.find((r) => r.name === '9.0.0'), name: '9.0.0-local' }];\n`);
    const io = collectIo();
    expect(await main(['static', '--releases', mod, '--from', '9.0.0-local', '--to', '8.2', '--machine', 'pc-q35-8.2'], io)).toBe(1);
    expect(io.lines[0]).toMatch(/^vmcompat static — 9\.0\.0-local → 8\.2\.0 · machine type pc-q35-8\.2 · \d+ devices compared$/);
    expect(io.lines.some((l) => l.startsWith('✗ virtio-gpu-device (virtio-gpu): breaks 9.0.0-local→8.2.0'))).toBe(true);
    const none = collectIo();
    expect(await main(['static', '--from', '9.0.0-local', '--to', '8.2'], none)).toBe(2); // unknown without its module
    const gone = collectIo();
    expect(await main(['static', '--releases', join(dir, 'nope.mjs'), '--from', '9.0.0', '--to', '8.2'], gone)).toBe(2);
    expect(gone.errors.join('\n')).toContain('nope.mjs');
  });
});
