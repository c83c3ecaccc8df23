import { VmError, hex, type ErrorKind } from '../wire/errors.js';
import { pathOf } from '../vmstate/path.js';
import type { TraceEntry } from '../vmstate/types.js';
import type { SectionLayout } from '../machine/engine.js';
import type { DesyncOrigin, Failure, Stage } from './failure.js';

const strerror: Record<number, string> = {
  [-1]: 'Operation not permitted',
  [-2]: 'No such file or directory',
  [-5]: 'Input/output error',
  [-22]: 'Invalid argument',
  [-95]: 'Operation not supported',
};

function leaf(e: TraceEntry | undefined) {
  return e ? { path: pathOf(e.keys), vmsd: e.vmsd, offset: e.offset, size: e.size } : null;
}

/** The first place where what the sender wrote and what the receiver read disagree. */
export function desyncOrigin(sent: TraceEntry[], read: TraceEntry[]): DesyncOrigin | null {
  const n = Math.max(sent.length, read.length);
  for (let i = 0; i < n; i++) {
    const s = sent[i];
    const r = read[i];
    if (s && r && s.offset === r.offset && s.size === r.size && pathOf(s.keys) === pathOf(r.keys)) continue;
    if (!s && !r) return null;
    return { sent: leaf(s), read: leaf(r) };
  }
  return null;
}

/**
 * Turns a load error into a failure, refined with what the sender's layout
 * says: QEMU only notices a desync at its first failing check (usually the
 * footer), but the harness knows where the section really ended.
 */
export function classifyLoadError(
  error: VmError,
  stage: Stage,
  saver: string,
  loader: string,
  sent: SectionLayout[],
  read: SectionLayout[],
  bytes: Uint8Array,
): Failure {
  const qemu = [...error.qemu];
  if (error.errno !== undefined) qemu.push(`load of migration failed: ${strerror[error.errno] ?? `errno ${-error.errno}`}`);
  const base: Failure = {
    kind: error.kind,
    stage,
    saver,
    loader,
    path: error.path,
    vmsd: error.vmsd,
    offset: error.offset,
    message: error.message,
    qemu,
    qemuKind: error.kind,
    bytes,
  };
  const rs = read[read.length - 1];
  const ss = rs && sent.find((s) => s.instance.idstr === rs.instance.idstr && s.instance.instanceId === rs.instance.instanceId);
  if (!rs || !ss) return base;
  const origin = desyncOrigin(ss.trace, rs.trace);
  if (origin) base.origin = origin;
  base.sentTrace = ss.trace;
  base.readTrace = rs.trace;

  // The receiver read past the end of the section the sender wrote. The
  // report names where the layouts first part (the origin), which is where
  // a maintainer has to look; the field that crossed the end is in the message.
  const over = rs.trace.find((e) => e.offset + e.size > ss.payloadEnd);
  if (over) {
    const spill = Math.max(rs.payloadEnd, over.offset + over.size) - ss.payloadEnd;
    const at = origin?.read ?? { path: pathOf(over.keys), vmsd: over.vmsd, offset: over.offset, size: over.size };
    const crossing = pathOf(over.keys) === at.path ? '' : `; ${over.vmsd}:${pathOf(over.keys)} at ${hex(over.offset)} then crosses the end of the section`;
    return {
      ...base,
      kind: 'short-read',
      path: at.path,
      vmsd: at.vmsd,
      offset: at.offset,
      message:
        `${loader} read past the end of section '${ss.instance.idstr}': the layouts part at ${at.vmsd}:${at.path} (${hex(at.offset)}), ` +
        `which ${saver} did not write there${crossing}; ${saver} ended the section at ${hex(ss.payloadEnd)} and ${loader} read ${spill} byte(s) more` +
        (error.kind === 'short-read' ? '' : `; QEMU then fails with: ${error.qemu[0] ?? error.message}`),
    };
  }
  // The receiver stopped early and the next check tripped over bytes it left.
  const leftover: ErrorKind[] = ['footer-missing', 'footer-id-mismatch', 'unknown-section-type', 'unknown-subsection', 'truncated'];
  if (leftover.includes(error.kind) && rs.payloadEnd < ss.payloadEnd) {
    const first = ss.trace.find((e) => e.offset >= rs.payloadEnd) ?? ss.trace.find((e) => e.offset + e.size > rs.payloadEnd);
    const at = origin?.sent ?? (first ? { path: pathOf(first.keys), vmsd: first.vmsd, offset: first.offset, size: first.size } : null);
    const lastRead = rs.trace[rs.trace.length - 1];
    const unread = ss.payloadEnd - rs.payloadEnd;
    return {
      ...base,
      path: at?.path ?? base.path,
      vmsd: at?.vmsd ?? base.vmsd,
      offset: at?.offset ?? rs.payloadEnd,
      message:
        `${loader} finished section '${ss.instance.idstr}' at ${hex(rs.payloadEnd)}` +
        (lastRead ? ` after ${pathOf(lastRead.keys)}` : '') +
        `; ${saver} wrote ${unread} more byte(s)` +
        (at ? `; the layouts part at ${at.vmsd}:${at.path} (${hex(at.offset)}), which ${loader} did not read there` : '') +
        ` (${error.qemu[0] ?? error.message})`,
    };
  }
  return base;
}
