/**
 * The i8259/ltim subsection against the real binaries (scenarios
 * builtin/i8259-ltim.json and trees/i8259-ltim-7.2-10.0.json say so):
 * 10.0.2 has it (sent while ltim is set, no compat property), 7.2.22 does
 * not. A 10.0.2 stream at pc-q35-7.2 whose first PIC carries the
 * subsection with ltim = 8 (ICW1's LTIM bit) is a state 10.0.2 holds: it
 * loads it and sends it again; 7.2.22 refuses that stream. The same stream
 * without the subsection loads into 7.2.22, so the subsection is the cause.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decodeStream, type DeviceRecord } from '../wire/decode.js';
import { provisioned } from './binaries.js';
import { leftovers, loadAndSave, saveToFile } from './driver.js';

const vm = { machine: 'pc-q35-7.2' };

/** The first PIC's section (idstr i8259, instance 0). */
function pic0(stream: Uint8Array): DeviceRecord {
  const r = decodeStream(stream).records.find((x): x is DeviceRecord => x.type === 'FULL' && x.idstr === 'i8259' && x.instanceId === 0);
  if (!r) throw new Error('no i8259 instance 0 in the stream');
  return r;
}

/** `stream` with the subsection i8259/ltim (version 1, ltim = 8) appended to the first PIC's fields. */
function withLtim(stream: Uint8Array): Uint8Array {
  const r = pic0(stream);
  const end = r.payloadOffset + r.payloadLength;
  const name = new TextEncoder().encode('i8259/ltim');
  const sub = Uint8Array.from([0x05, name.length, ...name, 0, 0, 0, 1, 8]);
  return Uint8Array.from([...stream.subarray(0, end), ...sub, ...stream.subarray(end)]);
}

describe('i8259/ltim on the real binaries', () => {
  afterAll(() => expect(leftovers().filter((l) => l.running || l.dirExists)).toEqual([]));

  it('10.0.2 loads and re-sends a PIC with ltim set at pc-q35-7.2; 7.2.22 refuses it, and loads the same stream without it', async () => {
    const { q72, q10 } = await provisioned();
    const plain = await saveToFile({ binary: q10, vm });
    expect(pic0(plain).payloadLength).toBe(16); // sixteen registers, no subsection at reset
    const through10 = await loadAndSave({ binary: q10, vm }, withLtim(plain));
    expect(through10.ok, through10.ok ? '' : through10.message).toBe(true);
    if (!through10.ok) return;
    const resent = pic0(through10.stream);
    const payload = through10.stream.subarray(resent.payloadOffset, resent.payloadOffset + resent.payloadLength);
    expect(payload.length).toBe(16 + 1 + 1 + 10 + 4 + 1);
    expect(new TextDecoder().decode(payload.subarray(18, 28))).toBe('i8259/ltim');
    expect(payload[32]).toBe(8);

    const into72 = await loadAndSave({ binary: q72, vm }, through10.stream);
    expect(into72.ok).toBe(false);
    if (into72.ok) return;
    expect(into72.stderr).toMatch(/error while loading state for instance 0x0 of device 'i8259'/);

    const control = await loadAndSave({ binary: q72, vm }, plain);
    expect(control.ok, control.ok ? '' : control.message).toBe(true);
  }, 120_000);
});
