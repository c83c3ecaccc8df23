/**
 * The PICs' legacy instance ids (pic_common_realize:
 * qdev_set_legacy_instance_id(dev, s->iobase, 1)): QEMU finds a section by
 * its instance id or its alias id, so a stream that numbers the two i8259
 * sections by their I/O bases (0x20, 0xa0) loads, and one that numbers a
 * PIC by anything else does not. The real 7.2.22 and 10.0.2 are the
 * oracle; the hand model's engine must do the same (DeviceClass.aliasIdOf
 * over the board's per-instance properties, instanceProps).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../machine/engine.js';
import { decodeStream, type DeviceRecord } from '../wire/decode.js';
import { findRelease } from '../../scenarios/releases/index.js';
import { provisioned } from './binaries.js';
import { leftovers, loadFromFile, saveToFile } from './driver.js';

const vm = { machine: 'pc-q35-7.2' };

/** `stream` with the two i8259 sections' instance ids (0 and 1) replaced by `ids`. */
function renumberPics(stream: Uint8Array, ids: [number, number]): Uint8Array {
  const out = stream.slice();
  const dv = new DataView(out.buffer);
  const pics = decodeStream(stream).records.filter((x): x is DeviceRecord => x.type === 'FULL' && x.idstr === 'i8259');
  expect(pics.map((p) => p.instanceId)).toEqual([0, 1]);
  // section header: type, section id (4), idstr length (1), idstr, instance id (4), version (4)
  for (const [i, p] of pics.entries()) dv.setUint32(p.offset + 1 + 4 + 1 + p.idstr.length, ids[i]!);
  return out;
}

describe('i8259 alias ids', () => {
  afterAll(() => expect(leftovers().filter((l) => l.running || l.dirExists)).toEqual([]));

  it('real QEMU finds the PICs by their I/O bases and refuses another number', async () => {
    const { q72, q10 } = await provisioned();
    for (const q of [q72, q10]) {
      const s = await saveToFile({ binary: q, vm });
      const ok = await loadFromFile({ binary: q, vm }, renumberPics(s, [0x20, 0xa0]));
      expect(ok.ok, ok.ok ? '' : ok.message).toBe(true);
      const bad = await loadFromFile({ binary: q, vm }, renumberPics(s, [0x20, 0xa1]));
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.stderr).toMatch(/Unknown savevm section or instance 'i8259' 161/);
    }
  }, 120_000);

  it.each(['7.2.1', '10.0.0'])('the %s model does the same: the master answers to 0x20, the slave to 0xa0', (name) => {
    const e = new Engine(findRelease(name)!, 'pc-q35-7.2', { devices: ['i8259', 'i8259'] });
    expect(e.instances.map((i) => [i.instanceId, i.aliasId, i.props.iobase, i.props.master])).toEqual([
      [0, 0x20, 0x20, true],
      [1, 0xa0, 0xa0, false],
    ]);
    const saved = e.save({ i8259: e.resetState('i8259'), 'i8259#1': { ...e.resetState('i8259#1'), imr: 0xff } });
    const back = e.load(renumberPics(saved.bytes, [0x20, 0xa0]));
    expect(back.ok, back.ok ? '' : back.error.message).toBe(true);
    if (back.ok) expect(back.states['i8259#1']!.imr).toBe(0xff);
    const bad = e.load(renumberPics(saved.bytes, [0x20, 0xa1]));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.kind).toBe('unknown-section');
  });
});
