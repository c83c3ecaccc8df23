import { pathOf } from '../vmstate/path.js';
import type { TraceEntry } from '../vmstate/types.js';
import { walk } from '../wire/walk.js';
import type { Failure } from './failure.js';

export interface HexdumpOptions {
  /** The byte to mark. */
  offset: number;
  /** How many bytes to mark; default the whole field or framing element at `offset` (never part of a header). */
  length?: number;
  /** Rows to show before and after the marked rows. */
  before?: number;
  after?: number;
  sent?: TraceEntry[];
  read?: TraceEntry[];
  sender?: string;
  receiver?: string;
  /** Framing to label; default: found by walking the stream (nothing when it does not walk). */
  frames?: Frame[];
  /** Said on the marked row after what is there (what the receiver expected instead). */
  markNote?: string;
}

/** A run of framing bytes: a header, footer, subsection header, EOF, the description. */
export interface Frame {
  offset: number;
  size: number;
  label: string;
}

export const ROW_BYTES = 16;
/** Width of a row before its annotation (which follows two spaces later): offset, hex (a separator before each byte, one after the last), the ASCII column in bars. */
export const DUMP_WIDTH = 6 + 1 + ROW_BYTES * 3 + 1 + 2 + (1 + ROW_BYTES + 1);

/** The stream's framing as labelled runs, from its walk; subsection headers come from the sender's trace. */
export function framesOf(bytes: Uint8Array, sent: TraceEntry[] = []): Frame[] {
  const out: Frame[] = [];
  const w = walk(bytes);
  if (w.ok) {
    const s = w.value;
    out.push({ offset: 0, size: 8, label: `file header (QEVM, version ${s.version})` });
    for (const r of s.records) {
      const header = r.payloadOffset - r.offset;
      switch (r.type) {
        case 'CONFIGURATION':
          out.push({ offset: r.offset, size: 1 + r.payloadLength, label: `configuration section: machine ${s.machine ?? '?'}` });
          break;
        case 'EOF':
          out.push({ offset: r.offset, size: 1, label: 'EOF (end of device state)' });
          break;
        case 'VMDESCRIPTION':
          out.push({ offset: r.offset, size: r.payloadOffset + r.payloadLength - r.offset, label: `VM description (JSON, ${r.payloadLength} bytes)` });
          break;
        case 'COMMAND':
          out.push({ offset: r.offset, size: header + r.payloadLength, label: `command ${r.command ?? '?'}` });
          break;
        default:
          out.push({
            offset: r.offset,
            size: header,
            label: `section header ${r.type} id ${r.sectionId} '${r.idstr ?? '?'}'${r.instanceId !== undefined ? ` instance ${r.instanceId}` : ''}${r.versionId !== undefined ? ` version ${r.versionId}` : ''}`,
          });
          if (r.footerOffset !== null) out.push({ offset: r.footerOffset, size: 5, label: `section footer (7e, id ${r.sectionId})` });
      }
    }
  }
  for (const e of sent) {
    if (e.what === 'subsection') out.push({ offset: e.offset, size: e.size, label: `subsection header ${e.vmsd}` });
  }
  return out.sort((a, b) => a.offset - b.offset);
}

function names(trace: TraceEntry[] | undefined, from: number, to: number): string {
  if (!trace) return '';
  const hit = trace.filter((e) => e.offset < to && e.offset + e.size > from && e.what === 'field');
  if (hit.length === 0) return '';
  const first = pathOf(hit[0]!.keys);
  const last = pathOf(hit[hit.length - 1]!.keys);
  return first === last ? first : `${first} … ${last}`;
}

/**
 * Where rows start: every framing element starts a row (so a header or a
 * footer is never cut by a row's end unless it is longer than a row), and
 * so does the byte after it, and the marked run; elsewhere every 16 bytes.
 */
function rowStarts(length: number, frames: Frame[], marked: number): number[] {
  const forced = new Set<number>([0, marked]);
  for (const f of frames) {
    forced.add(f.offset);
    forced.add(f.offset + f.size);
  }
  const cuts = [...forced].filter((x) => x <= length).sort((a, b) => a - b);
  const out: number[] = [];
  for (let i = 0; i < cuts.length; i++) {
    const end = cuts[i + 1] ?? length;
    for (let at = cuts[i]!; at < end; at += ROW_BYTES) out.push(at);
  }
  return out;
}

/** What is marked: the given length, else the whole frame or field at the offset. */
function markedRun(o: HexdumpOptions, frames: Frame[]): [number, number] {
  if (o.length !== undefined) return [o.offset, o.offset + Math.max(1, o.length)];
  const covers = (x: { offset: number; size: number }) => x.offset <= o.offset && o.offset < x.offset + x.size;
  const frame = frames.find(covers);
  // a description is far longer than anything worth marking
  if (frame && !frame.label.startsWith('VM description')) return [frame.offset, frame.offset + frame.size];
  const field = [...(o.sent ?? []), ...(o.read ?? [])].find((e) => e.what === 'field' && e.offset === o.offset) ?? o.sent?.find((e) => e.what === 'field' && covers(e));
  if (field) return [field.offset, field.offset + Math.min(field.size, ROW_BYTES * 4)];
  return [o.offset, o.offset + 1];
}

const ascii = (b: number) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');

/**
 * An annotated hex dump around `offset`, with an ASCII column. Rows follow
 * the stream's records: framing bytes (file header, section header and
 * footer, subsection header, EOF, description) sit on rows of their own,
 * labelled; other rows name the leaves the sender wrote there and, where it
 * differs, what the receiver read there. The marked run is in brackets.
 */
export function hexdump(bytes: Uint8Array, o: HexdumpOptions): string[] {
  const frames = o.frames ?? framesOf(bytes, o.sent);
  const [m0, m1] = markedRun(o, frames);
  const starts = rowStarts(bytes.length, frames, m0);
  const rowOf = (x: number) => {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= x) i++;
    return i;
  };
  const r0 = Math.max(0, rowOf(m0) - (o.before ?? 2));
  const r1 = Math.min(starts.length, rowOf(Math.max(m0, m1 - 1)) + 1 + (o.after ?? 2));
  const out: string[] = [];
  for (let row = r0; row < r1; row++) {
    const start = starts[row]!;
    const end = Math.min(starts[row + 1] ?? bytes.length, start + ROW_BYTES);
    const marked = (i: number) => i >= m0 && i < m1 && i >= start && i < end;
    let hex = '';
    let text = '';
    for (let i = start; i < start + ROW_BYTES; i++) {
      // every byte is preceded by one separator: ' ', or '[' / ']' where the marked run opens or closes
      const sep = marked(i) && !marked(i - 1) ? '[' : !marked(i) && marked(i - 1) ? ']' : ' ';
      hex += sep + (i < end ? bytes[i]!.toString(16).padStart(2, '0') : '  ');
      text += i < end ? ascii(bytes[i]!) : ' ';
    }
    hex += marked(start + ROW_BYTES - 1) ? ']' : ' ';
    const frame = frames.find((f) => f.offset <= start && start < f.offset + f.size);
    let note: string;
    if (frame) {
      note = frame.offset === start ? frame.label : `… ${frame.label}`;
      // a receiver that reads fields where the sender put framing is the desync itself
      const read = names(o.read, start, end);
      if (read) note += ` · ${o.receiver ?? 'the receiver'} read ${read} here`;
    } else {
      const sent = names(o.sent, start, end);
      const read = names(o.read, start, end);
      note = sent ? `${o.sender ?? 'sent'}: ${sent}` : '';
      if (read && read !== sent) note += `${note ? ' · ' : ''}${o.receiver ?? 'read'}: ${read}`;
    }
    if (o.markNote && start === m0) note += `${note ? ' · ' : ''}${o.markNote}`;
    out.push(`${start.toString(16).padStart(6, '0')} ${hex}  |${text}|  ${note}`.trimEnd());
  }
  return out;
}

/** A failure's stream around its offset, or null when it has no bytes or no offset. */
export function failureHexdump(f: Failure): string[] | null {
  if (!f.bytes || f.offset === null) return null;
  const expected: Partial<Record<string, string>> = {
    'footer-missing': `${f.loader} expected the section footer (7e) here`,
    'footer-id-mismatch': `${f.loader} expected the section footer here`,
    'unknown-subsection': `${f.loader} does not know this subsection`,
  };
  return hexdump(f.bytes, { offset: f.offset, sent: f.sentTrace, read: f.readTrace, sender: f.saver, receiver: f.loader, markNote: expected[f.kind] });
}
