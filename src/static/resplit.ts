import type { Chunk } from './align.js';
import { presence } from './exists.js';
import { consequence, plural } from './prose.js';
import { fieldBytes } from './shape.js';
import type { FieldNode, Finding } from './types.js';
import { dirLabel, leg, roles, type Dir, type Walk } from './walk.js';

/**
 * A re-split: the same bytes cut into other fields, like QEMU 9.0's
 * globalstate, whose 100-byte `runstate` became runstate[32],
 * has_vm_was_suspended, vm_was_suspended and unused[66]. Field by field the
 * walk sees a resized field and fields added after it; taken together, the
 * runs on both sides start at the same point of the walk and cover the same
 * bytes, so nothing on the wire moves — only what the bytes mean.
 */

export interface Resplit {
  a: FieldNode[];
  b: FieldNode[];
  /** The chunk after the run. */
  end: number;
}

/** Bytes of a field whose size the schema fixes by itself: no nested VMSD, no custom codec. */
const plainBytes = (f: FieldNode): number | null => (f.nested || f.kind === 'custom' ? null : fieldBytes(f));

const runBytes = (fs: FieldNode[]): number | null =>
  fs.reduce<number | null>((n, f) => {
    const m = plainBytes(f);
    return n === null || m === null ? null : n + m;
  }, 0);

/**
 * Whether every field of both runs is put on the wire, or left off, alike:
 * in each direction that gets here, the saver's fields and the loader's
 * fields all give the same certain answer at this machine type. A field
 * gated otherwise (a version, a test, a compat property) makes the runs
 * differ on the wire, and the fields are then judged one by one.
 */
function sameConditions(w: Walk, fa: FieldNode[], fb: FieldNode[]): boolean {
  return (['fwd', 'bwd'] as Dir[]).every((d) => {
    const l = leg(w, d);
    if (!l) return true;
    const { saver, loader } = roles(w, d);
    const [sf, lf] = d === 'fwd' ? [fa, fb] : [fb, fa];
    const answers = new Set([...sf.map((f) => presence(f, l.saveV, saver.props).value), ...lf.map((f) => presence(f, l.loadV, loader.props).value)]);
    return answers.size === 1 && (answers.has('yes') || answers.has('no'));
  });
}

/**
 * The re-split that starts at chunk `i`, if any: chunk `i` does not line up
 * by itself (a resized pair, fields on one side only), and the chunks from
 * it up to the first point where both sides have covered the same bytes
 * hold fixed-size fields present under the same conditions, and every field
 * both sides name starts at the same byte on both.
 */
export function resplitAt(w: Walk, cs: readonly Chunk<FieldNode>[], i: number): Resplit | null {
  const fa: FieldNode[] = [];
  const fb: FieldNode[] = [];
  let ta = 0;
  let tb = 0;
  for (let j = i; j < cs.length; j++) {
    const c = cs[j]!;
    // a field both sides name must start at the same byte: one that moved is read as another field
    if (c.kind === 'pair' && ta !== tb) return null;
    const [xa, xb] = c.kind === 'pair' ? [[c.a], [c.b]] : [c.a, c.b];
    const na = runBytes(xa);
    const nb = runBytes(xb);
    if (na === null || nb === null) return null;
    fa.push(...xa);
    fb.push(...xb);
    ta += na;
    tb += nb;
    if (ta === tb) return j > i && fa.length > 0 && fb.length > 0 && sameConditions(w, fa, fb) ? { a: fa, b: fb, end: j + 1 } : null;
  }
  return null;
}

/** One finding for the whole run: which fields on each side cover the same bytes. */
export function resplitFinding(w: Walk, r: Resplit): Omit<Finding, 'machines' | 'section'> {
  const bytes = runBytes(r.a)!;
  const size = `${plural(bytes, 'byte')}${w.perElement ? ' per element' : ''}`;
  const cut = (fs: FieldNode[]) => (fs.length === 1 ? `${fs[0]!.label} (${size})` : fs.map((f) => `${f.label} (${plainBytes(f)})`).join(' + '));
  const cons = (['fwd', 'bwd'] as Dir[]).map((d) => {
    const l = leg(w, d);
    if (!l) return consequence(w, d, null, 'them', true, true);
    // the same conditions: one field tells for all
    const on = presence(r.a[0]!, d === 'fwd' ? l.saveV : l.loadV, w.a.props).value === 'yes';
    return `${dirLabel(w, d)}: ${on ? `${size} written and read` : 'neither side puts them on the wire here'}`;
  });
  const labels = [...new Set([...r.a, ...r.b].map((f) => f.label))];
  return {
    device: w.device,
    path: `${w.at}:${r.a[0]!.label}`,
    vmsd: w.va.name,
    field: labels.join(', '),
    change: 'field-resplit',
    // the codec precedent: bytes that line up but are read as other values are information
    severity: 'info',
    forward: 'ok',
    backward: 'ok',
    reason: `${cut(r.a)} in ${w.a.label} = ${cut(r.b)} in ${w.b.label}: the bytes line up, the values are read differently. ${cons.join('; ')}.`,
    checkerMisses: false,
  };
}
