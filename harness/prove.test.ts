import { describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { collectIo } from './io.js';

const prove = async (...args: string[]) => {
  const io = collectIo();
  const code = await main(['prove', ...args], io);
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
};

describe('vmcompat prove', () => {
  it('the seed fix: 9.0.0 fails against 8.2.0, 9.0.1 passes both ways, at every machine type the three know (exit 0)', async () => {
    const r = await prove('--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--device', 'virtio-gpu', '--device', 'isa-ipmi-kcs', '--runs', '10', '--seed', '5');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^vmcompat prove — base 9\.0\.0 · fix 9\.0\.1 · peer 8\.2\.0 · \d+ machine types · \d+ devices · 10 states\/case · seed 5/);
    expect(r.out).toMatch(/device\s+machine\s+base 9\.0\.0 ↔ 8\.2\.0\s+fix 9\.0\.1 ↔ 8\.2\.0\s+verdict/);
    for (const m of ['pc-q35-8.2', 'pc-q35-8.1', 'pc-q35-8.0', 'pc-i440fx-8.2', 'pc-i440fx-8.1', 'pc-i440fx-8.0']) {
      expect(r.out).toMatch(new RegExp(`virtio-gpu\\s+${m.replace(/\./g, '\\.')}\\s+✗ → footer-missing\\s+✗ ← short-read\\s+✓ →\\s+✓ ←\\s+fixed, round trips exact`));
    }
    expect(r.out).not.toMatch(/pc-q35-9\.0/); // 8.2.0 does not know it
    // unaffected devices are one counted line, not a row each
    expect(r.out).toMatch(/^unaffected: 1 device pass with both 9\.0\.0 and 9\.0\.1 at all 12 machine types: isa-ipmi-kcs$/m);
    expect(r.out).not.toMatch(/isa-ipmi-kcs\s+pc-/);
    expect(r.out).toMatch(/proved: the fix removes every failure \(\d+ device × machine type combinations\) and introduces none/);
  });

  it('a "fix" that does not fix is not proved (exit 1), and its failures come with their replay commands', async () => {
    const r = await prove('--base', '9.0.0', '--fix', '9.0.0', '--peer', '8.2.0', '--device', 'virtio-gpu', '--machine', 'pc-q35-8.2', '--runs', '5', '--seed', '5');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/pc-q35-8\.2\s+✗ → footer-missing\s+✗ ← short-read\s+✗ → footer-missing\s+✗ ← short-read\s+NOT FIXED/);
    expect(r.out).toMatch(/replay: {2}npx vmcompat repro 'virtio-gpu\/9\.0\.0->8\.2\.0\/pc-q35-8\.2' --seed \d+/);
    expect(r.out).toMatch(/not proved: 9\.0\.0 still fails where 9\.0\.0 fails/);
  });

  it('a fix that breaks what worked is not proved; nor is one where the base never failed', async () => {
    const regressed = await prove('--base', '9.0.1', '--fix', '9.0.0', '--peer', '8.2.0', '--device', 'virtio-gpu', '--machine', 'pc-i440fx-8.1', '--runs', '5', '--seed', '5');
    expect(regressed.code).toBe(1);
    expect(regressed.out).toMatch(/REGRESSED/);
    expect(regressed.out).toMatch(/not proved: 9\.0\.0 fails where 9\.0\.1 passes/);
    const vacuous = await prove('--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--device', 'isa-ipmi-kcs', '--runs', '3', '--seed', '5');
    expect(vacuous.code).toBe(1);
    expect(vacuous.out).toMatch(/nothing to prove: 9\.0\.0 already passes against 8\.2\.0 everywhere checked/);
  });

  it('--json carries the verdict per machine type', async () => {
    const io = collectIo();
    expect(await main(['prove', '--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--device', 'virtio-gpu', '--machine', 'pc-q35-8.2', '--runs', '3', '--seed', '1', '--json'], io)).toBe(0);
    const doc = JSON.parse(io.lines.join('\n')).result;
    expect(doc).toMatchObject({ proved: true, machines: ['pc-q35-8.2'], devices: ['virtio-gpu'] });
    expect(doc.rows).toEqual([
      {
        device: 'virtio-gpu',
        machine: 'pc-q35-8.2',
        verdict: 'fixed',
        base: { forward: 'virtio-gpu/9.0.0->8.2.0/pc-q35-8.2', backward: 'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2' },
        fix: { forward: 'virtio-gpu/9.0.1->8.2.0/pc-q35-8.2', backward: 'virtio-gpu/8.2.0->9.0.1/pc-q35-8.2' },
      },
    ]);
  });

  it.each([
    [['--base', '9.0.0', '--peer', '8.2.0'], /--fix required/],
    [['--base', '9.0.0', '--fix', '9.9.9', '--peer', '8.2.0'], /--fix 9\.9\.9: unknown release \(known: .*8\.2\.0, 9\.0\.0, 9\.0\.1/],
    [['--base', '9.0.0', '--fix', '9.0.1', '--peer', '9.0.1'], /--peer 9\.0\.1 is also the fix/],
    [['--base', '9.0.0', '--fix', '9.0.1', '--peer', '8.2.0', '--machine', 'pc-q35-9.0'], /--machine 'pc-q35-9\.0' matches no machine type that 9\.0\.0, 9\.0\.1 and 8\.2\.0 all know/],
    [['--base', '9.0.0', '--fix', '/opt/qemu/bin/qemu-system-x86_64', '--peer', '8.2.0'], /all be release names or all be QEMU binaries, not a mix/],
  ])('%j exits 2 with the reason', async (args, reason) => {
    const r = await prove(...args);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toMatch(reason);
  });

  it('with paths to QEMU binaries it hands over to prove-with-binaries', async () => {
    const r = await prove('--base', '/nonexistent/a/qemu', '--fix', '/nonexistent/b/qemu', '--peer', '/nonexistent/c/qemu');
    expect(r.code).not.toBe(0);
    expect(r.err).not.toMatch(/unknown release/);
  });
});
