/**
 * post_load hooks of the 10.0.2 tree translated from its own C (read at
 * test time from .cache/src): a refusal under a condition becomes the
 * engine's post_load failure, and what follows a statement that does not
 * translate is said, not guessed. A missing tree is a failure, never a skip.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseC } from '../../src/source/parse.js';
import { SourceTree } from '../../src/source/props/context.js';
import { arrayLengths, functionDefs } from '../../src/source/release/translate.js';
import { translateLoadHook } from '../../src/source/release/hooks.js';
import { applyAssigns, exprText, isReject, type PredicateEnv } from '../../src/source/release/predicate.js';
import { SOURCE_SETUP_HINT } from '../../src/source/extract.js';

const TREE = resolve('.cache/src/qemu-10.0.2');

async function loadHook(file: string, fn: string) {
  if (!existsSync(join(TREE, 'VERSION'))) throw new Error(`${TREE}: QEMU source tree missing; ${SOURCE_SETUP_HINT}`);
  const source = new SourceTree(TREE);
  const ctx = source.context(source.unit(file));
  const tree = await parseC(ctx.unit.text);
  try {
    const def = functionDefs(tree.rootNode).get(fn);
    if (!def) throw new Error(`${fn} not in ${file}`);
    return await translateLoadHook(def, ctx, { defs: functionDefs(tree.rootNode), arrayLength: arrayLengths(tree.rootNode) });
  } finally {
    tree.delete();
  }
}

const env = (self: Record<string, unknown>): PredicateEnv => ({ self, device: self, props: {}, propMembers: new Map(), version: 1 });

describe('post_load refusals from the 10.0.2 tree', () => {
  test('ide_drive_pio_post_load refuses an end_transfer_fn_idx past its table (ARRAY_SIZE of the file\'s array); the pointer fix-ups after it are not modelled', async () => {
    const h = await loadHook('hw/ide/core.c', 'ide_drive_pio_post_load');
    const rejects = h.assigns.filter(isReject);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]!.reject).toBe('-EINVAL');
    const table = exprText(rejects[0]!.when!);
    expect(table).toMatch(/^end_transfer_fn_idx >= \d+$/);
    const size = Number(table.split('>= ')[1]);
    expect(size).toBeGreaterThan(1);
    expect(applyAssigns(h.assigns, env({ end_transfer_fn_idx: size - 1 }))).toBeNull();
    expect(applyAssigns(h.assigns, env({ end_transfer_fn_idx: size }))).toMatchObject({ reject: '-EINVAL' });
    expect(h.rest).toMatch(/^from line \d+: /);
  });

  test('lsi_post_load refuses msg_len outside 0..LSI_MAX_MSGIN_LEN; starting the script timer after it is not modelled', async () => {
    const h = await loadHook('hw/scsi/lsi53c895a.c', 'lsi_post_load');
    expect(h.assigns.filter(isReject).map((r) => exprText(r.when!))).toEqual(['(msg_len < 0) || (msg_len > 8)']);
    expect([-1, 0, 8, 9].map((n) => applyAssigns(h.assigns, env({ msg_len: n }))?.reject ?? 'ok')).toEqual(['-EINVAL', 'ok', 'ok', '-EINVAL']);
    expect(h.rest).toMatch(/lsi_scripts_timer_start/);
  });
});
