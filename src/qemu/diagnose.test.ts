import { describe, expect, it } from 'vitest';
import { diagnose, qemuLines } from './diagnose.js';

/** stderr exactly as QEMU 7.2.22 and 10.0.2 printed it for streams broken on purpose (see case.test.ts). */
const P = 'qemu-system-x86_64: ';
const lines = (...l: string[]) => l.map((x) => P + x).join('\n') + '\n';
const NIC = 'warning: nic e1000.0 has no peer';

describe('diagnose: QEMU stderr → error kind', () => {
  it.each([
    ['machine-mismatch', lines(NIC, "Machine type received is 'pc-q35-7.2' and local is 'pc-q35-7.1'", 'load of migration failed: Invalid argument'), -22],
    [
      'unknown-section',
      lines(NIC, "Unknown savevm section or instance 'serial' 0. Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices", 'load of migration failed: Invalid argument'),
      -22,
    ],
    ['footer-missing', lines('Missing section footer for serial', 'load of migration failed: Invalid argument'), -22],
    ['footer-id-mismatch', lines('Mismatched section id in footer for serial - read 0x0 expected 0x26', 'load of migration failed: Invalid argument'), -22],
    ['config-missing', lines('Configuration section missing', 'load of migration failed: Invalid argument'), -22],
    ['unknown-section-type', lines('MIG_CMD 0xb unknown (len 0x0)', 'load of migration failed: Invalid argument'), -22],
    ['equal-mismatch', lines('1 != 2', 'Failed to load virtio-gpu-scanouts:parent_obj.conf.max_outputs', 'load of migration failed: Invalid argument'), -22],
    // A stream cut inside a field: the chain of Failed to load lines with EIO.
    ['short-read', lines(NIC, 'Failed to load serial:ier', 'Failed to load serial:state', "error while loading state for instance 0x0 of device 'serial'", 'load of migration failed: Input/output error'), -5],
    ['short-read', lines('Getting RAM address failed', 'error while loading state section id 2(ram)', 'load of migration failed: Input/output error'), -5],
    ['short-read', lines('Failed to load configuration:len', 'load of migration failed: Input/output error'), -5],
    // Cut right where a record type byte was due: nothing but the final line.
    ['truncated', lines(NIC, 'load of migration failed: Input/output error'), -5],
    ['unknown-subsection', lines('Failed to load virtio-gpu:virtio-gpu', "error while loading state for instance 0x0 of device '0000:00:02.0/virtio-gpu'", 'load of migration failed: No such file or directory'), -2],
    ['post-load-failed', lines('inconsistent state in serial device (tsr empty, tsr_retry=1', 'Failed to load serial:state', "error while loading state for instance 0x0 of device 'serial'", 'load of migration failed: Operation not permitted'), -1],
  ] as const)('%s', (kind, stderr, errno) => {
    const d = diagnose(stderr);
    expect(d.kind).toBe(kind);
    expect(d.errno).toBe(errno);
    expect(d.lines.some((l) => l.startsWith('warning:'))).toBe(false);
  });

  it('names the section and the innermost field', () => {
    const d = diagnose(lines('Failed to load serial:ier', 'Failed to load serial:state', "error while loading state for instance 0x0 of device 'serial'", 'load of migration failed: Input/output error'));
    expect(d).toMatchObject({ section: 'serial', vmsd: 'serial', field: 'ier', line: 'Failed to load serial:ier' });
  });

  it("leaves 7.2's reading of a truncated RAM section to the bytes", () => {
    // 7.2 reads the zeros past the end as flags 0 and says EINVAL, not EIO.
    const d = diagnose(lines('Unknown combination of migration flags: 0x0', 'error while loading state section id 1(ram)', 'load of migration failed: Invalid argument'));
    expect(d.kind).toBeNull();
    expect(d.section).toBe('ram');
    expect(d.line).toBe('Unknown combination of migration flags: 0x0');
  });

  it('strips the program prefix of any build', () => {
    expect(qemuLines('/opt/qemu/bin/qemu-system-x86_64: Missing section footer for x\nplain line\n')).toEqual(['Missing section footer for x', 'plain line']);
  });
});
