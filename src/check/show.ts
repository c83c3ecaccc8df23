import { stateToJson } from '../vmstate/state.js';

/** Byte strings longer than this are shown as a window around their first difference. */
const WHOLE_BYTES = 32;
/** Bytes shown before the first difference, and in all. */
const BEFORE = 4;
const WINDOW = 16;

/**
 * "was X at A and is Y after B" for a one-line message. Short values are
 * shown whole; a long byte string (a VLAN table, a config space) as its
 * length, a window of hex around its first difference in both values, and
 * how many bytes differ. The whole values stay in the report.
 */
export function describeChange(sent: unknown, received: unknown, saver: string, loader: string): string {
  const a = stateToJson(sent);
  const b = stateToJson(received);
  if (typeof a !== 'string' || typeof b !== 'string' || !isHex(a) || !isHex(b) || Math.max(a.length, b.length) <= 2 * WHOLE_BYTES) {
    return `was ${JSON.stringify(a)} at ${saver} and is ${JSON.stringify(b)} after ${loader}`;
  }
  const n = Math.max(a.length, b.length) / 2;
  let first = 0;
  while (first < n && a.slice(2 * first, 2 * first + 2) === b.slice(2 * first, 2 * first + 2)) first++;
  let differ = 0;
  for (let i = first; i < n; i++) if (a.slice(2 * i, 2 * i + 2) !== b.slice(2 * i, 2 * i + 2)) differ++;
  const from = Math.max(0, first - BEFORE);
  const window = (s: string) => `${from > 0 ? '…' : ''}${s.slice(2 * from, 2 * (from + WINDOW))}${from + WINDOW < s.length / 2 ? '…' : ''}`;
  const lengths = a.length === b.length ? `${n} bytes` : `${a.length / 2} bytes, then ${b.length / 2} bytes`;
  return (
    `was ${window(a)} at ${saver} and is ${window(b)} after ${loader} ` +
    `(${lengths}; first difference at byte ${first}, ${differ} byte(s) differ; the whole values are in the report)`
  );
}

function isHex(s: string): boolean {
  return s.length % 2 === 0 && /^[0-9a-f]*$/.test(s);
}
