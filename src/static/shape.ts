import type { Props } from '../vmstate/types.js';
import { presence } from './exists.js';
import { plural, shapeText } from './prose.js';
import type { ChangeKind, FieldNode } from './types.js';
import type { Flow, Walk } from './walk.js';

/** What a field looks like on the wire, and how two fields of the same name differ there. */

export function fieldBytes(f: FieldNode): number | null {
  if (typeof f.size !== 'number') return null;
  if (f.count === null) return f.size;
  if ('fixed' in f.count) return f.size * f.count.fixed;
  return null;
}

/** Wire bytes of a struct field when they do not depend on state: every nested field fixed and decided, no subsections. */
export function structBytes(f: FieldNode, props: Props | null): number | null {
  const nested = f.nested!;
  if (nested.subsections.length > 0) return null;
  const v = f.kind === 'vstruct' && f.structVersion !== null ? f.structVersion : nested.version_id;
  let one = 0;
  for (const g of nested.fields) {
    const p = presence(g, v, props);
    if (p.value === 'no') continue;
    if (p.value !== 'yes') return null;
    const n = g.nested ? structBytes(g, props) : fieldBytes(g);
    if (n === null) return null;
    one += n;
  }
  if (f.count === null || !('fixed' in f.count)) return f.count === null ? one : null;
  return one * f.count.fixed;
}

/** Whether QEMU's checker, walking the saver's fields in order, would flag this direction. */
export function checkerSeesPair(f: Flow, fa: FieldNode, fb: FieldNode): boolean {
  const [sf, lf] = f.dir === 'fwd' ? [fa, fb] : [fb, fa];
  return sf.version_id > lf.version_id;
}

export interface ShapeDiff {
  change: ChangeKind;
  text: string;
  /** null: a difference of no consequence to the byte layout. */
  effect: 'breaks' | 'may-break' | null;
}

export function shapeDiffs(w: Walk, fa: FieldNode, fb: FieldNode): ShapeDiff[] {
  const A = w.a.label;
  const B = w.b.label;
  if ((fa.nested === null) !== (fb.nested === null)) {
    const [has, lacks, st, f, props] = fa.nested ? [A, B, fa, fb, w.a.props] : [B, A, fb, fa, w.b.props];
    if (f.kind === 'custom' || f.type === null) {
      return [{ change: 'description-missing', text: `${has} has a nested VMSD here, ${lacks} a field of ${shapeText(f)} with no description`, effect: f.kind === 'custom' ? 'breaks' : 'may-break' }];
    }
    const sb = structBytes(st, props);
    const fb2 = fieldBytes(f);
    if (sb !== null && sb === fb2) {
      return [{ change: 'field-type', text: `${has} has ${shapeText(st)} where ${lacks} has ${shapeText(f)}, both ${plural(sb, 'byte')}: the bytes line up, the value is read differently`, effect: null }];
    }
    const sizes = sb === null ? '' : ` (${plural(sb, 'byte')} against ${fb2 === null ? 'a size not known statically' : plural(fb2, 'byte')})`;
    return [{ change: 'description-missing', text: `${has} has ${shapeText(st)} where ${lacks} has ${shapeText(f)}${sizes}`, effect: sb === null || fb2 === null ? 'may-break' : 'breaks' }];
  }
  if (fa.kind === 'custom' || fb.kind === 'custom') {
    if (fa.type === null || fb.type === null) {
      const codec = fa.type === null ? fb : fa;
      const declared = codec.inline.length ? ` (with the VMSDs it saves inline: ${codec.inline.map((v) => v.name).join(', ')})` : '';
      return [{ change: 'custom-codec', text: `saved by the custom codec ${codec.type}; a dump shows it as a field of ${shapeText(codec === fa ? fb : fa)} without a description, so what the codec writes${declared} cannot be compared with a dump`, effect: null }];
    }
    if (fa.type !== fb.type) return [{ change: 'custom-codec', text: `codec ${fa.type} → ${fb.type}: the bytes each writes are its own`, effect: 'breaks' }];
    return [];
  }
  const out: ShapeDiff[] = [];
  const sameSize = typeof fa.size === 'number' && fa.size === fb.size;
  if (fa.type && fb.type && fa.type !== fb.type && !fa.nested && sameSize) {
    out.push({ change: 'field-type', text: `codec ${fa.type} → ${fb.type}, both ${plural(fa.size as number, 'byte')}: the bytes line up, the value is read differently`, effect: null });
  }
  if (typeof fa.size === 'number' && typeof fb.size === 'number' && fa.size !== fb.size) {
    const unused = fa.kind === 'unused' && fb.kind === 'unused';
    out.push({ change: unused ? 'unused-size' : 'field-resized', text: `${shapeText(fa)} → ${shapeText(fb)}`, effect: 'breaks' });
  } else if ((fa.size === 'var') !== (fb.size === 'var') && fa.size !== null && fb.size !== null) {
    out.push({ change: 'field-resized', text: `${shapeText(fa)} → ${shapeText(fb)}`, effect: 'may-break' });
  }
  if (fa.count && fb.count) {
    const ca = 'fixed' in fa.count ? String(fa.count.fixed) : fa.count.member;
    const cb = 'fixed' in fb.count ? String(fb.count.fixed) : fb.count.member;
    if (ca !== cb) {
      const fixed = 'fixed' in fa.count && 'fixed' in fb.count;
      out.push({
        change: 'field-count',
        text: fixed ? `${ca} → ${cb} elements` : `element count ${ca} → ${cb}${fixed ? '' : ' (a count read from state may or may not agree)'}`,
        effect: fixed ? 'breaks' : 'may-break',
      });
    }
  }
  return out;
}

export function shapeKey(f: FieldNode): string {
  return JSON.stringify([f.kind, f.type, f.size, f.count, f.nested?.name ?? null, f.structVersion]);
}
