import { describe, expect, test } from 'vitest';
import { parseC } from '../parse.js';
import { applyAssigns, evalExpr, type PredicateEnv } from './predicate.js';
import { childMembers, translateFunction } from './translate.js';
import { translateHookFunction } from './hooks.js';

/** C written for the test (no QEMU text), translated without a unit: literals only. */
async function parsed<T>(src: string, f: (def: import('web-tree-sitter').Node) => Promise<T>): Promise<T> {
  const tree = await parseC(src);
  try {
    return await f(tree.rootNode.namedChildren.find((n) => n?.type === 'function_definition')!);
  } finally {
    tree.delete();
  }
}
const lookups = { vmsdVersion: (c: string) => (c === 'vmstate_toy' ? 9 : undefined), childMember: childMembers(`object_initialize_child(obj, "core", &d->core, TYPE_TOY);`) };
const hook = (src: string) => parsed(src, (def) => translateHookFunction(def, null, lookups));
const env = (self: Record<string, unknown>, props: Record<string, unknown> = {}): PredicateEnv => ({ self, device: self, props, version: 1, propMembers: new Map([['width', [{ prop: 'width' }]]]) });

describe('translateHookFunction (pre_save)', () => {
  test('assignments from a VMSD version, a property and another member, through a QOM child named by string', async () => {
    const a = await hook(`int toy_pre_save(void *opaque) {
      Toy *s = TOY(object_resolve_path_component(OBJECT(opaque), "core"));
      s->saved_version = vmstate_toy.version_id;
      s->w = s->width;
      s->flags |= s->mask << 1;
      trace_toy_pre_save(s->w);
      return 0;
    }`);
    const st: Record<string, unknown> = { 'core.saved_version': 2, 'core.w': 0, 'core.flags': 1, 'core.mask': 2 };
    applyAssigns(a, { ...env(st, { width: 5 }), propMembers: new Map([['core.width', [{ prop: 'width' }]]]) });
    expect(st).toEqual({ 'core.saved_version': 9, 'core.w': 5, 'core.flags': 5, 'core.mask': 2 });
  });

  test('an if around assignments; a bool member stays a bool', async () => {
    const a = await hook(`static int p(void *opaque) { S *s = opaque; if (s->mode == 2) { s->on = true; } else s->n = 3; return 0; }`);
    const one: Record<string, unknown> = { mode: 2, on: false, n: 0 };
    applyAssigns(a, env(one));
    expect(one).toEqual({ mode: 2, on: true, n: 0 });
    const two: Record<string, unknown> = { mode: 1, on: false, n: 0 };
    applyAssigns(a, env(two));
    expect(two).toEqual({ mode: 1, on: false, n: 3 });
  });

  test('what does not translate is refused with the reason', async () => {
    await expect(hook(`static int p(void *opaque) { S *s = opaque; timer_del(s->t); return 0; }`)).rejects.toThrow(/statement with effects: 'timer_del/);
    await expect(hook(`static int p(void *opaque) { S *s = opaque; if (s->n > 4) { return -EINVAL; } return 0; }`)).rejects.toThrow(/return before the end/);
    await expect(hook(`static int p(void *opaque) { S *s = opaque; s->n = 1; return 1; }`)).rejects.toThrow(/refuse the save/);
    await expect(hook(`static int p(void *opaque) { S *s = opaque; for (;;) { s->n = 1; } }`)).rejects.toThrow(/for statement/);
    await expect(hook(`static int p(void *opaque) { S *s = TOY(object_resolve_path_component(OBJECT(opaque), "other")); s->n = 1; return 0; }`)).rejects.toThrow(/a call to TOY\(\)/);
  });
});

describe('translateFunction: locals assigned in the body', () => {
  test('the version parameter rebound to MIN(version, member), as a field test', async () => {
    const e = await parsed(`static bool t(void *opaque, int version_id) { S *s = S_CAST(opaque); version_id = MIN(version_id, s->mig); return version_id >= 5; }`, (d) => translateFunction(d, null));
    expect([[7, 5], [7, 4], [4, 7]].map(([v, m]) => evalExpr(e, { ...env({ mig: m }), version: v! }))).toEqual([1n, 0n, 0n]);
  });

  test('a local rebound in one branch is not seen by the other', async () => {
    const e = await parsed(`static bool t(void *opaque) { S *s = opaque; int x = 1; if (s->a) { x = 5; return x > 2; } return x > 2; }`, (d) => translateFunction(d, null));
    expect([1, 0].map((a) => evalExpr(e, env({ a })))).toEqual([1n, 0n]);
  });
});
