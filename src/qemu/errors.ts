/**
 * Failures of a running QEMU process or its QMP channel. Kept apart from VmError
 * (whose kinds describe stream contents): these say what the *process* did.
 */
export type QemuErrorKind =
  | 'qmp-error' // QEMU answered a command with {"error": …}
  | 'qmp-timeout' // no answer within the command's timeout
  | 'qmp-closed' // the socket closed (usually: the process exited)
  | 'qmp-protocol' // something that is not QMP arrived
  | 'start-failed' // the process exited or never opened its QMP socket
  | 'timeout' // a whole operation ran out of time; the process was killed
  | 'migration-failed'; // the source reported status 'failed'

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
}

export class QemuError extends Error {
  readonly kind: QemuErrorKind;
  readonly command: string | undefined;
  readonly errorClass: string | undefined;
  readonly desc: string | undefined;
  stderr: string | undefined;

  constructor(info: QemuErrorInfo) {
    super(info.message);
    this.name = 'QemuError';
    this.kind = info.kind;
    this.command = info.command;
    this.errorClass = info.errorClass;
    this.desc = info.desc;
    this.stderr = info.stderr;
  }
}
