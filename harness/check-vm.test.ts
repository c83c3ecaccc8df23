/**
 * check over whole VMs and per-side configuration: `--device a,b` (one VM),
 * `--vm` (the machine type's devices), `--global` / `--src-global` /
 * `--dst-global`, and `--pair A:A`. Each case here can fail, and the ones
 * that pass do so because the configuration matches.
 */
import { describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { collectIo } from './io.js';
import type { Report } from '../src/check/report-schema.js';

async function check(args: string[]): Promise<{ code: number; report: Report | null; err: string }> {
  const io = collectIo();
  const code = await main(['check', ...args, '--json', '--workers', '1'], io);
  const out = io.lines.join('\n');
  return { code, report: out ? (JSON.parse(out).result as Report) : null, err: io.errors.join('\n') };
}

describe('check: several devices in one stream', () => {
  it('--device virtio-gpu,isa-ipmi-kcs is one case per direction, and 8.2.0 <-> 9.0.0 fails in the virtio-gpu section as the scenarios expect', async () => {
    const { code, report } = await check(['--device', 'virtio-gpu,isa-ipmi-kcs', '--pair', '8.2.0:9.0.0', '--machine', 'pc-q35-8.2', '--examples']);
    expect(code).toBe(0);
    const cases = report!.cases;
    expect(cases.map((c) => c.id)).toEqual(['virtio-gpu+isa-ipmi-kcs/8.2.0->9.0.0/pc-q35-8.2', 'virtio-gpu+isa-ipmi-kcs/9.0.0->8.2.0/pc-q35-8.2']);
    for (const c of cases) {
      expect(c.status).toBe('fail');
      expect(c.vmsd).toBe('virtio-gpu-one-scanout');
      expect(c.unexpected).toBe(false);
    }
    expect(cases.map((c) => c.kind)).toEqual(['short-read', 'footer-missing']);
  });

  it('with the 9.0.1 fix both devices survive together', async () => {
    const { code, report } = await check(['--device', 'virtio-gpu,isa-ipmi-kcs', '--pair', '8.2.0:9.0.1', '--machine', 'pc-q35-8.2', '--runs', '2', '--seed', '7']);
    expect(code).toBe(0);
    expect(report!.cases.map((c) => c.status)).toEqual(['pass', 'pass']);
    // every state carried both devices: the sections of one stream
    expect(report!.cases.every((c) => c.states > 0)).toBe(true);
  });

  it('--vm checks the machine type\'s whole device list as one stream', async () => {
    const { code, report } = await check(['--vm', '--pair', '9.0.1:9.1.0', '--machine', 'pc-i440fx-9.0', '--examples']);
    expect(code).toBe(0);
    expect(report!.cases.map((c) => c.id)).toEqual(['vm/9.0.1->9.1.0/pc-i440fx-9.0', 'vm/9.1.0->9.0.1/pc-i440fx-9.0']);
    expect(report!.cases.every((c) => c.status === 'pass')).toBe(true);
  });

  it('a device list naming an unknown device is a usage error', async () => {
    const { code, err } = await check(['--device', 'virtio-gpu,no-such-device', '--pair', '8.2.0:9.0.1']);
    expect(code).toBe(2);
    expect(err).toMatch(/unknown device 'no-such-device'/);
  });
});

describe('check: per-side configuration', () => {
  const rng = ['--device', 'virtio-rng', '--pair', '7.2.0:7.2.0', '--machine', 'pc-q35-7.2', '--runs', '3', '--seed', '5'];

  it('--pair A:A with --src-global virtio-rng-pci.vectors=0: the sender has no MSI-X, the receiver expects it, and the load fails in the PCI config space', async () => {
    const { code, report } = await check([...rng, '--src-global', 'virtio-rng-pci.vectors=0']);
    expect(code).toBe(1);
    const [c] = report!.cases;
    expect(report!.cases).toHaveLength(1);
    expect(c!.id).toBe('virtio-rng/7.2.0->7.2.0/pc-q35-7.2');
    expect(c!.status).toBe('fail');
    expect(c!.kind).toBe('post-load-failed');
    expect(c!.vmsd).toBe('PCIDevice');
  });

  it('--dst-global alone breaks the other way; --global on both sides agrees and passes', async () => {
    const dst = await check([...rng, '--dst-global', 'virtio-rng-pci.vectors=0']);
    expect(dst.code).toBe(1);
    expect(dst.report!.cases[0]!.kind).toBe('post-load-failed');
    const both = await check([...rng, '--global', 'virtio-rng-pci.vectors=0']);
    expect(both.code).toBe(0);
    expect(both.report!.cases[0]!.status).toBe('pass');
  });

  it('the proxy and the device are distinct types: vectors is the proxy\'s, so a global for the device type is refused', async () => {
    const { code, err } = await check([...rng, '--src-global', 'virtio-rng-device.vectors=0']);
    expect(code).toBe(2);
    expect(err).toMatch(/virtio-rng-device has no property 'vectors' \('vectors' is a property of the PCI proxy virtio-rng-pci\)/);
  });

  it('a global for a driver no planned device is, or in the wrong form, is a usage error', async () => {
    const none = await check([...rng, '--global', 'e1000.mitigation=off']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/'e1000' is the type of no device in the planned cases/);
    const form = await check([...rng, '--src-global', 'vectors=0']);
    expect(form.code).toBe(2);
    expect(form.err).toMatch(/--src-global expects DRIVER.PROP=VALUE/);
  });

  it('a global reaches devices through an ancestor type: virtio-pci.vectors=0 on the sender fails as the proxy type does', async () => {
    const { code, report } = await check([...rng, '--src-global', 'virtio-pci.vectors=0']);
    expect(code).toBe(1);
    expect(report!.cases[0]!.kind).toBe('post-load-failed');
  });
});
