import { pathOf } from '../vmstate/path.js';
import type { TraceEntry } from '../vmstate/types.js';

export interface HexdumpOptions {
  /** The byte to mark, and how many bytes from there. */
  offset: number;
  length?: number;
  /** Rows of 16 bytes to show before and after the marked row. */
  before?: number;
  after?: number;
  sent?: TraceEntry[];
  read?: TraceEntry[];
  sender?: string;
  receiver?: string;
}

function names(trace: TraceEntry[] | undefined, from: number, to: number): string {
  if (!trace) return '';
  const hit = trace.filter((e) => e.offset < to && e.offset + e.size > from && e.what !== 'marker');
  if (hit.length === 0) return '';
  const label = (e: TraceEntry) => (e.what === 'subsection' ? `subsection ${e.vmsd}` : pathOf(e.keys));
  const first = label(hit[0]!);
  const last = label(hit[hit.length - 1]!);
  return first === last ? first : `${first} … ${last}`;
}

/**
 * An annotated hex dump around `offset`: each row names the leaves the
 * sender wrote there and, where it differs, what the receiver read there.
 */
export function hexdump(bytes: Uint8Array, o: HexdumpOptions): string[] {
  const len = Math.max(1, o.length ?? 1);
  const row0 = Math.max(0, Math.floor(o.offset / 16) - (o.before ?? 2));
  const row1 = Math.min(Math.ceil(bytes.length / 16), Math.floor((o.offset + len - 1) / 16) + 1 + (o.after ?? 2));
  const out: string[] = [];
  for (let row = row0; row < row1; row++) {
    const start = row * 16;
    // every byte is preceded by one separator: ' ', or '[' / ']' where the marked run opens or closes
    const marked = (i: number) => i >= o.offset && i < o.offset + len && i >= start && i < start + 16;
    let hex = '';
    for (let i = start; i < start + 16; i++) {
      const sep = marked(i) && !marked(i - 1) ? '[' : !marked(i) && marked(i - 1) ? ']' : ' ';
      hex += sep + (i < bytes.length ? bytes[i]!.toString(16).padStart(2, '0') : '  ');
    }
    hex += marked(start + 15) ? ']' : ' ';
    const sent = names(o.sent, start, start + 16);
    const read = names(o.read, start, start + 16);
    let note = sent ? `${o.sender ?? 'sent'}: ${sent}` : '';
    if (read && read !== sent) note += `${note ? ' · ' : ''}${o.receiver ?? 'read'}: ${read}`;
    out.push(`${start.toString(16).padStart(6, '0')} ${hex}  ${note}`.trimEnd());
  }
  return out;
}
