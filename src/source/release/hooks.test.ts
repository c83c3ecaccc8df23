import { describe, expect, test } from 'vitest';
import { parseC } from '../parse.js';
import { applyAssigns, evalExpr, exprText, isReject, type PredicateEnv } from './predicate.js';
import { childMembers, functionDefs, translateFunction } from './translate.js';
import { translateHookFunction, translateLoadHook, translateSaveHook } from './hooks.js';

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

/** The last function of the text translated as a load hook; the others are the file's helpers it may call. */
async function loadHook(src: string) {
  const tree = await parseC(src);
  try {
    const fns = tree.rootNode.namedChildren.filter((n) => n?.type === 'function_definition');
    return await translateLoadHook(fns[fns.length - 1]!, null, { ...lookups, defs: functionDefs(tree.rootNode) });
  } finally {
    tree.delete();
  }
}

describe('translateLoadHook (post_load / pre_load)', () => {
  test('a refusal under a condition, assignments before and after it, a same-file helper called as a statement', async () => {
    const h = await loadHook(`static void fix(S *s, int v) { if (v > 1) { s->mode = v; } return; }
static int p(void *opaque, int version_id) {
  S *s = opaque;
  if (s->idx >= 4 || s->idx < 0) {
    error_report("bad idx %d", s->idx);
    return -1;
  }
  s->n = s->idx + 1;
  fix(s, s->idx);
  return 0;
}`);
    expect(h.rest).toBeUndefined();
    expect(h.assigns.filter(isReject).map((r) => [r.reject, exprText(r.when!)])).toEqual([['-1', '(idx >= 4) || (idx < 0)']]);
    const st: Record<string, unknown> = { idx: 3, n: 0, mode: 0 };
    expect(applyAssigns(h.assigns, env(st))).toBeNull();
    expect(st).toEqual({ idx: 3, n: 4, mode: 3 });
    const bad: Record<string, unknown> = { idx: 4, n: 0, mode: 0 };
    expect(applyAssigns(h.assigns, env(bad))).toMatchObject({ reject: '-1' });
    expect(bad).toEqual({ idx: 4, n: 0, mode: 0 });
  });

  test('steps up to the first statement that does not translate; the rest is said', async () => {
    const h = await loadHook(`static int p(void *opaque, int v) { S *s = opaque; if (s->n > 9) return -1; timer_mod(s->t, 5); s->n = 0; return 0; }`);
    expect(h.assigns).toHaveLength(1);
    expect(h.rest).toMatch(/^from line 1: a statement with effects: 'timer_mod/);
    await expect(loadHook(`static int p(void *opaque, int v) { S *s = opaque; timer_mod(s->t, 5); if (s->n > 9) return -1; return 0; }`)).rejects.toThrow(/timer_mod/);
  });

  test('an early success return is not followed', async () => {
    await expect(loadHook(`static int p(void *opaque, int v) { S *s = opaque; if (s->n) { return 0; } s->m = 1; return 0; }`)).rejects.toThrow(/return before the end|returns early/);
  });
});

describe('translateSaveHook: an assignment whose value does not translate leaves the member drawn', () => {
  test('hpet-like: the counter from the clock under a same-file test, then a copy of a member', async () => {
    const tree = await parseC(`static bool on(S *s) { return s->config & 1; }
static int p(void *opaque) { S *s = opaque; if (on(s)) { s->counter = get_ticks(s); } s->saved = s->num; return 0; }`);
    try {
      const fns = tree.rootNode.namedChildren.filter((n) => n?.type === 'function_definition');
      const h = await translateSaveHook(fns[1]!, null, { defs: functionDefs(tree.rootNode) });
      expect(h.drawn).toEqual(['counter']);
      expect(h.rest).toMatch(/^counter from line 2 \(a call to get_ticks\(\)\): keeps its generated value$/);
      const st: Record<string, unknown> = { config: 1, counter: 5, num: 3, saved: 0 };
      applyAssigns(h.assigns, env(st));
      expect(st).toEqual({ config: 1, counter: 5, num: 3, saved: 3 });
    } finally {
      tree.delete();
    }
  });
});
