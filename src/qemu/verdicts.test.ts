import { afterAll, describe, expect, it } from 'vitest';
import { releases } from '../../scenarios/releases/index.js';
import { walkStream } from '../wire/walk.js';
import { provisioned, type QemuBinary } from './binaries.js';
import { DETERMINISTIC_RTC, runDirection } from './case.js';
import { leftovers, saveToFile } from './driver.js';
import { modelByVersion } from './model.js';

const models = modelByVersion(releases);

/**
 * "A 10.0 build whose scanout test always says yes": 10.0.2 with the compat property
 * that pc-q35-7.2 sets to 1 (hw_compat_8_2) set back to 2, so it writes 8.2→9.0's six
 * fb.* fields per scanout that 7.2 has never heard of.
 */
const alwaysTrueGpu = (q10: QemuBinary): QemuBinary => ({ ...q10, extraArgs: [...q10.extraArgs, '-global', 'virtio-gpu-device.x-scanout-vmstate-version=2'] });

// Real 7.2 ⇄ 10.0 verdicts that must be earned (#13): no false alarm where QEMU is
// right, and the first real loss as the headline where it is not.

describe('real verdicts', () => {
  it('a rejected virtio-gpu stream names the VMSD, field and offset where the layouts part, with both traces (not the section start)', async () => {
    const { q72, q10 } = await provisioned();
    const gpu = alwaysTrueGpu(q10);
    const spec = { a: gpu, b: q72, machine: 'pc-q35-7.2', devices: ['virtio-gpu-pci'], models };
    const section = walkStream(await saveToFile({ binary: gpu, vm: { machine: spec.machine, devices: spec.devices, args: DETERMINISTIC_RTC } })).records.find((x) => x.idstr?.endsWith('/virtio-gpu'))!;
    const fwd = await runDirection(spec, gpu, q72);
    expect(fwd).toMatchObject({ status: 'fail', kind: 'footer-missing', vmsd: 'virtio-gpu-one-scanout', path: 'parent_obj.scanout[0].fb.format', stage: 'forward' });
    expect(fwd.qemu[0]).toBe('Missing section footer for 0000:00:01.0/virtio-gpu');
    // 45,663 bytes into the section (header included), not at its start
    expect(fwd.offset! - section.offset).toBe(45_663);
    expect(fwd.message).toMatch(/^7\.2 finished section '0000:00:01\.0\/virtio-gpu' at 0x[0-9a-f]+ after parent_obj\.scanout\[0\]\.cursor\.pos\.y; 10\.0 wrote 24 more byte\(s\); the layouts part at virtio-gpu-one-scanout:parent_obj\.scanout\[0\]\.fb\.format/);
    expect(fwd.failure?.origin).toMatchObject({ sent: { path: 'parent_obj.scanout[0].fb.format', vmsd: 'virtio-gpu-one-scanout' } });
    expect(fwd.failure?.sentTrace?.length).toBeGreaterThan(50);
    expect(fwd.failure?.readTrace?.length).toBeGreaterThan(50);

    const back = await runDirection({ ...spec, a: q72, b: gpu }, q72, gpu);
    expect(back).toMatchObject({ status: 'fail', kind: 'short-read', vmsd: 'virtio-gpu-one-scanout', path: 'parent_obj.scanout[0].fb.format' });
    expect(back.failure?.qemuKind).toBe('footer-missing');
    expect(back.message).toMatch(/10\.0 read past the end of section '0000:00:01\.0\/virtio-gpu'.* 7\.2 ended the section at 0x[0-9a-f]+ and 10\.0 read 24 byte\(s\) more/);
  });

  it('e1000e 7.2 ⇄ 10.0 passes at pc-q35-7.2 and pc-i440fx-7.2: fields turned into VMSTATE_UNUSED are compared by bytes', async () => {
    const { q72, q10 } = await provisioned();
    for (const machine of ['pc-q35-7.2', 'pc-i440fx-7.2']) {
      for (const [from, to] of [[q72, q10], [q10, q72]] as const) {
        const r = await runDirection({ a: q72, b: q10, machine, devices: ['e1000e'] }, from, to);
        expect(r.status, `${from.name}→${to.name} ${machine}: ${r.message}`).toBe('pass');
        expect(r.differences).toEqual([]);
        // 7.2's itr_intr_pending and eitr_intr_pending[5] are 10.0's VMSTATE_UNUSED(1) and (5)
        expect(r.unused.map((u) => [u.bytes, from === q72 ? u.src : u.dst])).toEqual([
          [1, 'core.itr_intr_pending'],
          [5, 'core.eitr_intr_pending[0] … core.eitr_intr_pending[4]'],
        ]);
        expect(r.message).toMatch(/compared by bytes \(VMSTATE_UNUSED on one side\): 0000:00:0\d\.0\/e1000e \(0\) /);
      }
    }
  });

  it('am53c974 (ESP) 10.0 → 7.2 at pc-q35-7.2: the headline is the field 7.2 does not carry, not the version byte', async () => {
    const { q72, q10 } = await provisioned();
    const r = await runDirection({ a: q10, b: q72, machine: 'pc-q35-7.2', devices: ['am53c974'] }, q10, q72);
    expect(r).toMatchObject({ status: 'fail', kind: 'value-changed', path: '0000:00:01.0/pciespscsi (0) esp.drq_state' });
    expect(r.differences.map((d) => [d.path, d.src, d.dst, d.encodesVersion ?? false])).toEqual([
      ['esp.drq_state', 'false', 'not sent', false],
      ['esp.mig_version_id', '0x07', '0x06', true],
    ]);
    expect(r.message).toMatch(/esp\.mig_version_id: 0x07 → 0x06 \(the VMSD version each release writes: expected to differ, not the headline\)/);
  });
});

// Nothing this file started may outlive it: no QEMU process, no temp dir.
afterAll(() => expect(leftovers()).toEqual([]));
