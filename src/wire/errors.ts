/**
 * Errors are values with a kind, a message a person can act on, a field path
 * and a byte offset. They are thrown inside the engine (like QEMU's sticky
 * file error, they abort the whole load) and caught at the API boundary,
 * where they become `{ ok: false, error }` results.
 */
export type ErrorKind =
  // stream framing (spec §2, §5)
  | 'bad-magic'
  | 'obsolete-version'
  | 'bad-stream-version'
  | 'config-missing'
  | 'machine-mismatch'
  | 'page-bits-mismatch'
  | 'capability-mismatch'
  | 'unknown-capability'
  | 'unknown-section-type'
  | 'bad-idstr'
  | 'unknown-section'
  | 'section-version-too-new'
  | 'footer-missing'
  | 'footer-id-mismatch'
  | 'footer-read-error'
  | 'truncated'
  // VMState (spec §3–§5)
  | 'short-read'
  | 'version-too-new'
  | 'version-too-old'
  | 'unknown-subsection'
  | 'equal-mismatch'
  | 'int32-le-range'
  | 'validation-failed'
  | 'nullptr-marker'
  | 'post-load-failed'
  | 'pre-load-failed'
  | 'pre-save-failed'
  | 'post-save-failed'
  | 'bad-state'
  // harness-level findings QEMU itself is silent about
  | 'missing-section'
  | 'state-loss'
  | 'value-changed'
  | 'trailing-data'
  | 'vmdesc-missing'
  /** The trailing JSON description is there but not what QEMU writes (a bad type, size, count, depth). */
  | 'bad-vmdesc'
  | 'bad-input'
  // a real QEMU process that could not run a case (never a verdict on the stream)
  /** Killed by a signal or exited without QEMU's own error line while it was working. */
  | 'qemu-crashed'
  /** Did not finish a stage (start, save, load, re-save) in time; it was killed. */
  | 'timeout'
  /** Exited before its QMP socket answered, without saying which option it refused. */
  | 'start-failed'
  /** Sent something on QMP that is not a QMP message (not JSON, not an object, an endless line). */
  | 'qmp-protocol';

export interface VmErrorInfo {
  kind: ErrorKind;
  message: string;
  /** Field path inside the section, e.g. `virtio-gpu-one-scanout:fb.format`. */
  path?: string | null;
  /** Name of the VMSD that owns `path`. */
  vmsd?: string | null;
  /** Absolute byte offset in the stream where the problem was detected. */
  offset?: number | null;
  /** errno QEMU would finally report (negative), when known. */
  errno?: number;
  /** QEMU's own chain of error lines, innermost first, when modelled. */
  qemu?: string[];
}

export class VmError extends Error {
  readonly kind: ErrorKind;
  path: string | null;
  vmsd: string | null;
  readonly offset: number | null;
  readonly errno: number | undefined;
  readonly qemu: string[];

  constructor(info: VmErrorInfo) {
    // A message may quote bytes from the stream: no raw control byte reaches a terminal.
    super(info.message.replace(CONTROL_BUT_LINE_BREAKS, escapeChar));
    this.name = 'VmError';
    this.kind = info.kind;
    this.path = info.path ?? null;
    this.vmsd = info.vmsd ?? null;
    this.offset = info.offset ?? null;
    this.errno = info.errno;
    this.qemu = info.qemu ? info.qemu.map((l) => l.replace(CONTROL, escapeChar)) : [];
  }

  toJSON(): VmErrorInfo {
    return {
      kind: this.kind,
      message: this.message,
      path: this.path,
      vmsd: this.vmsd,
      offset: this.offset,
      errno: this.errno,
      qemu: this.qemu,
    };
  }
}

export const EINVAL = -22;
export const EIO = -5;
export const ENOENT = -2;
export const ENOTSUP = -95;
export const EPERM = -1;

export type Result<T> = { ok: true; value: T } | { ok: false; error: VmError };

/** Runs `f` at an API boundary: a VmError becomes `{ ok: false, error }`, anything else is rethrown. */
export function result<T>(f: () => T): Result<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof VmError) return { ok: false, error: e };
    throw e;
  }
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * A name read from a stream (section idstr, subsection, RAM block, machine type), fit
 * for a one-line message: control characters (line breaks included) escaped as \xNN,
 * and a name longer than `max` characters cut, saying how long it was.
 */
export function printable(s: string, max = 80): string {
  const cut = s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
  return cut.replace(CONTROL, escapeChar);
}

export function hex(n: number | bigint, width = 0): string {
  return '0x' + n.toString(16).padStart(width, '0');
}
