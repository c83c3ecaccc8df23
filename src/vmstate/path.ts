/** Spells a state path the way QEMU names fields: `parent_obj.scanout[0].fb.format`. */
export function pathOf(keys: readonly (string | number)[]): string {
  let out = '';
  for (const k of keys) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? k : `.${k}`;
  }
  return out;
}

export function getAt(root: unknown, keys: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const k of keys) {
    if (cur === null || cur === undefined) return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}
