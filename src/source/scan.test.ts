import { describe, expect, test } from 'vitest';
import { MacroEnv, type Unit } from './cpp.js';
import { scanUnit } from './scan.js';
import { TypeIndex } from './types-index.js';

/** One hand-written .c file (not QEMU's text) as a unit with no macros. */
const unit = (active: string): Unit => ({ path: 'hw/toy/toy.c', env: new MacroEnv(), active, includes: [], missing: [] });

describe('scanUnit: vmstate_register*() sites', () => {
  test('the vmsd is the argument at the function’s vmsd position, not the first name that looks like one', () => {
    const facts = scanUnit(
      unit(`
void toy_init(ToyState *vmstate_owner, int vmstate_id)
{
    vmstate_register(NULL, vmstate_id, &vmstate_toy, vmstate_owner);
    vmstate_register_any(NULL, s->vmsd, &vmstate_toy_state);
    vmstate_register_with_alias_id(NULL, 0, &vmstate_pic, &vmstate_pic_state, 2, 1, NULL);
}
`),
      new TypeIndex(),
    );
    expect(facts.registers.map((r) => [r.fn, r.vmsd?.name ?? null])).toEqual([
      ['vmstate_register', 'vmstate_toy'],
      ['vmstate_register_any', null],
      ['vmstate_register_with_alias_id', 'vmstate_pic'],
    ]);
  });

  test('each site carries the function it is in and the conditions it is reached under there', () => {
    const facts = scanUnit(
      unit(`
static void toy_setup(Board *b)
{
    if (!b->fw) {
        return;
    }
    vmstate_register(NULL, 0, &vmstate_toy, b);
}
`),
      new TypeIndex(),
    );
    const r = facts.registers[0]!;
    expect([r.in, r.inStatic]).toEqual(['toy_setup', true]);
    expect(r.onlyWhen?.map((p) => p.map((g) => [g.fn, g.cond, g.at.line]))).toEqual([[['toy_setup', 'b->fw', 4]]]);
  });
});
