/**
 * Failures of a running QEMU process or its QMP channel. Kept apart from VmError
 * (whose kinds describe stream contents): these say what the *process* did.
 */
export type QemuErrorKind =
  | 'qmp-error' // QEMU answered a command with {"error": …}
  | 'qmp-timeout' // no answer within the command's timeout
  | 'qmp-closed' // the socket closed (usually: the process exited)
  | 'qmp-protocol' // something that is not QMP arrived
  | 'start-failed' // the process exited or never opened its QMP socket, without saying why
  | 'config-refused' // QEMU exited at start with its own error line: it cannot run this setup
  | 'qemu-crashed' // the process was killed by a signal, or exited without a reason mid-operation
  | 'timeout' // a whole operation ran out of time; the process was killed
  | 'migration-failed'; // the source reported status 'failed'

/** The step of a real run a process failure happened in. */
export type QemuStage = 'start' | 'save' | 'load' | 're-save';

export interface QemuErrorInfo {
  kind: QemuErrorKind;
  message: string;
  /** The QMP command involved, if any. */
  command?: string;
  /** QEMU's error class and description for 'qmp-error'. */
  errorClass?: string;
  desc?: string;
  /** What the process printed on stderr, when it matters. */
  stderr?: string;
  /** The step it failed in, when known. */
  stage?: QemuStage;
  /** How the process ended, when it did: exit code or signal name. */
  exitCode?: number;
  signal?: string;
}

export class QemuError extends Error {
  readonly kind: QemuErrorKind;
  readonly command: string | undefined;
  readonly errorClass: string | undefined;
  readonly desc: string | undefined;
  stderr: string | undefined;
  stage: QemuStage | undefined;
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;

  constructor(info: QemuErrorInfo) {
    super(info.message);
    this.name = 'QemuError';
    this.kind = info.kind;
    this.command = info.command;
    this.errorClass = info.errorClass;
    this.desc = info.desc;
    this.stderr = info.stderr;
    this.stage = info.stage;
    this.exitCode = info.exitCode;
    this.signal = info.signal;
  }
}

/** The last `lines` non-empty lines of a process's stderr, for a message. */
export function stderrTail(stderr: string, lines = 5): string {
  const all = stderr.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  return all.slice(-lines).join(' / ');
}
