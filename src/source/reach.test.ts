import { describe, expect, test } from 'vitest';
import { lex } from './lex.js';
import { callerGuards, functionsOf, localGuards, negate, type ReachFile } from './reach.js';

/** Hand-written C (not QEMU's): the guards of the one `reg(` call in `fn`. */
function guardsIn(c: string, fn = 'f'): string[] {
  const toks = lex(c);
  const f = functionsOf(toks).find((x) => x.name === fn)!;
  const body = toks.slice(f.open + 1, f.close);
  const at = body.findIndex((t) => t.text === 'reg');
  return localGuards(body, at, fn, 'a.c').map((g) => g.cond);
}

describe('localGuards: the conditions a call is reached under inside its function', () => {
  test('an enclosing if, an else branch, an early return or goto before it', () => {
    expect(guardsIn('void f(void) { if (a->on) { reg(1); } }')).toEqual(['a->on']);
    expect(guardsIn('void f(void) { if (x == NULL) { y(); } else { reg(1); } }')).toEqual(['x != NULL']);
    expect(guardsIn('void f(O *o) { if (!o) { return; } r = g(o); if (!r) goto out; reg(1); out: h(); }')).toEqual(['o', 'r']);
    expect(guardsIn('void f(void) { if (!ok(s)) return; reg(1); }')).toEqual(['ok(s)']);
  });

  test('error exits, conditions over an error, loops, the call inside a condition and statements after it add nothing', () => {
    expect(guardsIn('void f(E **errp) { if (!s->bmc) { error_setg(errp, "x"); return; } if (*errp) { return; } if (n < 0) { exit(1); } reg(1); }')).toEqual([]);
    expect(guardsIn('void f(void) { for (i = 0; i < n; i++) { reg(i); } }')).toEqual([]);
    expect(guardsIn('void f(void) { FOREACH(x, list) { if (x) continue; } reg(1); }')).toEqual([]);
    expect(guardsIn('void f(void) { if (!reg(1)) { return; } }')).toEqual([]);
    expect(guardsIn('void f(void) { reg(1); if (a) return; }')).toEqual([]);
    expect(guardsIn('void f(void) { if (a) { b(); } reg(1); }')).toEqual([]);
  });

  test('negate spells the condition as it reads', () => {
    expect(negate('!opts')).toBe('opts');
    expect(negate('!x86_on(X(pcms))')).toBe('x86_on(X(pcms))');
    expect(negate('!(a && b)')).toBe('a && b');
    expect(negate('a || b')).toBe('!(a || b)');
    expect(negate('s->x')).toBe('!s->x');
  });
});

describe('callerGuards: the conditions at the call sites of the function a call is in', () => {
  const files: Record<string, string> = {
    'a.c': 'void wrap(void) { reg(1); }\nvoid conf(O *o) { if (!o) { return; } if (!o->rr) { goto out; } wrap(); out: done(); }',
    'b.c': 'void init(void) { conf(opts); }',
    'c.c': 'static void realize(D *d) { reg(2); }\nstatic const T t = { .realize = realize };',
    'd.c': 'void helper(void) { reg(3); }\nvoid p(void) { if (x) helper(); }\nvoid q(void) { helper(); }',
  };
  const src = {
    files: Object.keys(files),
    text: (f: string) => files[f] ?? null,
    read: (f: string): ReachFile | null => {
      const toks = lex(files[f]!);
      return { toks, fns: functionsOf(toks) };
    },
  };

  test('a helper called under conditions is reached only under them, through its callers', () => {
    expect(callerGuards(src, 'wrap', 'a.c', false)?.map((p) => p.map((g) => `${g.fn}: ${g.cond} @${g.at.file}`))).toEqual([['conf: o @a.c', 'conf: o->rr @a.c']]);
  });

  test('a function used as a pointer, one with an unconditional caller, or a QMP handler is reached unconditionally (null)', () => {
    expect(callerGuards(src, 'realize', 'c.c', true)).toBeNull();
    expect(callerGuards(src, 'helper', 'd.c', false)).toBeNull();
    expect(callerGuards(src, 'qmp_x_go', 'a.c', false)).toBeNull();
    expect(callerGuards(src, 'init', 'b.c', false)).toBeNull();
  });
});
