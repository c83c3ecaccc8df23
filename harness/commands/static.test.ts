import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { locateQemu } from '../../src/qemu/binaries.js';
import { dumpVmstate } from '../../src/qemu/import.js';
import { packageRoot } from '../paths.js';
import { main } from '../cli.js';
import { collectIo } from '../io.js';

const dir = mkdtempSync(join(tmpdir(), 'vmcompat-static-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]) {
  const io = collectIo();
  const code = await main(['static', ...args], io);
  return { code, out: io.lines, err: io.errors.join('\n') };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('vmcompat static on the release models', () => {
  it('9.0.0 → 8.2.0 at pc-q35-8.2: the scanout change breaks both ways, for the nested-version reason; exit 1', async () => {
    const { code, out } = await run('--from', '9.0.0', '--to', '8.2.0', '--machine', 'pc-q35-8.2', '--verbose');
    expect(code).toBe(1);
    expect(out[0]).toMatch(/^vmcompat static — 9\.0\.0 → 8\.2\.0 · machine type pc-q35-8\.2 · \d+ devices compared$/);
    expect(out).toContain('virtio-gpu-device (virtio-gpu): breaks 9.0.0→8.2.0 and 8.2.0→9.0.0');
    const scanout = out.filter((l) => l.startsWith('  ✗ breaking-both  virtio-gpu-one-scanout'));
    expect(scanout).toHaveLength(2);
    for (const l of scanout) expect(l).toContain("a nested struct's version is not on the wire");
    expect(out.at(-1)).toMatch(/— BREAKS$/);
  });

  it('9.0.1 → 8.2.0 at pc-q35-8.2: the scanout is compatible', async () => {
    const { out } = await run('--from', '9.0.1', '--to', '8.2.0', '--machine', 'pc-q35-8.2', '--verbose');
    const i = out.indexOf('virtio-gpu-device (virtio-gpu): compatible');
    expect(i).toBeGreaterThan(0);
    expect(out[i + 1]).toMatch(/^ {2}✓ compatible +virtio-gpu-one-scanout:fb\.format…: 6 fields .* on x-scanout-vmstate-version \(=1 here\)/);
  });

  it('--json carries every finding with both directions', async () => {
    const { code, out } = await run('--from', '8.2.0', '--to', '9.0.0', '--json');
    expect(code).toBe(1);
    const doc = JSON.parse(out.join('\n')).result;
    expect(doc.from).toEqual({ kind: 'release', label: '8.2.0' });
    expect(doc.machines.length).toBeGreaterThanOrEqual(6);
    const gpu = doc.devices.find((d: { device: string }) => d.device === 'virtio-gpu-device');
    expect(gpu).toMatchObject({ name: 'virtio-gpu', forward: 'breaks', backward: 'breaks' });
    expect(gpu.findings[0]).toMatchObject({
      change: 'vmsd-version',
      severity: 'breaking-both',
      forward: 'breaks',
      backward: 'breaks',
      vmsd: 'virtio-gpu-one-scanout',
      checkerMisses: true,
    });
    expect(gpu.findings[0].machines.length).toBeGreaterThanOrEqual(6);
    expect(gpu.findings).toHaveLength(2);
    expect(doc.summary).toMatchObject({ breaks: true });
  });

  it('bad input exits 2 with a message that says what to do', async () => {
    expect(await run('--from', '9.0.0')).toMatchObject({ code: 2, err: expect.stringContaining('both --from and --to are required') });
    expect(await run('--from', '7.0.0', '--to', '8.2.0')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^vmcompat static: --from 7\.0\.0: neither a release nor a readable -dump-vmstate file; did you mean '7\.2\.0' .*\(releases: .*8\.2\.0, 9\.0\.0, 9\.0\.1.*\)$/),
    });
    expect(await run('--from', '8.2.0', '--to', '9.0.0', '--machine', 'pc-q35-9.0')).toMatchObject({
      code: 2,
      err: expect.stringContaining('release 8.2.0 has no machine type pc-q35-9.0 (it has: pc-q35-8.2'),
    });
    const broken = file('broken.json', '{"vmschkmachine": {"Name": "pc-q35-7.2"}, "isa-serial": {"Name": "isa-serial", "version_id": 3}}');
    expect(await run('--from', broken, '--to', broken)).toMatchObject({
      code: 2,
      err: `vmcompat static: ${broken}: not a valid -dump-vmstate file: "isa-serial".Description: expected a Description object, found nothing`,
    });
    expect(await run('--from', '9.0.0', '--to', '8.2.0', '--nope')).toMatchObject({ code: 2 });
    expect((await run('--help')).code).toBe(0);
  });
});

describe('vmcompat static on real -dump-vmstate files (QEMU 7.2)', () => {
  let a = '';
  let b = '';
  beforeAll(async () => {
    // a missing binary fails here, with the set-up command in the message
    const qemu = await locateQemu('7.2');
    a = join(dir, 'q35-a.json');
    b = join(dir, 'q35-b.json');
    for (const f of [a, b]) {
      const r = await execa(qemu.path, [...qemu.extraArgs, '-M', 'pc-q35-7.2', '-dump-vmstate', f], { env: qemu.env, reject: false, timeout: 30_000 });
      if (r.exitCode !== 0) throw new Error(`${qemu.path} -dump-vmstate failed (exit ${r.exitCode}): ${r.stderr}`);
    }
  });

  const edited = (name: string, edit: (d: Record<string, any>) => void) => {
    const d = JSON.parse(readFileSync(b, 'utf8'));
    edit(d);
    return file(name, JSON.stringify(d, null, 4));
  };

  it('two dumps of the same binary: no change, exit 0', async () => {
    const { code, out } = await run('--from', a, '--to', b);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^vmcompat static — q35-a\.json → q35-b\.json · machine type pc-q35-7\.2 · \d{3} devices compared$/);
    expect(out[1]).toMatch(/^\d{3} devices unchanged$/);
    expect(out[2]).toMatch(/^0 findings in 0 of \d{3} devices: .* — nothing breaks$/);
  });

  it('a nested version bumped with a field gated on it: breaking both ways, readable, grouped by device', async () => {
    const bumped = edited('nested-bump.json', (d) => {
      const nested = d['isa-serial'].Description.Fields[0].Description; // serial's VMS_STRUCT `state`
      nested.version_id += 1;
      nested.Fields.push({ field: 'tsr_retry', version_id: nested.version_id, field_exists: false, size: 4 });
    });
    const { code, out } = await run('--from', a, '--to', bumped, '--verbose');
    expect(code).toBe(1);
    const i = out.findIndex((l) => l.startsWith('isa-serial'));
    expect(out[i]).toBe('isa-serial: breaks q35-a.json→nested-bump.json and nested-bump.json→q35-a.json');
    expect(out[i + 1]).toMatch(/^ {2}✗ breaking-both {2}serial: version 3 → 4, minimum 2 → 2\. serial is a nested struct reached through VMS_STRUCT state: a nested struct's version is not on the wire/);
    expect(out[i + 2]).toMatch(/^ {2}✗ breaking-both {2}serial:tsr_retry: field tsr_retry added in nested-bump\.json \(4 bytes\), gated by version 4\. /);
    expect(out[i + 3]).toMatch(/^\d{3} devices unchanged$/);
    // every finding line is one line: severity, place, reason
    for (const l of out.slice(i + 1, i + 3)) expect(l).not.toContain('\n');
  });

  it('a field added to a device section: breaking both ways; dumped for another machine type: a note, nothing else', async () => {
    const added = edited('added.json', (d) => d['kvm-pit'].Description.Fields.push({ field: 'speaker_data_on', version_id: 0, field_exists: false, size: 1 }));
    const r = await run('--from', added, '--to', a, '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out.join('\n')).result;
    const pit = doc.devices.find((d: { device: string }) => d.device === 'kvm-pit');
    expect(pit.findings).toHaveLength(1);
    expect(pit.findings[0]).toMatchObject({ change: 'field-removed', severity: 'breaking-both', path: 'i8254:speaker_data_on' });
    expect(doc.summary.changed).toBe(1);

    const other = edited('i440fx.json', (d) => (d.vmschkmachine.Name = 'pc-i440fx-7.2'));
    const o = await run('--from', a, '--to', other);
    expect(o.code).toBe(0);
    expect(o.out[1]).toMatch(/^note: the dumps were written for different machine types, pc-q35-7\.2 and pc-i440fx-7\.2/);
  });

  it('a dump against a release model needs a machine type both know', async () => {
    const old = file('old-machine.json', readFileSync(a, 'utf8').replace('"Name": "pc-q35-7.2"', '"Name": "pc-q35-2.0"'));
    const r = await run('--from', old, '--to', '9.0.1');
    expect(r).toMatchObject({ code: 2, err: expect.stringContaining('release 9.0.1 has no machine type pc-q35-2.0') });
  });
});

describe('vmcompat static on QEMU 7.2 and 10.0 -dump-vmstate at pc-q35-7.2, beside QEMU\'s checker', () => {
  const CHECKER = join(packageRoot(), '.cache/src/qemu-10.0.2/scripts/vmstate-static-checker.py');
  let d72 = '';
  let d10 = '';
  beforeAll(async () => {
    d72 = join(dir, 'dump-7.2.json');
    d10 = join(dir, 'dump-10.0.json');
    for (const [rel, f] of [['7.2', d72], ['10.0', d10]] as const) writeFileSync(f, JSON.stringify(await dumpVmstate(await locateQemu(rel), 'pc-q35-7.2'), null, 4));
  }, 120_000);

  it('the default output is no longer than the checker run both ways, and names every device and place either reports', async () => {
    const ours = await run('--from', d72, '--to', d10);
    expect(ours.code).toBe(1);
    const checker = async (s: string, d: string) => (await execa('python3', [CHECKER, '-s', s, '-d', d], { reject: false })).stdout.split('\n').filter(Boolean);
    const theirs = [...(await checker(d72, d10)), ...(await checker(d10, d72))];
    // the figures the README quotes (and that the report gives): both line counts and sizes
    console.log(`static: ${ours.out.length} lines, ${ours.out.join('\n').length} bytes; checker both ways: ${theirs.length} lines, ${theirs.join('\n').length} bytes`);
    expect(ours.out.length).toBeLessThanOrEqual(theirs.length);
    expect(ours.out.join('\n').length).toBeLessThanOrEqual(theirs.join('\n').length);
    const text = ours.out.join('\n');
    for (const l of theirs) {
      const section = /^Section "([^"]+)"/.exec(l)?.[1];
      expect(section, l).toBeTruthy();
      expect(text, l).toMatch(new RegExp(`[ ,:]${section!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ ,:(\\n]`));
    }
    // every break of the full report is on a line of the default one
    const doc = JSON.parse((await run('--from', d72, '--to', d10, '--json')).out.join('\n'));
    for (const d of (doc.result ?? doc).devices) {
      for (const f of d.findings.filter((x: { severity: string }) => x.severity.startsWith('breaking'))) {
        const place = f.change === 'section-missing' ? d.device : f.path.split(' › ').at(-1);
        expect(ours.out.some((l) => l.includes(d.device) && l.includes(place)), `${d.device} ${place}`).toBe(true);
      }
    }
  });
});
