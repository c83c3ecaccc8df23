/**
 * Writes a case's streams into a folder the user named (`repro --stream-out`,
 * `qemu --keep-streams`): one file per stream, named for the case, the stage
 * and the release or binary that wrote it, so that a folder can hold many cases.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { safeName } from '../src/check/streams.js';

export interface WrittenStream {
  role: string;
  savedBy: string;
  path: string;
  bytes: number;
  /** Why the stage after this one has no stream, when it has none. */
  stopped: string | null;
}

export function writeStream(dir: string, caseId: string, s: { role: string; savedBy: string; bytes: Uint8Array; stopped?: string | null }): WrittenStream {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${safeName(caseId)}.${s.role}-by-${safeName(s.savedBy)}.bin`);
  writeFileSync(path, s.bytes);
  return { role: s.role, savedBy: s.savedBy, path, bytes: s.bytes.length, stopped: s.stopped ?? null };
}

/** One line per stream, the path relative to the working folder (what a user copies). */
export function streamLines(ws: readonly WrittenStream[]): string[] {
  const w = Math.max(0, ...ws.map((s) => s.role.length));
  return ws.map(
    (s) => `stream ${s.role.padEnd(w)}  ${shown(s.path)}  (saved by ${s.savedBy}, ${s.bytes} bytes)${s.stopped ? `; ${s.stopped}` : ''}`,
  );
}

/** Relative to the working folder when inside it, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : resolve(path);
}
