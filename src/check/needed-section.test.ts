/**
 * A top-level needed() that is false (#13 item 8): QEMU's vmstate_save skips
 * the whole section and the destination, whose own needed() says the same,
 * expects nothing. Between two identical releases that is no state loss.
 */
import { describe, expect, it } from 'vitest';
import { runCase } from './run.js';
import { testRelease, testdevClass, testdevVmsd } from '../../test/fixtures/testdev.js';

// 'gate' is on by default and hw_compat_8_2 turns it off: at pc-q35-8.2 the section is not sent
const gated = () => testdevClass(testdevVmsd({ needed: (_s, ctx) => ctx.props.gate === true }));

describe('a section whose top-level needed() is false', () => {
  it('is neither sent nor missed between two identical releases', () => {
    const r = runCase({ device: 'testdev', from: testRelease('a', [gated()]), to: testRelease('b', [gated()]), machine: 'pc-q35-8.2' }, { status: 'pass' }, { kind: 'examples' });
    expect(r.message).toBeNull();
    expect(r.status).toBe('pass');
  });

  it('is still sent, and checked, where needed() is true', () => {
    const r = runCase({ device: 'testdev', from: testRelease('a', [gated()]), to: testRelease('b', [gated()]), machine: 'pc-q35-9.0' }, { status: 'pass' }, { kind: 'examples' });
    expect(r.status).toBe('pass');
  });

  it('a receiver whose needed() is true still reports the section it expected and did not get', () => {
    const r = runCase({ device: 'testdev', from: testRelease('a', [gated()]), to: testRelease('b', [testdevClass()]), machine: 'pc-q35-8.2' }, null, { kind: 'examples' });
    expect(r.status).toBe('fail');
    expect(r.kind).toBe('missing-section');
  });
});
