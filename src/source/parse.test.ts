import { describe, expect, test } from 'vitest';
import { parseC } from './parse.js';

describe('parseC', () => {
  test('parses a VMSD initialiser into designated fields', async () => {
    const tree = await parseC('static const VMStateDescription vmstate_x = { .name = "x", .version_id = 3 };');
    const pairs = tree.rootNode.descendantsOfType('initializer_pair').map((n) => n?.text);
    expect(pairs).toEqual(['.name = "x"', '.version_id = 3']);
    tree.delete();
  });
});
