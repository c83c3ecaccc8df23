import { afterAll, describe, expect, it } from 'vitest';
import { provisioned } from './binaries.js';
import { runDirection } from './case.js';
import { leftovers } from './driver.js';

// Real 7.2 ⇄ 10.0 verdicts that must be earned (#13): no false alarm where QEMU is
// right, and the first real loss as the headline where it is not.

describe('real verdicts', () => {
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
