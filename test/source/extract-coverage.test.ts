import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { main } from '../../harness/cli.js';
import { collectIo } from '../../harness/io.js';
import { extractCacheDir } from '../../harness/commands/extract.js';
import { extractCached } from '../../harness/extract-cache.js';
import { once, resolveQemu } from '../../src/qemu/binaries.js';
import { dumpVmstate } from '../../src/qemu/import.js';
import { coverage, coverageHolds } from '../../src/source/coverage.js';
import type { ExtractedRelease, ExtractedVmsd } from '../../src/source/model.js';
import { validateAgainstDump } from '../../src/source/validate.js';
import { parseDump, type Dump } from '../../src/static/dump.js';
import { tree } from './trees.js';

/**
 * Debian's 7.2.22 and 10.0.2 trees, extracted (once each, through the
 * cache), held against -dump-vmstate of the binaries built from them. A
 * missing tree or binary fails every test here with the set-up command;
 * nothing is skipped.
 */
// a cold cache extracts each tree once (tens of seconds on a busy machine); later tests read the cache
vi.setConfig({ testTimeout: 300_000 });


const release = (path: string) => once(async () => (await extractCached(tree(path), { cacheDir: extractCacheDir() })).model);
const release10 = release('.cache/src/qemu-10.0.2');
const release72 = release('.cache/src/qemu-7.2.22');

const dumps = new Map<string, () => Promise<Dump>>();
function dump(bin: '7.2' | '10.0', machine: string): Promise<Dump> {
  const k = `${bin}@${machine}`;
  if (!dumps.has(k)) dumps.set(k, once(async () => parseDump(JSON.stringify(await dumpVmstate(await resolveQemu(bin), machine)), k)));
  return dumps.get(k)!();
}

const vmsd = (m: ExtractedRelease, name: string): ExtractedVmsd => {
  const v = m.vmsds.filter((x) => x.name === name);
  expect(v, `one VMSD named ${name}`).toHaveLength(1);
  return v[0]!;
};

const cases = [
  { version: '10.0.2', bin: '10.0', model: release10, machines: ['pc-q35-10.0', 'pc-i440fx-10.0', 'pc-q35-7.2'] },
  { version: '7.2.22', bin: '7.2', model: release72, machines: ['pc-q35-7.2', 'pc-i440fx-7.2'] },
] as const;

describe.each(cases)('$version against the $bin binary', ({ version, bin, model, machines }) => {
  test(`at least 95 % of the device classes match field by field at ${machines.join(', ')}`, async () => {
    const m = await model();
    expect(m.version).toBe(version);
    const ds = [];
    for (const machine of machines) ds.push(await dump(bin, machine));
    const c = coverage(m, ds);
    expect(c.machines.map((x) => x.machine)).toEqual(machines);
    for (const x of c.machines) {
      // the binaries register over 200 device classes: a dump of a handful would make the figure meaningless
      expect(x.total).toBeGreaterThan(200);
      expect(x.percent, `${x.machine}: ${x.mismatches.map((y) => `${y.path}: ${y.reason}`).join('; ')}`).toBeGreaterThanOrEqual(95);
    }
    expect(coverageHolds(c)).toBe(true);
  });

  test('e1000, virtio-gpu-device and ich9-ahci match, nested VMSDs and subsections included', async () => {
    const m = await model();
    for (const machine of machines.slice(0, 2)) {
      const d = await dump(bin, machine);
      const v = validateAgainstDump(m, d);
      for (const device of ['e1000', 'virtio-gpu-device', 'ich9-ahci']) {
        expect(d.sections.has(device), `${device} in the ${machine} dump`).toBe(true);
        expect(v.failing).not.toContain(device);
        expect(v.matched).toContain(device);
      }
    }
    const ahci = vmsd(m, 'ich9_ahci');
    expect(ahci.fields!.some((f) => f.vmsd?.name === 'vmstate_ahci' && f.flags.includes('VMS_STRUCT'))).toBe(true);
    expect(ahci.at.file).toBe('hw/ide/ich.c');
  });

  test('a field changed in the model is a mismatch naming the VMSD path and its source line', async () => {
    const m: ExtractedRelease = structuredClone(await model());
    const e1000 = m.vmsds.find((x) => x.cname === 'vmstate_e1000')!;
    const k = e1000.fields!.findIndex((f) => f.name === 'mac_reg');
    expect(k).toBeGreaterThan(0);
    e1000.fields![k]!.version_id += 1;
    const v = validateAgainstDump(m, await dump(bin, machines[0]));
    const mm = v.mismatches.filter((x) => x.device.startsWith('e1000'));
    expect(mm.length).toBeGreaterThan(0);
    expect(mm[0]).toMatchObject({ path: `e1000/fields[${k}] mac_reg`, at: { file: 'hw/net/e1000.c', line: e1000.fields![k]!.at.line } });
    expect(mm[0]!.reason).toMatch(/^version_id: source \d+, binary \d+$/);
  });
});

describe('what the dump cannot show, from the trees', () => {
  test('virtio-gpu-one-scanout: 10.0.2 reads the framebuffer fields only after v2 (a test per field), 7.2.22 has none', async () => {
    const s10 = vmsd(await release10(), 'virtio-gpu-one-scanout');
    const s72 = vmsd(await release72(), 'virtio-gpu-one-scanout');
    const fb = (v: ExtractedVmsd) => v.fields!.filter((f) => f.name.startsWith('fb.'));
    expect(s72.fields!.length).toBe(10);
    expect(fb(s72)).toEqual([]);
    expect(fb(s10).map((f) => f.name)).toEqual(['fb.format', 'fb.bytes_pp', 'fb.width', 'fb.height', 'fb.stride', 'fb.offset']);
    expect(new Set(fb(s10).map((f) => f.field_exists))).toEqual(new Set(['scanout_vmstate_after_v2']));
    // the scanouts are a VARRAY of it, counted by the max_outputs property
    const outs = vmsd(await release10(), 'virtio-gpu-scanouts');
    expect(outs.fields!.find((f) => f.vmsd?.name === 'vmstate_virtio_gpu_scanout')).toMatchObject({ flags: ['VMS_STRUCT', 'VMS_VARRAY_UINT32'], num_offset: expect.stringContaining('conf.max_outputs') });
    const props = (await release10()).properties.find((a) => a.name === 'virtio_gpu_properties' && a.at.file === 'hw/display/virtio-gpu.c')!;
    expect(props.props.find((p) => p.name === 'x-scanout-vmstate-version')).toMatchObject({ type: 'uint8', default: 2 });
    expect(props.props.find((p) => p.name === 'max_outputs')).toMatchObject({ type: 'uint32', default: 1, member: 'parent_obj.conf.max_outputs' });
  });

  test('the release parts: machine types with compat lists, compat arrays, and classes linked to their Property arrays', async () => {
    const m = await release10();
    const q35 = m.machines.find((x) => x.name === 'pc-q35-8.2')!;
    expect(q35.compat.find((e) => e.property === 'x-scanout-vmstate-version')).toMatchObject({ driver: 'virtio-gpu-device', value: '1' });
    expect(m.compatArrays.hw_compat_8_2!.length).toBeGreaterThan(0);
    expect(m.classes.find((c) => c.name === 'e1000-82545em')).toMatchObject({ parent: 'e1000-base', props: 'e1000_properties', propsFile: 'hw/net/e1000.c', vmsd: { name: 'vmstate_e1000', file: 'hw/net/e1000.c' } });
  });

  test('a second extraction of the same tree is read from the cache and equals the first', async () => {
    const first = await release10();
    const again = await extractCached(tree('.cache/src/qemu-10.0.2'), { cacheDir: extractCacheDir() });
    expect(again.hit).toBe(true);
    expect(again.model.key).toBe(first.key);
    expect(again.model.vmsds.length).toBe(first.vmsds.length);
  });
});

describe('vmcompat extract --validate', () => {
  const out = mkdtempSync(join(tmpdir(), 'vmcompat-extract-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('prints the coverage per machine type, holds the machine types against query-machines, writes -o, exits 0', async () => {
    await release72();
    const io = collectIo();
    const file = join(out, 'm.json');
    expect(await main(['extract', tree('.cache/src/qemu-7.2.22'), '-o', file, '--validate', '7.2', '--machine', 'pc-i440fx-7.2'], io)).toBe(0);
    expect(io.lines[1]).toMatch(/^read from the cache in /);
    expect(io.lines).toContainEqual(expect.stringMatching(/^7\.2\.22 at pc-i440fx-7\.2: (\d+)\/\1 device classes match field by field \(100\.0 %\)$/));
    expect(io.lines).toContainEqual(expect.stringMatching(/^7\.2\.22: (\d+)\/\1 machine types equal query-machines/));
    // the class set: nothing the binary has is missing, nothing more but the classes of modules the binary lacks
    expect(io.lines).toContainEqual(expect.stringMatching(/^7\.2\.22: 214 device classes with a VMSD, the binary 213: 0 missing, 0 more, 1 in modules the binary does not have$/));
    expect(io.lines).toContainEqual('  not installed: hw-display-virtio-gpu-gl (virtio-gpu-gl-device)');
    expect(io.lines.at(-1)).toMatch(/^validated against \/usr\/bin\/qemu-system-x86_64 \(7\.2\.22\)$/);
    const written = JSON.parse(readFileSync(file, 'utf8')) as ExtractedRelease;
    expect(written.version).toBe('7.2.22');
    expect(written.vmsds.length).toBe((await release72()).vmsds.length);
  });

  test('a tree held against the binary of another release falls short: exit 1, the version named', async () => {
    await release72();
    const io = collectIo();
    expect(await main(['extract', tree('.cache/src/qemu-7.2.22'), '--validate', '10.0', '--machine', 'pc-q35-7.2', '--json'], io)).toBe(1);
    const v = JSON.parse(io.lines.join('\n')).result.validation;
    expect(v.machineTypes.mismatches[0].message).toMatch(/is QEMU 7\.2\.22, the binary .* reports 10\.0\.2/);
    expect(v.coverage.machines[0].percent).toBeLessThan(95);
  });

  test('a --machine neither side knows is a usage error naming the nearest', async () => {
    await release72();
    const io = collectIo();
    expect(await main(['extract', tree('.cache/src/qemu-7.2.22'), '--validate', '7.2', '--machine', 'pc-q35-7.3'], io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/--machine 'pc-q35-7\.3' matches no machine type.*pc-q35-7\.2/);
  });
});
