import { align, chunks } from './align.js';
import { fieldBytes } from './shape.js';
import type { CountGuess, FieldNode, VmsdNode } from './types.js';

/**
 * Element counts a `-dump-vmstate` of QEMU before 8.1 does not give.
 *
 * Such a dump writes a field's element size and no `num`, so `core.eitr`,
 * five 32-byte timers, reads as one. Compared with a side that knows its
 * counts, every fixed array would look resized. Where a field pairs by
 * name with one of a known count, that count is taken ('same-field'); where
 * one field without a count stands opposite VMSTATE_UNUSED bytes (the
 * field retired to a placeholder of its size), the count that fills those
 * bytes is taken, if there is one ('bytes'). Each guess is returned, so the
 * report can say what it assumed: a count that really changed at such a
 * place cannot be seen from the old dump.
 */
export function guessCounts(device: string, old: VmsdNode, known: VmsdNode, label: string): { vmsd: VmsdNode; guesses: CountGuess[] } {
  const guesses: CountGuess[] = [];
  const vmsd = fill(device, old, known, label, old.name, guesses, new Set());
  return { vmsd, guesses };
}

function fill(device: string, old: VmsdNode, known: VmsdNode, label: string, at: string, out: CountGuess[], seen: Set<VmsdNode>): VmsdNode {
  if (seen.has(known)) return old;
  seen.add(known);
  const fields = old.fields.slice();
  const index = new Map(old.fields.map((f, i) => [f, i]));
  const guess = (f: FieldNode, count: number, how: CountGuess['how']) => {
    fields[index.get(f)!] = { ...fields[index.get(f)!]!, count: { fixed: count }, countGuessed: true };
    out.push({ device, path: `${at}:${f.label}`, in: label, count, how });
  };
  for (const c of chunks(align(old.fields, known.fields, (f) => f.name))) {
    if (c.kind === 'pair') {
      const k = c.b.count;
      if (c.a.count === null && k !== null && 'fixed' in k && k.fixed !== 1) guess(c.a, k.fixed, 'same-field');
      if (c.a.nested && c.b.nested) {
        const i = index.get(c.a)!;
        fields[i] = { ...fields[i]!, nested: fill(device, c.a.nested, c.b.nested, label, `${at}:${c.a.label} › ${c.a.nested.name}`, out, seen) };
      }
      continue;
    }
    // one field of unknown count opposite VMSTATE_UNUSED bytes (the field retired): the count that fills them
    const unknown = c.a.filter((f) => f.count === null && f.kind !== 'unused');
    if (unknown.length !== 1 || c.b.length === 0 || !c.b.every((f) => f.kind === 'unused')) continue;
    const there = c.b.map(fieldBytes);
    const rest = c.a.filter((f) => f !== unknown[0]).map(fieldBytes);
    const f = unknown[0]!;
    if (typeof f.size !== 'number' || f.size === 0 || there.some((n) => n === null) || rest.some((n) => n === null)) continue;
    const bytes = (there as number[]).reduce((x, y) => x + y, 0) - (rest as number[]).reduce((x, y) => x + y, 0);
    if (bytes > f.size && bytes % f.size === 0) guess(f, bytes / f.size, 'bytes');
  }
  const subsections = old.subsections.map((s) => {
    const k = known.subsections.find((x) => x.vmsd.name === s.vmsd.name);
    return k ? { ...s, vmsd: fill(device, s.vmsd, k.vmsd, label, s.vmsd.name, out, seen) } : s;
  });
  return { ...old, fields, subsections };
}
