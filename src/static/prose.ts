import type { FieldNode } from './types.js';
import { dirLabel, processing, type Dir, type Flow, type Walk } from './walk.js';

/** The sentences findings are made of. */

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function shapeText(f: FieldNode): string {
  const guessed = f.countGuessed ? ', count guessed' : '';
  const n = f.count && 'fixed' in f.count && f.count.fixed !== 1 ? `[${f.count.fixed}${guessed}]` : f.count && 'member' in f.count ? `[${f.count.member}]` : '';
  if (f.nested) return `${f.kind === 'vstruct' ? 'VSTRUCT' : 'struct'} ${f.nested.name}${n}`;
  const size = typeof f.size === 'number' ? `${plural(f.size, 'byte')}` : f.size === 'var' ? 'variable size' : 'size unknown';
  return f.type ? `${f.type}${n}, ${size}` : `${size}${n}`;
}

/** Why a nested VMSD's version matters here; empty for sections and subsections, whose version is on the wire. */
export function nestedNote(w: Walk): string {
  const p = processing(w);
  const both = `${w.a.label}: ${p.a ?? '?'}, ${w.b.label}: ${p.b ?? '?'}`;
  switch (w.via.kind) {
    case 'struct':
      return `${w.va.name} is a nested struct reached through VMS_STRUCT ${w.via.field}: a nested struct's version is not on the wire, each side processes it at its own version (${both})`;
    case 'inline':
      return `${w.va.name} is saved inline by the custom codec ${w.via.codec}: its version is not on the wire, each side processes it at its own version (${both})`;
    case 'vstruct':
      return `${w.va.name} is reached through VMS_VSTRUCT ${w.via.field}: each side processes it at its field's struct_version_id (${both}), which is not on the wire`;
    default:
      return '';
  }
}

/** What one direction does with a field, in words; `f` is null when the direction never gets this far. */
export function consequence(w: Walk, d: Dir, f: Flow | null, them: string, hasLoaderField: boolean, hasSaverField: boolean): string {
  const head = `${dirLabel(w, d)}: `;
  if (!f) return `${head}never gets this far (refused or not sent before this point)`;
  const S = f.saver.label;
  const L = f.loader.label;
  const when = f.leg.maybe ? ` (whenever ${f.leg.maybe})` : '';
  switch (f.status) {
    case 'unread':
      return `${head}${S} writes ${them} (${f.writes.why}) but ${L} ${hasLoaderField ? `does not read ${them} (${f.reads.why})` : `has no such field${them === 'it' ? '' : 's'}`}${when}`;
    case 'unwritten':
      return `${head}${L} reads ${them} (${f.reads.why}) but ${S} ${hasSaverField ? `does not write ${them} (${f.writes.why})` : `never writes ${them}`}${when}`;
    case 'uncertain':
      return `${head}may break: ${S} writes ${them} when ${f.writes.why === 'no such field' ? 'never' : f.writes.why}, ${L} reads ${them} when ${f.reads.why === 'no such field' ? 'never' : f.reads.why}`;
    case 'both':
      return `${head}both sides have ${them} on the wire`;
    default:
      if (!hasSaverField) return `${head}${L} does not read ${them} (${f.reads.why})`;
      if (!hasLoaderField) return `${head}${S} does not write ${them} (${f.writes.why})`;
      return `${head}neither side puts ${them} on the wire here`;
  }
}

export function namesText(names: string[]): string {
  return names.length === 1 ? `field ${names[0]}` : `${names.length} fields ${names.join(', ')}`;
}

export function bytesText(w: Walk, bytes: number | null): string {
  return bytes === null ? '' : ` (${plural(bytes, 'byte')}${w.perElement ? ' per element' : ''})`;
}
