import type { Props, State, VMStateDescription } from '../../vmstate/types.js';
import { eachStruct } from './walk-state.js';

/**
 * What values a field can hold where the VMSD does not say but QEMU's C
 * does (its pre_save writes it from a known set, it is a flag, it is
 * padding kept zero): a generated state is brought inside the domain before
 * it is saved, so no verdict rests on a value a running QEMU never sends.
 * The facts are hand-written, keyed by the VMSD's name and the field's C
 * name (`*`: any VMSD), in scenarios/common/tree-domains.ts.
 */
export type FieldDomain =
  /** Every byte zero (a buffer), or 0 / false. */
  | { kind: 'zero'; why: string }
  /** 0 or 1 (a C bool kept in an integer). */
  | { kind: 'flag'; why: string }
  /** A NUL-padded C string, one of `names` (a QAPI enum's members, by the enum's name, or a list) shorter than the buffer. */
  | { kind: 'name'; names: { qapi: string } | readonly string[]; why: string }
  /** strnlen(of, sizeof(of)) + 1: the length with its NUL of the C string in the field `of` of the same VMSD. */
  | { kind: 'strsize'; of: string; why: string };

export type DomainTable = Readonly<Record<string, Readonly<Record<string, FieldDomain>>>>;

/** A QAPI enum's member names (the tree's schema), or undefined when the tree has none of that name. */
export type EnumNames = (qapi: string) => readonly string[] | undefined;

interface Hit {
  member: string;
  d: FieldDomain;
}

/**
 * The generator steps a VMSD tree's domains make (none when the table
 * names none of its fields), with the notes every verdict of the class
 * carries; a name domain whose enum the tree lacks is a note and no step.
 */
export function domainSteps(top: VMStateDescription, reset: State, table: DomainTable, names: EnumNames): { refine: ((s: State, p: Props) => State) | null; notes: string[] } {
  const notes = new Set<string>();
  const byVmsd = new Map<VMStateDescription, Hit[]>();
  const seen = new Set<VMStateDescription>();
  eachStruct(top, reset, (v) => {
    if (seen.has(v)) return;
    seen.add(v);
    const hits: Hit[] = [];
    for (const f of v.fields) {
      const d = table[v.name]?.[f.name] ?? table['*']?.[f.name];
      if (!d || f.member === null) continue;
      if (d.kind === 'name' && !Array.isArray(d.names) && !names((d.names as { qapi: string }).qapi)) {
        notes.add(`${v.name}:${f.name} not held to its domain: the tree has no QAPI enum ${(d.names as { qapi: string }).qapi}`);
        continue;
      }
      hits.push({ member: f.member ?? f.name, d });
      notes.add(`${v.name}:${f.name} drawn inside its domain (${d.kind}): ${d.why}`);
    }
    if (hits.length) byVmsd.set(v, hits);
  });
  if (!byVmsd.size) return { refine: null, notes: [...notes] };
  const listOf = (d: Extract<FieldDomain, { kind: 'name' }>) => (Array.isArray(d.names) ? (d.names as readonly string[]) : names((d.names as { qapi: string }).qapi)!);
  const refine = (s: State): State => {
    eachStruct(top, s, (v, st) => {
      const hits = byVmsd.get(v);
      if (!hits) return;
      // values first, then what is derived from them
      for (const { member, d } of hits) if (d.kind !== 'strsize' && member in st) st[member] = within(st[member], d, listOf);
      for (const { member, d } of hits) if (d.kind === 'strsize' && member in st) st[member] = strsize(st[d.of], st[member]);
    });
    return s;
  };
  return { refine, notes: [...notes] };
}

function within(v: unknown, d: Exclude<FieldDomain, { kind: 'strsize' }>, listOf: (d: Extract<FieldDomain, { kind: 'name' }>) => readonly string[]): unknown {
  if (d.kind === 'zero') {
    if (v instanceof Uint8Array) return new Uint8Array(v.length);
    if (Array.isArray(v)) return v.map((x) => within(x, d, listOf));
    return typeof v === 'bigint' ? 0n : typeof v === 'boolean' ? false : typeof v === 'number' ? 0 : v;
  }
  if (d.kind === 'flag') {
    if (typeof v === 'number') return v & 1;
    if (typeof v === 'bigint') return v & 1n;
    return v;
  }
  // a name: picked by the buffer's first byte (a shrunk state, all zero, takes the first name)
  if (!(v instanceof Uint8Array)) return v;
  const fit = listOf(d).filter((n) => n.length < v.length);
  if (!fit.length) return v;
  const name = fit[(v[0] ?? 0) % fit.length]!;
  const out = new Uint8Array(v.length);
  out.set(new TextEncoder().encode(name));
  return out;
}

function strsize(str: unknown, cur: unknown): unknown {
  if (!(str instanceof Uint8Array)) return cur;
  const nul = str.indexOf(0);
  const n = (nul < 0 ? str.length : nul) + 1;
  return typeof cur === 'bigint' ? BigInt(n) : n;
}
