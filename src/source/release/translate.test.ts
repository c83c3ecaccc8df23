import { describe, expect, test } from 'vitest';
import { parseC } from '../parse.js';
import { evalExpr, memberValue, type PredicateEnv } from './predicate.js';
import { translateFunction } from './translate.js';

/** C written for the test (no QEMU text), translated without a unit: literals only. */
async function tr(src: string) {
  const tree = await parseC(src);
  try {
    const fns = tree.rootNode.namedChildren.filter((n) => n?.type === 'function_definition');
    const defs = new Map(fns.map((d) => [d!.childForFieldName('declarator')!.childForFieldName('declarator')!.text.replace(/^\*/, ''), d!]));
    // the last function is the one translated; the others are the file's helpers it may call
    return await translateFunction(fns[fns.length - 1]!, null, { defs });
  } finally {
    tree.delete();
  }
}
const env = (self: Record<string, unknown>, props: Record<string, unknown> = {}, version = 1): PredicateEnv => ({
  self, device: self, props, version, propMembers: new Map([['flags', [{ prop: 'x-bit', bit: 2 }]]]),
});

describe('translateFunction', () => {
  test('a QOM cast of the opaque, members, a bit property behind a member, early returns', async () => {
    const e = await tr(`static bool t(void *opaque) { Toy *s = TOY(opaque); if (s->n == 0) { return false; } return (s->flags & 4) && s->regs.a > 1; }`);
    expect(evalExpr(e, env({ n: 1, 'regs.a': 2 }, { 'x-bit': true }))).toBe(1n);
    expect(evalExpr(e, env({ n: 1, 'regs.a': 2 }, { 'x-bit': false }))).toBe(0n);
    expect(evalExpr(e, env({ n: 0, 'regs.a': 2 }, { 'x-bit': true }))).toBe(0n);
  });

  test("a call to another function of the file is that function's translation, with its parameters bound", async () => {
    const e = await tr(`static bool need(void *opaque) { Toy *s = TOY(opaque); return !(s->flags & 2); }
static bool scale(void *p, int v) { Toy *s = p; return v > s->n; }
static bool t(void *opaque, int version_id) { return !need(opaque) && scale(opaque, version_id); }`);
    expect(evalExpr(e, env({ flags: 2n, n: 1 }, {}, 3))).toBe(1n);
    expect(evalExpr(e, env({ flags: 0n, n: 1 }, {}, 3))).toBe(0n);
    expect(evalExpr(e, env({ flags: 2n, n: 5 }, {}, 3))).toBe(0n);
    await expect(tr(`static bool t(void *opaque) { return elsewhere(opaque); }`)).rejects.toThrow(/a call to elsewhere\(\)/);
  });

  test('a field test reads the version; container_of reaches the device', async () => {
    const v = await tr(`static bool t(void *opaque, int version_id) { return version_id >= 3; }`);
    expect([2, 3].map((x) => evalExpr(v, env({}, {}, x)))).toEqual([0n, 1n]);
    const c = await tr(`static bool t(void *opaque) { Dev *d = container_of(opaque, Dev, sub); return d->mode != 0; }`);
    expect(c).toEqual({ k: 'bin', op: '!=', l: { k: 'member', root: 'device', path: ['mode'] }, r: { k: 'int', v: '0' } });
  });

  test('helpers: timer_pending over the migrated expiry, migrate_* and pci_is_express as named inputs', async () => {
    const t = await tr(`static bool t(void *opaque) { S *s = opaque; return timer_pending(s->timer); }`);
    expect([-1n, 5n].map((x) => evalExpr(t, env({ timer: x })))).toEqual([0n, 1n]);
    const m = await tr(`static bool t(void *opaque) { return migrate_background_snapshot() || !pci_is_express(PCI_DEVICE(opaque)); }`);
    expect(evalExpr(m, env({}, { 'migrate_background_snapshot()': false, 'pci_is_express()': true }))).toBe(0n);
  });

  test('what does not translate is refused with the reason', async () => {
    await expect(tr(`static bool t(void *opaque) { S *s = opaque; return some_fn(s); }`)).rejects.toThrow(/a call to some_fn\(\)/);
    await expect(tr(`static bool t(void *opaque) { S *s = opaque; for (;;) {} }`)).rejects.toThrow(/for statement/);
  });
});

describe('memberValue: a property holding a member of a nested struct the VMSDs migrate only part of', () => {
  test('acpi_memory_hotplug.is_enabled (memory-hotplug-support) is read from the property when the struct in the state lacks it', () => {
    const env = {
      self: { acpi_memory_hotplug: { selector: 0 } },
      device: {},
      props: { 'memory-hotplug-support': true },
      version: 1,
      propMembers: new Map([['acpi_memory_hotplug.is_enabled', [{ prop: 'memory-hotplug-support' }]]]),
    } as unknown as PredicateEnv;
    expect(memberValue(env, 'self', ['acpi_memory_hotplug', 'is_enabled'])).toBe(true);
    expect(memberValue(env, 'self', ['acpi_memory_hotplug', 'selector'])).toBe(0);
    expect(memberValue({ ...env, propMembers: new Map() }, 'self', ['acpi_memory_hotplug', 'is_enabled'])).toBeUndefined();
  });
});

describe('translateFunction: if / else if chains and branches that fall through', () => {
  test('hpet 7.2-like: if (n < 2) return false; else if (n > 32) return false; return true', async () => {
    const e = await tr(`static bool t(void *opaque, int v) { S *s = opaque; if (s->n < 2) { return false; } else if (s->n > 32) { return false; } return true; }`);
    expect([1, 2, 32, 33].map((n) => evalExpr(e, env({ n })))).toEqual([0n, 1n, 1n, 0n]);
  });

  test('a branch that only rebinds a local goes on with what follows', async () => {
    const e = await tr(`static bool t(void *opaque) { S *s = opaque; int x = 1; if (s->a) { x = 5; } return x > 2; }`);
    expect([1, 0].map((a) => evalExpr(e, env({ a })))).toEqual([1n, 0n]);
  });
});
